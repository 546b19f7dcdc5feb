package dev.consent.receipt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.InvalidPolicyException;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyProblem;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ReceiptPolicy;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Kantara v1.1 receipts as the issue asked for them (issue 22): issued for consents given and nothing else, every
 * receipt valid against the Kantara schema, fields used as the specification means them, issued once, for linked
 * visitors too, signed so that anyone can check them with the public key.
 */
class ConsentReceiptsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text);
    }

    private static List<ConsentEvent> everyEvent(ReceiptScenario s) {
        List<ConsentEvent> all = new ArrayList<>();
        for (SubjectId subject : List.of(ReceiptScenario.ALICE, ReceiptScenario.BOB, ReceiptScenario.CAROL,
                ReceiptScenario.ERIN, ReceiptScenario.VISITOR)) {
            all.addAll(s.consents.history(subject));
        }
        return all;
    }

    @Test
    void everyReceiptOfEveryKindOfChoiceValidatesAgainstTheKantaraSchema() throws Exception {
        for (ReceiptScenario s : List.of(ReceiptScenario.twoVersions(), ReceiptScenario.minimalController())) {
            List<ConsentReceipt> all = s.allReceipts();
            assertThat(all).hasSize(12);
            for (ConsentReceipt r : all) {
                KantaraSchemas.assertValid(r.payload());
            }
        }
    }

    @Test
    void onlyConsentsGivenGetAReceiptAndEveryOtherChoiceSaysWhatItWas() throws Exception {
        ReceiptScenario s = ReceiptScenario.twoVersions();
        List<ConsentReceipt> all = s.allReceipts();
        Set<EventId> withReceipt = new HashSet<>();
        all.forEach(r -> withReceipt.add(r.event()));

        Map<Choice, Integer> withoutByChoice = new HashMap<>();
        for (ConsentEvent e : everyEvent(s)) {
            if (withReceipt.contains(e.id())) {
                assertThat(e.choice()).isEqualTo(Choice.GRANTED);
                assertThat(e.method()).isNotEqualTo(Method.GPC);
                assertThat(s.receipts.whyNoReceipt(e)).isEmpty();
            } else {
                withoutByChoice.merge(e.choice(), 1, Integer::sum);
                assertThat(s.receipts.whyNoReceipt(e)).as("event %s (%s)", e.id(), e.choice()).isPresent();
                assertThatThrownBy(() -> s.receipts.issue(e.id())).isInstanceOf(InvalidValueException.class)
                        .hasMessageContaining("gets no consent receipt");
            }
        }
        // Bob's denial and the visitor's applied GPC opt-out; Carol's GPC signal, overridden by her grant; Alice's and
        // Carol's withdrawals; Bob's objection, restriction and its end; Erin's own loyalty grant at 15, which does not count
        assertThat(withoutByChoice).containsEntry(Choice.DENIED, 2).containsEntry(Choice.GPC_OVERRIDDEN, 1)
                .containsEntry(Choice.WITHDRAWN, 2)
                .containsEntry(Choice.OBJECTED, 1).containsEntry(Choice.GRANTED, 1)
                .containsEntry(Choice.RESTRICTED, 6).containsEntry(Choice.RESTRICTION_LIFTED, 6); // one per root purpose

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.receipts.writeReceipts(ReceiptScenario.ERIN, out);
        JsonNode doc = json(out.toString(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(doc.get("schema").asText()).isEqualTo(ConsentReceipts.DOCUMENT_SCHEMA);
        List<String> why = doc.get("choicesWithoutReceipt").findValuesAsText("why");
        assertThat(why).anyMatch(w -> w.contains("Global Privacy Control"))
                .anyMatch(w -> w.contains("minimum age of 16") && w.contains("GDPR Art. 8"));
        for (JsonNode r : doc.get("receipts")) {
            KantaraSchemas.assertValid(r.get("receipt"));
        }
        out.reset();
        s.receipts.writeReceipts(ReceiptScenario.ALICE, out);
        assertThat(json(out.toString(java.nio.charset.StandardCharsets.UTF_8)).get("choicesWithoutReceipt")
                .findValuesAsText("why")).anyMatch(w -> w.startsWith("a withdrawal of consent (GDPR Art. 7(3))"));
    }

    @Test
    void theFieldsMeanWhatTheSpecificationSaysTheyMean() throws Exception {
        ReceiptScenario s = ReceiptScenario.twoVersions();
        Map<String, JsonNode> byPurposeAndSubject = new HashMap<>();
        for (ConsentReceipt r : s.allReceipts()) {
            byPurposeAndSubject.put(r.subject().value() + " " + r.purpose().value() + " "
                    + json(r.payload()).at("/ledgerEvent/policyVersion").asText(), json(r.payload()));
        }
        JsonNode newsletter = byPurposeAndSubject.get("alice marketing.email 1");
        assertThat(newsletter.get("version").asText()).isEqualTo("KI-CR-v1.1.0");
        assertThat(newsletter.get("jurisdiction").asText()).isEqualTo("DE, EU");
        assertThat(newsletter.get("consentTimestamp").asLong()).isEqualTo(1709542800L); // 2024-03-04T09:00:00Z in seconds
        assertThat(newsletter.get("language").asText()).isEqualTo("de");
        assertThat(newsletter.get("policyUrl").asText()).isEqualTo("https://shop.example/privacy/1");
        assertThat(newsletter.get("collectionMethod").asText()).isEqualTo("Checkbox ticked (notice signup-v3)");
        JsonNode controller = newsletter.at("/piiControllers/0");
        assertThat(controller.get("piiController").asText()).isEqualTo("Example Shop GmbH");
        assertThat(controller.get("contact").asText()).isEqualTo("Data Protection Officer");
        assertThat(controller.get("email").asText()).isEqualTo("privacy@shop.example");
        assertThat(controller.get("phone").asText()).isEqualTo("+49 30 1234567");
        assertThat(controller.at("/address/addressCountry").asText()).isEqualTo("DE");
        JsonNode purpose = newsletter.at("/services/0/purposes/0");
        assertThat(newsletter.at("/services/0/service").asText()).isEqualTo("Newsletter");
        assertThat(purpose.get("purpose").asText()).isEqualTo("A weekly email with our offers.");
        assertThat(purpose.get("purposeCategory")).extracting(JsonNode::asText).containsExactly("6 - Marketing");
        assertThat(purpose.get("consentType").asText()).isEqualTo("EXPLICIT");
        assertThat(purpose.get("piiCategory")).extracting(JsonNode::asText)
                .containsExactly("Email address (contact.email)");
        // MailCo is a processor: sending the newsletter for the shop is not a disclosure to a third party
        assertThat(purpose.get("thirdPartyDisclosure").asBoolean()).isFalse();
        assertThat(purpose.has("thirdPartyName")).isFalse();
        assertThat(purpose.get("termination").asText()).contains("withdraws consent");
        assertThat(newsletter.get("sensitive").asBoolean()).isFalse();

        assertThat(byPurposeAndSubject.get("alice marketing.email 2").get("policyUrl").asText())
                .isEqualTo("https://shop.example/privacy/2");
        JsonNode ads = byPurposeAndSubject.get("alice ads.targeted 1");
        assertThat(ads.at("/services/0/purposes/0/thirdPartyDisclosure").asBoolean()).isTrue();
        assertThat(ads.at("/services/0/purposes/0/thirdPartyName").asText()).isEqualTo("AdNet Inc.; AdNet Europe");
        assertThat(ads.at("/services/0/purposes/0/purposeCategory")).extracting(JsonNode::asText)
                .containsExactly("7 - Marketing Third Parties", "9 - Sharing for Marketing");
        assertThat(ads.get("language").asText()).isEqualTo("de"); // de-AT
        JsonNode allergies = byPurposeAndSubject.get("alice allergy.advice 1");
        assertThat(allergies.get("sensitive").asBoolean()).isTrue();
        assertThat(allergies.get("spiCat")).extracting(JsonNode::asText).containsExactly("Food allergies (health.allergy)");
        assertThat(allergies.get("language").asText()).isEqualTo("fr");
        JsonNode sms = byPurposeAndSubject.get("alice marketing.sms 1");
        assertThat(sms.at("/services/0/purposes/0/termination").asText()).contains("at the latest on 2025-03-04");
        assertThat(byPurposeAndSubject.get("bob \u05e9\u05dc\u05d5\u05dd marketing.email 1").get("language").asText())
                .isEqualTo("he");
        assertThat(byPurposeAndSubject.get("carol ads.targeted 1").get("language").asText()).isEqualTo("zh");
        assertThat(byPurposeAndSubject.get("carol loyalty 1").get("collectionMethod").asText())
                .isEqualTo("By phone, by an authorised agent");
        assertThat(byPurposeAndSubject.get("erin loyalty 1").get("collectionMethod").asText())
                .isEqualTo("On paper (notice loyalty-v1), by a parent or guardian");
        // the visitor's grant had no locale: the policy's language
        JsonNode visitor = byPurposeAndSubject.get("visitor:visitor-7f3a marketing.email 1");
        assertThat(visitor.get("language").asText()).isEqualTo("de");
        assertThat(visitor.get("piiPrincipalId").asText()).isEqualTo("visitor:visitor-7f3a");
    }

    @Test
    void aCustomerGetsTheReceiptsOfTheVisitorsLinkedToThem() {
        ReceiptScenario s = ReceiptScenario.twoVersions();
        List<ConsentReceipt> erin = s.receipts.issueAll(ReceiptScenario.ERIN);
        assertThat(erin).extracting(r -> r.subject().value() + " " + r.purpose().value())
                .containsExactly("erin loyalty", "visitor:visitor-7f3a marketing.email");
        assertThat(s.receipts.issueAll(ReceiptScenario.VISITOR)).containsExactly(erin.get(1));
    }

    @Test
    void aReceiptIsIssuedOnceAndEveryNodeHandsOutTheSameOne() throws Exception {
        ReceiptScenario s = ReceiptScenario.twoVersions();
        List<ConsentReceipt> first = s.allReceipts();
        assertThat(s.allReceipts()).isEqualTo(first);
        // a second node: its own service and signer, the same store
        ConsentService node2 = ConsentService.builder().policy(ReceiptPolicy.v1()).policy(ReceiptPolicy.v2())
                .store(s.store).clock(s.clock).build();
        ConsentReceipts receipts2 = ConsentReceipts.builder().consents(node2).store(s.store)
                .signer(TestKeys.signer("node-2")).build();
        for (ConsentReceipt r : first) {
            assertThat(receipts2.issue(r.event())).isEqualTo(r);
        }

        // eight threads issue the receipt of one new grant at once: one receipt, handed to all
        ConsentEvent grant = s.consents.grant(ReceiptScenario.CAROL, ReceiptPolicy.NEWSLETTER,
                Capture.by(Method.CHECKBOX));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<ConsentReceipt>> issuers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ConsentReceipts node = i % 2 == 0 ? s.receipts : receipts2;
                issuers.add(() -> node.issue(grant.id()));
            }
            Set<String> jws = new HashSet<>();
            for (Future<ConsentReceipt> f : pool.invokeAll(issuers)) {
                jws.add(f.get().jws());
            }
            assertThat(jws).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void everyReceiptVerifiesWithThePublicKeyAloneAndAChangedByteIsRefused() throws Exception {
        ReceiptScenario s = ReceiptScenario.twoVersions();
        String publicKey = s.receipts.publicJwk();
        for (ConsentReceipt r : s.allReceipts()) {
            ReceiptVerification ok = ReceiptVerifier.verify(r.jws(), publicKey);
            assertThat(ok.valid()).as(ok.problem().orElse("")).isTrue();
            assertThat(ok.keyId()).isEqualTo("shop-2024");
            assertThat(ok.payload()).contains(r.payload());
            assertThat(json(r.payload()).get("publicKey").asText()).isEqualTo(publicKey);
        }
        ConsentReceipt r = s.receipts.issueAll(ReceiptScenario.ALICE).get(0);
        String jws = r.jws();
        int payloadStart = jws.indexOf('.') + 1;
        int signatureStart = jws.lastIndexOf('.') + 1;
        int variants = 0;
        for (int i = 0; i < jws.length(); i++) {
            // every character of the header and the signature, every 7th of the payload (each check costs an ECDSA
            // verification), and the payload's first and last
            boolean inPayload = i >= payloadStart && i < signatureStart - 1;
            if (jws.charAt(i) == '.' || inPayload && (i - payloadStart) % 7 != 0 && i != signatureStart - 2) {
                continue;
            }
            char flipped = jws.charAt(i) == 'A' ? 'B' : 'A';
            String changed = jws.substring(0, i) + flipped + jws.substring(i + 1);
            assertThat(ReceiptVerifier.verify(changed, publicKey).valid()).as("character %d changed", i).isFalse();
            variants++;
        }
        System.out.println("[reliability] receipt of " + jws.length() + " characters: " + variants
                + " one-character changes, all refused");
        // the receipt's text changed in one byte and encoded again, as a forger would: refused
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        String forged = r.payload().replace("\"consentType\":\"EXPLICIT\"", "\"consentType\":\"EXPLICIT \"");
        assertThat(forged).isNotEqualTo(r.payload());
        String reencoded = jws.substring(0, payloadStart)
                + b64.encodeToString(forged.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + jws.substring(signatureStart - 1);
        assertThat(ReceiptVerifier.verify(reencoded, publicKey).problem())
                .hasValueSatisfying(p -> assertThat(p).contains("changed after signing"));
        assertThat(ReceiptVerifier.verify(jws, TestKeys.signer("shop-2024").publicJwk()).problem())
                .hasValueSatisfying(p -> assertThat(p).contains("does not match"));
    }

    @Test
    void unknownEventsAreRefused() {
        ReceiptScenario s = ReceiptScenario.twoVersions();
        assertThatThrownBy(() -> s.receipts.issue(EventId.of("no-such-event")))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("is not a recorded consent event");
    }

    @Test
    void aPolicyThatLacksWhatReceiptsNameIsRefusedWithThePathsOfWhatIsMissing() {
        InMemoryStore store = new InMemoryStore();
        ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store)
                .clock(MutableClock.at("2024-06-01T00:00:00Z")).build();
        assertThatThrownBy(() -> ConsentReceipts.builder().consents(consents).store(store)
                .signer(TestKeys.signer("k")).build())
                .isInstanceOf(InvalidPolicyException.class)
                .satisfies(e -> assertThat(((InvalidPolicyException) e).problems()).extracting(PolicyProblem::path)
                        .contains("$.controller.address", "$.controller.email", "$.controller.phone",
                                "$.controller.id", "$.jurisdictions", "$.policyUrl", "$.language",
                                "$.storageLocations", "$.purposes[0].description", "$.purposes[0].purposeCategories",
                                "$.purposes[0].categories[0]"));

        // the current version is complete; a grant made under an older, incomplete version gets no receipt
        Policy old = ReceiptPolicy.builder("0", LocalDate.of(2023, 1, 1), ReceiptPolicy.fullController(), 1)
                .jurisdictions().language(null).build();
        Policy oldWithoutLanguage = Policy.builder("shop", "0").effectiveFrom(LocalDate.of(2023, 1, 1))
                .zone(ReceiptPolicy.ZONE).category("contact.email", "Email address")
                .purpose(dev.consent.policy.Purpose.builder("marketing.email").title("Newsletter")
                        .basis(dev.consent.policy.LegalBasis.CONSENT).categories("contact.email").build())
                .build();
        assertThat(old.language()).isEmpty();
        MutableClock clock = MutableClock.at("2023-06-01T00:00:00Z");
        ConsentService both = ConsentService.builder().policy(oldWithoutLanguage).policy(ReceiptPolicy.v1())
                .store(store).clock(clock).build();
        ConsentEvent early = both.grant(SubjectId.of("dora"), ReceiptPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        clock.set(java.time.Instant.parse("2024-06-01T00:00:00Z"));
        ConsentReceipts receipts = ConsentReceipts.builder().consents(both).store(store).signer(TestKeys.signer("k"))
                .build();
        assertThatThrownBy(() -> receipts.issue(early.id())).isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining("'shop' 0 (for consent receipts)").hasMessageContaining("$.controller: is required");
        assertThat(store.receipt(early.id())).isEmpty();
    }
}
