package dev.consent.receipt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.ledger.SubjectId;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ISO/IEC TS 27560 consent records in DPV's JSON-LD, checked against the mandatory fields of the W3C DPV guide
 * "Consent Records and Receipts as per ISO/IEC TS 27560:2023 using DPV" (https://w3id.org/dpv/guides/consent-27560,
 * section "DPV-27560 Consent Record": every field of its tables whose text says "This field MUST be present"), and
 * against the consent's history in the ledger.
 */
class ConsentRecordsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode records(ReceiptScenario s, SubjectId subject) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.receipts.writeRecords(subject, out);
        return MAPPER.readTree(out.toByteArray());
    }

    @Test
    void everyRecordHasEveryMandatoryFieldOfTheGuide() throws Exception {
        int records = 0;
        for (ReceiptScenario s : List.of(ReceiptScenario.twoVersions(), ReceiptScenario.minimalController())) {
            for (SubjectId subject : ReceiptScenario.SUBJECTS) {
                JsonNode doc = records(s, subject);
                assertThat(Iso27560Records.missingMandatoryFields(doc)).as("subject %s", subject).isEmpty();
                records += doc.get("@graph").size();
            }
        }
        assertThat(records).isEqualTo(2 * 13);
        assertThat(Iso27560Records.TABLE).hasSize(24);
    }

    /** The check itself finds what is missing: a record without each mandatory field is reported. */
    @Test
    void aRecordMissingAMandatoryFieldIsReported() throws Exception {
        JsonNode doc = records(ReceiptScenario.twoVersions(), ReceiptScenario.ALICE);
        for (Iso27560Records.Mandatory m : Iso27560Records.TABLE) {
            JsonNode copy = doc.deepCopy();
            com.fasterxml.jackson.databind.node.ObjectNode record =
                    (com.fasterxml.jackson.databind.node.ObjectNode) copy.get("@graph").get(0);
            com.fasterxml.jackson.databind.node.ObjectNode holder = switch (m.level()) {
                case RECORD -> record;
                case PROCESS -> (com.fasterxml.jackson.databind.node.ObjectNode) record.get("dpv:hasProcess");
                case ENTITY -> (com.fasterxml.jackson.databind.node.ObjectNode) record.get("dpv:hasEntity").get(0);
                case STATUS -> (com.fasterxml.jackson.databind.node.ObjectNode) record.get("dpv:hasConsentStatus").get(0);
            };
            holder.remove(m.property());
            assertThat(Iso27560Records.missingMandatoryFields(copy)).as(m.field()).isNotEmpty();
        }
    }

    private static Map<String, JsonNode> byPurpose(JsonNode doc) {
        Map<String, JsonNode> out = new HashMap<>();
        doc.get("@graph").forEach(r -> out.put(r.at("/dpv:hasProcess/dpv:hasPurpose/dct:identifier").asText(), r));
        return out;
    }

    private static List<String> states(JsonNode record) {
        List<String> out = new ArrayList<>();
        record.get("dpv:hasConsentStatus").forEach(s -> out.add(s.get("@type").asText().substring(4) + " "
                + s.at("/dpv:isIndicatedAtTime/@value").asText().substring(0, 10)));
        return out;
    }

    @Test
    void oneRecordPerConsentWithItsStateHistory() throws Exception {
        ReceiptScenario s = ReceiptScenario.twoVersions();
        Map<String, JsonNode> alice = byPurpose(records(s, ReceiptScenario.ALICE));
        assertThat(alice).containsOnlyKeys("marketing.email", "ads.targeted", "marketing.sms", "allergy.advice",
                "marketing");
        // withdrawn through the broader purpose, given again under version 2, confirmed
        assertThat(states(alice.get("marketing.email"))).containsExactly("ConsentGiven 2024-03-04",
                "ConsentWithdrawn 2024-07-02", "ConsentGiven 2025-02-03", "RenewedConsentGiven 2025-02-03");
        assertThat(alice.get("marketing.email").at("/dpv:hasConsentStatus/1/rdfs:comment").asText())
                .contains("broader purpose marketing");
        assertThat(alice.get("marketing.email").at("/dpv:hasConsentStatus/0/dct:isReferencedBy/@id").asText())
                .startsWith("urn:uuid:");
        assertThat(states(alice.get("marketing"))).containsExactly("ConsentWithdrawn 2024-07-02");
        assertThat(alice.get("allergy.advice").at("/dpv:hasProcess/dpv:hasPersonalData/0/skos:broader/@id").asText())
                .isEqualTo("dpv:SensitivePersonalData");
        assertThat(alice.get("ads.targeted").at("/dpv:hasProcess/dpv:hasThirdParty")).hasSize(2);
        assertThat(alice.get("marketing.email").at("/dpv:hasProcess/dpv:hasDataProcessor")).hasSize(1);
        assertThat(alice.get("marketing.email").get("dct:language")).extracting(JsonNode::asText).containsExactly("de");

        Map<String, JsonNode> bob = byPurpose(records(s, ReceiptScenario.BOB));
        assertThat(bob).containsOnlyKeys("marketing.email", "ads.targeted", "marketing.sms"); // no record of an objection
        // the newsletter changed materially in version 2, in force from 1 January 2025 in Berlin (23:00 UTC the day
        // before): Bob's consent no longer counts
        assertThat(states(bob.get("marketing.email"))).containsExactly("ConsentGiven 2024-03-04",
                "ConsentInvalidated 2024-12-31");
        assertThat(bob.get("marketing.email").at("/dpv:hasConsentStatus/1/dpv:isIndicatedAtTime/@value").asText())
                .isEqualTo("2024-12-31T23:00:00Z");
        assertThat(states(bob.get("marketing.sms"))).containsExactly("ConsentGiven 2025-02-03",
                "ConsentExpired 2026-02-03");
        assertThat(states(bob.get("ads.targeted"))).containsExactly("ConsentRefused 2024-03-04");
        assertThat(bob.get("marketing.email").get("dct:language")).extracting(JsonNode::asText)
                .containsExactly("he", "de");

        // Carol's explicit grant stood against the GPC signal; her withdrawal ended it
        Map<String, JsonNode> carol = byPurpose(records(s, ReceiptScenario.CAROL));
        assertThat(states(carol.get("ads.targeted"))).containsExactly("ConsentGiven 2024-03-04",
                "ConsentWithdrawn 2025-02-03");
        assertThat(carol.get("loyalty").at("/dpv:hasConsentStatus/0/dpv:isIndicatedBy/@type").asText())
                .isEqualTo("dpv:Representative");

        // Erin's records include what she chose as a visitor; her own grant at 15 did not count, her guardian's did
        Map<String, JsonNode> erin = byPurpose(records(s, ReceiptScenario.ERIN));
        assertThat(erin).containsOnlyKeys("ads.targeted", "marketing.email", "loyalty");
        assertThat(states(erin.get("ads.targeted"))).containsExactly("ConsentRefused 2024-03-04");
        assertThat(erin.get("ads.targeted").at("/dpv:hasConsentStatus/0/rdfs:comment").asText())
                .contains("Global Privacy Control");
        assertThat(states(erin.get("marketing.email"))).containsExactly("ConsentGiven 2024-03-04",
                "ConsentInvalidated 2024-12-31"); // given under version 1, as Bob's was
        assertThat(states(erin.get("loyalty"))).containsExactly("ConsentInvalidated 2024-03-04",
                "ConsentGiven 2024-03-04");
        assertThat(erin.get("loyalty").at("/dpv:hasConsentStatus/1/dpv:isIndicatedBy/@type").asText())
                .isEqualTo("dpv:GuardianOfDataSubject");
        assertThat(erin.get("loyalty").at("/dpv:hasDataSubject/dct:identifier")).extracting(JsonNode::asText)
                .containsExactly("erin", "visitor:visitor-7f3a");
    }

    @Test
    void aRecordKeepsItsIdentifierFromOneExportToTheNext() throws Exception {
        ReceiptScenario s = ReceiptScenario.twoVersions();
        JsonNode first = records(s, ReceiptScenario.ALICE);
        JsonNode second = records(s, ReceiptScenario.ALICE);
        assertThat(second).isEqualTo(first);
    }
}
