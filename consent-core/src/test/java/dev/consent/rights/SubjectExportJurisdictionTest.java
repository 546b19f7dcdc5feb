package dev.consent.rights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.consent.ConsentService;
import dev.consent.JurisdictionPolicies;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.SubjectLocation;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The access export (schema 1.6) shows where the subject was and the jurisdiction each decision applied. */
class SubjectExportJurisdictionTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final MutableClock clock = MutableClock.at("2025-03-03T09:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(JurisdictionPolicies.withJurisdictions())
            .store(store).clock(clock).build();
    private final SubjectId carol = SubjectId.of("carol");

    @AfterEach
    void close() {
        consents.close();
    }

    private JsonNode export() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SubjectExport.builder().consents(consents).build().write(carol, out);
        JsonNode doc = MAPPER.readTree(out.toByteArray());
        try (InputStream in = SubjectExport.schema()) {
            JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
            assertThat(schema.validate(doc)).as("schema violations").isEmpty();
        }
        return doc;
    }

    private static JsonNode purpose(JsonNode doc, String id) {
        for (JsonNode p : doc.get("purposes")) {
            if (p.get("id").asText().equals(id)) {
                return p;
            }
        }
        throw new AssertionError("no purpose " + id);
    }

    @Test
    void anExportAfterAMoveFromCaliforniaToGermanyShowsBothLocationsAndDecidesUnderTheEea() throws Exception {
        consents.recordLocation(carol, SubjectLocation.of("US-CA", SubjectLocation.Source.BILLING_COUNTRY),
                Capture.by(Method.WEB_FORM));
        JsonNode inCalifornia = purpose(export(), "ads.targeted").get("decision");
        assertThat(inCalifornia.get("reason").asText()).isEqualTo("JURISDICTION_OPT_OUT");
        assertThat(inCalifornia.get("jurisdiction").asText()).isEqualTo("US-CA");

        clock.advance(Duration.ofDays(30));
        consents.recordLocation(carol, SubjectLocation.of("DE", SubjectLocation.Source.DECLARED),
                Capture.by(Method.ACCOUNT_SETTINGS));
        JsonNode doc = export();
        assertThat(doc.get("schemaVersion").asText()).isEqualTo("1.6");
        List<String> locations = new ArrayList<>();
        for (JsonNode e : doc.get("consentHistory")) {
            assertThat(e.get("choice").asText()).isEqualTo("LOCATION_RECORDED");
            locations.add(e.get("location").get("region").asText() + "/" + e.get("location").get("source").asText());
        }
        assertThat(locations).containsExactly("US-CA/BILLING_COUNTRY", "DE/DECLARED");
        JsonNode ads = purpose(doc, "ads.targeted").get("decision");
        assertThat(ads.get("reason").asText()).isEqualTo("NO_RECORD");
        assertThat(ads.get("jurisdiction").asText()).isEqualTo("EEA");
    }

    @Test
    void anExportUnderAPolicyWithoutJurisdictionsNamesNoneAndEveryEventHasALocationField() throws Exception {
        try (ConsentService plain = ConsentService.builder().policy(JurisdictionPolicies.withoutJurisdictions())
                .store(store).clock(clock).build()) {
            plain.grant(carol, dev.consent.policy.PurposeId.of("marketing.email"), Capture.by(Method.CHECKBOX));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SubjectExport.builder().consents(plain).build().write(carol, out);
            JsonNode doc = MAPPER.readTree(out.toByteArray());
            assertThat(purpose(doc, "marketing.email").get("decision").has("jurisdiction")).isFalse();
            assertThat(doc.get("consentHistory").get(0).get("location").isNull()).isTrue();
        }
    }
}
