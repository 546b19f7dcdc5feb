package dev.consent.rights;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.consent.ledger.SubjectId;

import java.io.IOException;

/**
 * The host's own data about a subject (orders, addresses, tickets), added to access and portability exports under
 * {@code hostData.<name>}. The library holds none of it; the host streams it straight into the export.
 *
 * <p>A contributor given to {@link RightsService.Builder#contributor} is also asked, when an erasure finds no retained
 * item of the subject in the library's records, whether the shop's tables behind it still hold the subject's data
 * ({@link #presence}): an erasure completes on the library's word only if every contributor reports none.
 */
public interface SubjectDataContributor {

    /**
     * The key under {@code hostData}; the same on every call, and unique among the contributors of one export.
     *
     * @return lower-case letters, digits, dots, dashes and underscores
     */
    String name();

    /**
     * Writes exactly one JSON value (usually an object or an array) with the subject's data.
     *
     * @param subject whose data
     * @param json the export's generator, positioned where the value goes; not to be closed
     * @throws IOException when the data cannot be read or written; the export fails
     */
    void write(SubjectId subject, JsonGenerator json) throws IOException;

    /**
     * Whether the shop's tables behind this contributor hold any data of the subject right now. Asked by
     * {@link RightsService#erase} when the library knows no retained item of the subject (GDPR Art. 17(1): the
     * erasure is owed whether or not the library knew of the data; Art. 5(2): the shop shows what it did): only if
     * every contributor answers {@link Presence#NONE} is the request completed at once; otherwise it waits for
     * {@link RightsService#confirmErasure}.
     *
     * <p>The default is {@link Presence#UNKNOWN}: a contributor that cannot tell never lets an erasure complete
     * unconfirmed (fail closed). Answer {@link Presence#NONE} only after looking, and only if the contributors given
     * to the rights service together cover every table holding personal data; a contributor for some tables (the
     * orders) that finds nothing there answers {@link Presence#UNKNOWN}. An exception counts as UNKNOWN.
     *
     * @param subject the subject being erased
     * @return what the tables hold of the subject now
     */
    default Presence presence(SubjectId subject) {
        return Presence.UNKNOWN;
    }

    /** What a contributor found of a subject's data in the shop's tables. */
    enum Presence {
        /** The tables hold data of the subject. */
        HOLDS_DATA,
        /** The tables were searched and hold nothing of the subject. */
        NONE,
        /** The contributor cannot tell (the default). */
        UNKNOWN
    }
}
