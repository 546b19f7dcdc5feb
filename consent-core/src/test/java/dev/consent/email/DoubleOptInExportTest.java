package dev.consent.email;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.rights.SubjectExport;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;

import static dev.consent.email.EmailTestSetup.ALICE;
import static dev.consent.email.EmailTestSetup.KEYS;
import static dev.consent.email.EmailTestSetup.NEWSLETTER;
import static org.assertj.core.api.Assertions.assertThat;

/** The proof of a double opt-in, both steps with their evidence, is in the subject's export (schema 1.5). */
class DoubleOptInExportTest {
    @Test
    void theExportShowsTheRequestAndTheConfirmationAndThePendingReason() throws Exception {
        EmailTestSetup shop = new EmailTestSetup();
        DoubleOptIn optIn = new DoubleOptIn(shop.consents, KEYS);
        OptInRequest r = optIn.request(ALICE, NEWSLETTER, Capture.by(Method.WEB_FORM));
        SubjectExport export = SubjectExport.builder().consents(shop.consents).build();
        JsonNode pending = write(export);
        assertThat(pending.get("schemaVersion").asText()).isEqualTo("1.6");
        assertThat(pending.toString()).contains("\"PENDING_CONFIRMATION\"");

        optIn.confirm(r.token(), Evidence.builder().userAgent("Mail client").ip("192.0.2.10").build());
        JsonNode doc = write(export);
        JsonNode history = doc.get("consentHistory");
        assertThat(history).hasSize(2);
        assertThat(history.get(0).get("choice").asText()).isEqualTo("GRANTED");
        assertThat(history.get(1).get("choice").asText()).isEqualTo("CONFIRMED");
        assertThat(history.get(1).get("method").asText()).isEqualTo("CONFIRMATION_LINK");
        assertThat(history.get(1).at("/evidence/userAgent").asText()).isEqualTo("Mail client");
        assertThat(history.get(1).at("/evidence/ip").asText()).isEqualTo("192.0.2.0/24");
        assertThat(history.get(1).at("/evidence/reference").asText()).contains(r.grant().id().value());
    }

    private static JsonNode write(SubjectExport export) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        export.write(ALICE, out);
        JsonNode doc = new ObjectMapper().readTree(out.toByteArray());
        try (InputStream in = SubjectExport.class.getResourceAsStream(SubjectExport.SCHEMA_RESOURCE)) {
            assertThat(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in).validate(doc))
                    .as("schema violations").isEmpty();
        }
        return doc;
    }
}
