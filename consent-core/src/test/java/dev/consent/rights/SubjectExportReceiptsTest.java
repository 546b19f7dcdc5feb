package dev.consent.rights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.consent.ConsentService;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.receipt.ConsentReceipt;
import dev.consent.receipt.ConsentReceipts;
import dev.consent.receipt.KantaraSchemas;
import dev.consent.receipt.ReceiptVerifier;
import dev.consent.receipt.TestKeys;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ReceiptPolicy;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Schema 1.2 of the export: the controller with the details receipts name, and the subject's signed receipts (those of
 * linked visitors included), the same receipts the receipts document holds.
 */
class SubjectExportReceiptsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final MutableClock clock = MutableClock.at("2024-06-04T08:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(ReceiptPolicy.v1()).store(store)
            .clock(clock).build();
    private final ConsentReceipts receipts = ConsentReceipts.builder().consents(consents).store(store)
            .signer(TestKeys.signer("export-key")).build();
    private final SubjectId alice = SubjectId.of("alice");

    private JsonNode export(SubjectExport export) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        export.write(alice, out);
        JsonNode doc = MAPPER.readTree(out.toByteArray());
        try (InputStream in = SubjectExport.class.getResourceAsStream(SubjectExport.SCHEMA_RESOURCE)) {
            assertThat(JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in).validate(doc))
                    .as("schema violations").isEmpty();
        }
        return doc;
    }

    @Test
    void theExportListsTheSubjectsSignedReceiptsAndTheControllersDetails() throws Exception {
        SubjectId visitor = dev.consent.ledger.VisitorId.of("visitor-1").subject();
        consents.grant(visitor, ReceiptPolicy.ADS, Capture.by(Method.COOKIE_BANNER));
        consents.link(dev.consent.ledger.VisitorId.from(visitor).orElseThrow(), alice);
        consents.grant(alice, ReceiptPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX).withEvidence(
                Evidence.builder().notice("signup", "Yes please").locale("de-DE").build()));
        consents.deny(alice, ReceiptPolicy.SMS, Capture.by(Method.CHECKBOX));

        JsonNode doc = export(SubjectExport.builder().consents(consents).receipts(receipts).build());

        assertThat(doc.get("schemaVersion").asText()).isEqualTo(SubjectExport.SCHEMA_VERSION);
        assertThat(doc.at("/controller/contact").asText()).isEqualTo("Data Protection Officer");
        assertThat(doc.at("/controller/email").asText()).isEqualTo("privacy@shop.example");
        assertThat(doc.at("/controller/address/country").asText()).isEqualTo("DE");
        JsonNode listed = doc.get("consentReceipts");
        assertThat(listed).hasSize(2);
        assertThat(listed.findValuesAsText("subject")).containsExactly("alice", "visitor:visitor-1");
        List<ConsentReceipt> issued = receipts.issueAll(alice);
        for (int i = 0; i < issued.size(); i++) {
            assertThat(listed.get(i).get("jws").asText()).isEqualTo(issued.get(i).jws());
            assertThat(ReceiptVerifier.verify(listed.get(i).get("jws").asText(), receipts.publicJwk()).valid()).isTrue();
            KantaraSchemas.assertValid(issued.get(i).payload());
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SubjectExport.builder().consents(consents).receipts(receipts).build().writeReceipts(alice, out);
        JsonNode document = MAPPER.readTree(out.toByteArray());
        assertThat(document.get("receipts").findValuesAsText("jws")).containsExactlyElementsOf(
                listed.findValuesAsText("jws"));
        assertThat(document.get("choicesWithoutReceipt").findValuesAsText("choice")).containsExactly("DENIED");
    }

    @Test
    void withoutReceiptsTheSectionIsNullAndAControllerWithoutDetailsHasNulls() throws Exception {
        JsonNode doc = export(SubjectExport.builder().consents(consents).build());
        assertThat(doc.get("consentReceipts").isNull()).isTrue();
        ConsentService plain = ConsentService.builder().store(new InMemoryStore())
                .policy(dev.consent.testing.ShopPolicy.v1()).clock(clock).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SubjectExport.builder().consents(plain).build().write(alice, out);
        JsonNode controller = MAPPER.readTree(out.toByteArray()).get("controller");
        assertThat(controller.get("contact").asText()).isEqualTo("privacy@shop.example");
        assertThat(controller.get("address").isNull()).isTrue();
        assertThat(controller.get("email").isNull()).isTrue();
    }
}
