package dev.consent.rights;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.consent.ledger.SubjectId;

import java.io.IOException;

/**
 * The host's own data about a subject (orders, addresses, tickets), added to access and portability exports under
 * {@code hostData.<name>}. The library holds none of it; the host streams it straight into the export.
 */
public interface SubjectDataContributor {

    /** The key under {@code hostData}: lower-case letters, digits, dots, dashes and underscores. */
    String name();

    /** Writes exactly one JSON value (usually an object or an array) with the subject's data. */
    void write(SubjectId subject, JsonGenerator json) throws IOException;
}
