package dev.consent.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.consent.receipt.ConsentReceipt;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;

/**
 * What the JSON documents the library hands to subjects have in common (the subject export, the consent receipts
 * document, the consent records): how they are written, their header, and the columns a receipt is listed by.
 * Written once here so that the documents cannot drift apart; {@code docs/export-format.md} describes them.
 */
public final class JsonDocuments {
    private JsonDocuments() {
    }

    /**
     * A pretty-printed UTF-8 generator over {@code out} that does not close {@code out}: closing the generator only
     * flushes, so the caller's stream stays the caller's.
     */
    public static JsonGenerator open(JsonFactory json, OutputStream out) throws IOException {
        JsonGenerator g = json.createGenerator(out, JsonEncoding.UTF8);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g.useDefaultPrettyPrinter();
        return g;
    }

    /** The first fields of a document: the schema it follows, that schema's version, and when it was written. */
    public static void writeHeader(JsonGenerator g, String schema, String version, Instant generatedAt)
            throws IOException {
        g.writeStringField("schema", schema);
        g.writeStringField("schemaVersion", version);
        g.writeStringField("generatedAt", generatedAt.toString());
    }

    /**
     * The fields a signed receipt is listed with, into the object being written: the event it is for, the subject
     * and sequence of that event, its purpose, the receipt's id, when it was issued, the signing key's id and the
     * JWS itself.
     */
    public static void writeReceiptColumns(JsonGenerator g, ConsentReceipt r) throws IOException {
        g.writeStringField("eventId", r.event().value());
        g.writeStringField("subject", r.subject().value());
        g.writeNumberField("sequence", r.sequence());
        g.writeStringField("purpose", r.purpose().value());
        g.writeStringField("receiptId", r.receiptId());
        g.writeStringField("issuedAt", r.issuedAt().toString());
        g.writeStringField("keyId", r.keyId());
        g.writeStringField("jws", r.jws());
    }
}
