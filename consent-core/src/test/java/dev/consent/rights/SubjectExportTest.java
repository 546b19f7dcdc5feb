package dev.consent.rights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.RetentionService;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.ForwardingStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubjectExportTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final MutableClock clock = MutableClock.at("2025-06-04T08:00:00Z");
    private final PagingStore store = new PagingStore();
    private final ConsentService consents = ConsentService.builder().policy(RightsServiceTest.shop003()).store(store)
            .clock(clock).build();
    private final RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RightsServiceTest.shop003())
            .store(store).clock(clock).build();
    private final RightsService rights = RightsService.builder().consents(consents).retention(retention).store(store)
            .build();
    private final SubjectId alice = SubjectId.of("alice \u05e9\u05dc\u05d5\u05dd");

    /** Remembers the largest page of events asked for, to show the export streams. */
    static final class PagingStore extends ForwardingStore {
        volatile int largestPage;

        @Override
        public List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit) {
            largestPage = Math.max(largestPage, limit);
            return super.events(subject, afterSequence, limit);
        }
    }

    private static JsonSchema schema() throws Exception {
        try (InputStream in = SubjectExport.class.getResourceAsStream(SubjectExport.SCHEMA_RESOURCE)) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    private JsonNode export(SubjectExport export, SubjectId subject) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        export.write(subject, out);
        JsonNode doc = MAPPER.readTree(out.toByteArray());
        Set<ValidationMessage> problems = schema().validate(doc);
        assertThat(problems).as("schema violations").isEmpty();
        return doc;
    }

    @Test
    void theExportValidatesAgainstItsSchemaAndHoldsEveryEventOfTheSubject() throws Exception {
        SubjectId visitor = VisitorId.of("1").subject();
        consents.deny(visitor, PurposeId.of("marketing.email"), Capture.by(Method.COOKIE_BANNER));
        consents.link(VisitorId.of("1"), alice);
        List<ChoiceRecord> many = new ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            many.add(new ChoiceRecord(alice, PurposeId.of("marketing.email"), i % 2 == 0 ? Choice.GRANTED : Choice.WITHDRAWN,
                    Capture.by(Method.ACCOUNT_SETTINGS).at(clock.instant().minusSeconds(1_200 - i)).withEvidence(Evidence.builder()
                            .notice("settings-v2", "Newsletter \"weekly\"").locale("he-IL").userAgent("App/1 \u202e")
                            .ip("2001:db8::1").build())));
        }
        consents.record(many);
        consents.object(alice, PurposeId.of("analytics"), Capture.by(Method.WEB_FORM).withActor(Actor.AGENT));
        retention.recordAnchor(alice, "transaction.record", Anchor.LAST_TRANSACTION, clock.instant());
        rights.receive(alice, RequestType.ACCESS, "email");
        SubjectExport export = SubjectExport.builder().consents(consents).retention(retention).rights(rights)
                .contributor(new SubjectDataContributor() {
                    @Override
                    public String name() {
                        return "orders";
                    }

                    @Override
                    public void write(SubjectId subject, com.fasterxml.jackson.core.JsonGenerator json)
                            throws java.io.IOException {
                        json.writeStartArray();
                        json.writeStartObject();
                        json.writeStringField("orderId", "A-1001");
                        json.writeNumberField("total", 49.90);
                        json.writeEndObject();
                        json.writeEndArray();
                    }
                }).build();
        clock.advance(Duration.ofSeconds(2_000));

        JsonNode doc = export(export, alice);

        Set<String> exported = new HashSet<>();
        doc.get("consentHistory").forEach(e -> exported.add(e.get("id").asText()));
        Set<String> recorded = new HashSet<>();
        consents.history(alice).forEach(e -> recorded.add(e.id().value()));
        consents.history(visitor).forEach(e -> recorded.add(e.id().value()));
        assertThat(exported).hasSize(1_202).isEqualTo(recorded);
        assertThat(store.largestPage).isLessThanOrEqualTo(500);
        assertThat(doc.at("/subject/id").asText()).isEqualTo(alice.value());
        assertThat(doc.at("/subject/linkedVisitors/0").asText()).isEqualTo("visitor:1");
        assertThat(doc.at("/objections/0").asText()).isEqualTo("analytics");
        assertThat(doc.at("/consentHistory/0/evidence/ip").asText()).isEqualTo("2001:db8::/48");
        assertThat(doc.at("/retentionSchedule/0/category").asText()).isEqualTo("transaction.record");
        assertThat(doc.at("/retentionSchedule/0/keepUntil").asText()).isEqualTo("2032-06-04T08:00:00Z");
        assertThat(doc.at("/rightsRequests/0/type").asText()).isEqualTo("ACCESS");
        assertThat(doc.at("/hostData/orders/0/orderId").asText()).isEqualTo("A-1001");
        assertThat(doc.at("/purposes").findValuesAsText("legalBasis")).contains("CONTRACT", "CONSENT",
                "LEGITIMATE_INTERESTS");
    }

    @Test
    void aRestrictedSubjectsExportSaysSo() throws Exception {
        consents.restrict(alice, Capture.by(Method.RIGHTS_REQUEST));
        JsonNode doc = export(SubjectExport.builder().consents(consents).build(), alice);
        assertThat(doc.get("restrictions")).extracting(JsonNode::asText).contains("orders", "marketing.email");
        assertThat(doc.get("retentionSchedule")).isEmpty();
    }

    /** Receipts are signed and stored: an export that was not given the means to issue them cannot write them. */
    @Test
    void receiptsNeedAReceiptService() {
        SubjectExport export = SubjectExport.builder().consents(consents).build();
        assertThatThrownBy(() -> export.writeReceipts(alice, new ByteArrayOutputStream()))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("receipts")
                .hasMessageContaining("SubjectExport.builder().receipts(ConsentReceipts)");
    }

    /**
     * Schema 1.1: each request's extension with both its dates, the deadline it replaced, and whether it was recorded
     * only after that deadline had passed (GDPR Art. 12(3): the subject is told within the original period).
     */
    @Test
    void anExtensionRecordedLateIsShownAsLateInTheExport() throws Exception {
        RightsRequest onTime = rights.receive(alice, RequestType.ACCESS, "email");
        rights.verifyIdentity(onTime.id(), "support", "account email");
        RightsRequest late = rights.receive(alice, RequestType.PORTABILITY, "email");
        rights.verifyIdentity(late.id(), "support", "account email");
        clock.set(java.time.Instant.parse("2025-06-11T09:00:00Z"));
        rights.extend(onTime.id(), "dpo", "several accounts", clock.instant());
        clock.set(java.time.Instant.parse("2025-06-13T08:00:00Z")); // the 5 business days ended on 12 June
        rights.extend(late.id(), "dpo", "several accounts", java.time.Instant.parse("2025-06-11T09:00:00Z"));

        JsonNode doc = export(SubjectExport.builder().consents(consents).rights(rights).build(), alice);

        assertThat(doc.get("schemaVersion").asText()).isEqualTo(SubjectExport.SCHEMA_VERSION);
        JsonNode first = doc.at("/rightsRequests/0");
        assertThat(first.get("id").asText()).isEqualTo(onTime.id());
        assertThat(first.get("dueBy").asText()).isEqualTo("2025-07-04");
        assertThat(first.at("/extension/originalDueBy").asText()).isEqualTo("2025-06-12");
        assertThat(first.at("/extension/subjectToldAt").asText()).isEqualTo("2025-06-11T09:00:00Z");
        assertThat(first.at("/extension/recordedAt").asText()).isEqualTo("2025-06-11T09:00:00Z");
        assertThat(first.at("/extension/late").asBoolean()).isFalse();
        JsonNode second = doc.at("/rightsRequests/1");
        assertThat(second.get("id").asText()).isEqualTo(late.id());
        assertThat(second.at("/extension/subjectToldAt").asText()).isEqualTo("2025-06-11T09:00:00Z");
        assertThat(second.at("/extension/recordedAt").asText()).isEqualTo("2025-06-13T08:00:00Z");
        assertThat(second.at("/extension/late").isBoolean()).isTrue();
        assertThat(second.at("/extension/late").asBoolean()).isTrue();

        RightsRequest unextended = rights.receive(alice, RequestType.RECTIFICATION, "email");
        JsonNode again = export(SubjectExport.builder().consents(consents).rights(rights).build(), alice);
        assertThat(again.at("/rightsRequests/2/id").asText()).isEqualTo(unextended.id());
        assertThat(again.at("/rightsRequests/2/extension").isNull()).isTrue();
    }

    @Test
    void contributorNamesAreChecked() {
        SubjectDataContributor bad = new SubjectDataContributor() {
            @Override
            public String name() {
                return "Orders Table";
            }

            @Override
            public void write(SubjectId subject, com.fasterxml.jackson.core.JsonGenerator json) {
            }
        };
        assertThatThrownBy(() -> SubjectExport.builder().consents(consents).contributor(bad).build())
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("contributor.name");
    }
}
