package dev.consent.rights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.consent.ConsentService;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.processing.ProcessingLog;
import dev.consent.retention.DisposalAction;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.LogPolicy;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The processing log in the subject export (schema 1.1): GDPR Art. 15(1)(a) and (c), the subject sees what was done
 * with its data and on which basis; seed 002, "every internal data use logged". 1.0 documents stay valid.
 */
class SubjectExportProcessingTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final PurposeId SHIPPING = PurposeId.of("shipping");
    private static final PurposeId ORDERS = PurposeId.of("order.fulfilment");
    private final MutableClock clock = MutableClock.at("2025-03-04T09:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder()
            .policy(LogPolicy.policy("P3Y", DisposalAction.DELETE)).store(store).clock(clock).build();
    private final ProcessingLog log = ProcessingLog.builder().consents(consents).store(store)
            .pseudonymKey("sixteen bytes at least, here".getBytes(StandardCharsets.UTF_8)).build();
    private final SubjectId alice = SubjectId.of("alice");

    @AfterEach
    void close() {
        consents.close();
    }

    private static JsonSchema schema() throws Exception {
        try (InputStream in = SubjectExport.class.getResourceAsStream(SubjectExport.SCHEMA_RESOURCE)) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    private JsonNode export(SubjectExport export, SubjectId subject) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        export.write(subject, out);
        try {
            return MAPPER.readTree(out.toByteArray());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theExportListsTheSubjectsLoggedUsesWithTheirDecisionsAsVersion11() throws Exception {
        SubjectId visitor = dev.consent.ledger.VisitorId.of("visitor-3").subject();
        consents.link(dev.consent.ledger.VisitorId.from(visitor).orElseThrow(), alice);
        consents.grant(alice, SHIPPING, Capture.by(Method.CHECKBOX));
        clock.advance(Duration.ofHours(1));
        log.use(alice, SHIPPING, Set.of(CategoryId.of("delivery.address")), "product shipment");
        clock.advance(Duration.ofHours(1));
        log.useAll(java.util.List.of(alice, SubjectId.of("bob")), ORDERS, Set.of(CategoryId.of("order.record")),
                "order verification");
        log.use(visitor, ORDERS, Set.of(CategoryId.of("contact.email")), "guest order");
        log.use(SubjectId.of("erased"), ORDERS, Set.of(CategoryId.of("contact.email")), "order");
        log.pseudonymise(SubjectId.of("erased"));

        JsonNode doc = export(SubjectExport.builder().consents(consents).processing(log).build(), alice);

        assertThat(schema().validate(doc)).as("schema violations").isEmpty();
        assertThat(doc.get("schemaVersion").asText()).isEqualTo(SubjectExport.SCHEMA_VERSION);
        JsonNode uses = doc.get("processing");
        assertThat(uses).hasSize(3);
        assertThat(uses.get(0).get("subject").asText()).isEqualTo("alice");
        assertThat(uses.get(0).get("purpose").asText()).isEqualTo("shipping");
        assertThat(uses.get(0).get("categories")).extracting(JsonNode::asText).containsExactly("delivery.address");
        assertThat(uses.get(0).get("use").asText()).isEqualTo("product shipment");
        assertThat(uses.get(0).get("at").asText()).isEqualTo("2025-03-04T10:00:00Z");
        assertThat(uses.get(0).get("legalBasis").asText()).isEqualTo("CONSENT");
        assertThat(uses.get(0).get("reason").asText()).isEqualTo("GRANTED");
        assertThat(uses.get(0).get("restsOnSubject").asText()).isEqualTo("alice");
        assertThat(uses.get(0).get("restsOnSequence").asLong()).isEqualTo(1);
        assertThat(uses.get(0).get("batch").isNull()).isTrue();
        assertThat(uses.get(1).get("reason").asText()).isEqualTo("BASIS_CONTRACT");
        assertThat(uses.get(1).get("batch").asText()).startsWith("batch-");
        assertThat(uses.get(1).has("restsOnSubject")).isFalse();
        assertThat(uses.get(2).get("subject").asText()).as("a linked visitor's uses are the subject's").isEqualTo(
                "visitor:visitor-3");
        assertThat(doc.toString()).doesNotContain("bob").doesNotContain(log.pseudonymOf(SubjectId.of("erased")));
    }

    @Test
    void withoutALogTheArrayIsEmpty() throws Exception {
        JsonNode doc = export(SubjectExport.builder().consents(consents).build(), alice);
        assertThat(schema().validate(doc)).isEmpty();
        assertThat(doc.get("processing").isArray()).isTrue();
        assertThat(doc.get("processing")).isEmpty();
    }

    /**
     * docs/export-format.md: fields are only added in a minor version, so a 1.0 document (no processing array) stays
     * valid under the same schema; 1.1 requires the array, and 1.0 must not have it.
     */
    @Test
    void version10DocumentsStayValidAndEachVersionHasItsShape() throws Exception {
        log.use(alice, ORDERS, Set.of(CategoryId.of("order.record")), "order verification");
        ObjectNode current = (ObjectNode) export(SubjectExport.builder().consents(consents).processing(log).build(),
                alice);

        ObjectNode asWrittenBy10 = current.deepCopy();
        asWrittenBy10.put("schemaVersion", "1.0");
        asWrittenBy10.remove("processing");
        asWrittenBy10.remove("consentReceipts");
        assertThat(schema().validate(asWrittenBy10)).as("a 1.0 document").isEmpty();

        ObjectNode missing = current.deepCopy();
        missing.remove("processing");
        assertThat(schema().validate(missing)).as("1.1 without processing").isNotEmpty();
        ObjectNode mislabelled = current.deepCopy();
        mislabelled.put("schemaVersion", "1.0");
        mislabelled.remove("consentReceipts");
        assertThat(schema().validate(mislabelled)).as("1.0 with processing").isNotEmpty();
        ObjectNode unknown = current.deepCopy();
        unknown.put("schemaVersion", "1.7");
        assertThat(schema().validate(unknown)).isNotEmpty();
    }
}
