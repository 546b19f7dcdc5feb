package dev.consent.examples.seeds;

import dev.consent.Decision;
import dev.consent.Reason;
import dev.consent.UnknownPurposeException;
import dev.consent.examples.SeedPolicies;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.GpcOutcome;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.recipients.RecipientDispatcher;
import dev.consent.recipients.RecipientNotification;
import dev.consent.retention.Anchor;
import dev.consent.retention.RetentionVerdict;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Seed 001 (a template policy of "Example Company"), every promise DESIGN.md lists for it: four legal bases; the
 * recipients table (payment, analytics, cloud storage, support tools); marketing opt-out at any time; essential,
 * performance, functional and marketing cookies; access, correction, deletion, restriction, portability,
 * objection; a version history with last-updated and effective dates.
 *
 * <p>The seed states no deadline for requests, so the GDPR's applies (one month, extendable by two), and no
 * retention period ("only for as long as necessary"), which the library reports as a gap.
 */
class Seed001ExampleCompanyTest {
    private final SubjectId customer = SubjectId.of("customer-001");

    private static Shop shop() {
        return Shop.of(SeedPolicies.EXAMPLE_COMPANY, "2025-01-31T02:00:00Z"); // 10:00 on Friday 31 January in Shanghai
    }

    @Test
    void fourLegalBasesEachAnsweredTheWayItsBasisNeeds() {
        try (Shop shop = shop()) {
            assertThat(shop.policy().purposes()).extracting(p -> p.basis()).containsOnly(LegalBasis.CONSENT,
                    LegalBasis.CONTRACT, LegalBasis.LEGAL_OBLIGATION, LegalBasis.LEGITIMATE_INTERESTS);
            assertThat(shop.check(customer, "transactions").reason()).isEqualTo(Reason.BASIS_CONTRACT);
            assertThat(shop.check(customer, "legal.compliance").reason()).isEqualTo(Reason.BASIS_LEGAL_OBLIGATION);
            assertThat(shop.check(customer, "security").reason()).isEqualTo(Reason.BASIS_LEGITIMATE_INTERESTS);
            assertThat(shop.check(customer, "cookies.performance").reason()).isEqualTo(Reason.NO_RECORD);
            // nothing on CONTRACT or LEGAL_OBLIGATION can be consented to or objected to: there is no choice to record
            assertThatThrownBy(() -> shop.object(customer, "transactions", Method.WEB_FORM))
                    .hasMessageContaining("legal basis CONTRACT");
        }
    }

    /**
     * Section 4.2's recipients are told of every withdrawal, erasure and rectification carried out (GDPR Art. 19; the
     * authorities, controllers in their own right, learn of the erasure request, Art. 17(2)), through the outbox and
     * a notifier, and the requests list whom they told.
     */
    @Test
    void theRecipientsTableIsToldOfEachWithdrawalErasureAndRectification() {
        try (Shop shop = shop()) {
            List<RecipientNotification> told = new ArrayList<>();
            RecipientDispatcher dispatcher = RecipientDispatcher.builder().store(shop.store).clock(shop.clock)
                    .notifier(told::add).build();
            shop.grant(customer, "cookies.performance", Method.COOKIE_BANNER);
            shop.withdraw(customer, "cookies.performance", Method.COOKIE_BANNER);
            dispatcher.deliver(100, Duration.ofMinutes(1));
            assertThat(told).extracting(n -> n.recipientId() + " " + n.action() + " " + n.categories())
                    .containsExactly("analytics-service WITHDRAWAL [cookie.performance, usage.statistics]");

            RightsRequest erasure = shop.rights.receive(customer, RequestType.ERASURE, "privacy@example.com");
            shop.rights.verifyIdentity(erasure.id(), "dpo", "account login");
            shop.rights.erase(erasure.id(), "dpo");
            told.clear();
            dispatcher.deliver(100, Duration.ofMinutes(1));
            assertThat(told).extracting(n -> n.recipientId() + " " + n.action()).containsExactlyInAnyOrder(
                    "payment-processor ERASURE", "analytics-service ERASURE", "cloud-storage ERASURE",
                    "support-tools ERASURE", "authorities ERASURE");
            assertThat(told).allSatisfy(n -> assertThat(n.subject()).isEqualTo(customer));
            assertThat(shop.rights.request(erasure.id()).history()).extracting(RightsRequest.Transition::note)
                    .filteredOn(note -> note.startsWith("told ")).hasSize(5)
                    .anySatisfy(note -> assertThat(note).startsWith("told Payment processor (PCI DSS compliant) at "));

            RightsRequest correction = shop.rights.receive(customer, RequestType.RECTIFICATION, "phone");
            shop.rights.verifyIdentity(correction.id(), "dpo", "call-back");
            shop.rights.rectify(correction.id(), "dpo", List.of(CategoryId.of("account.credentials")));
            told.clear();
            dispatcher.deliver(100, Duration.ofMinutes(1));
            assertThat(told).extracting(n -> n.recipientId() + " " + n.action()).containsExactlyInAnyOrder(
                    "cloud-storage RECTIFICATION", "support-tools RECTIFICATION", "authorities RECTIFICATION");
        }
    }

    @Test
    void theRecipientsTableWhoReceivesWhatForWhichPurpose() {
        Policy policy = SeedPolicies.load(SeedPolicies.EXAMPLE_COMPANY);
        assertThat(policy.recipients()).filteredOn(r -> r.role() == Recipient.Role.PROCESSOR)
                .extracting(Recipient::id)
                .containsExactly("payment-processor", "analytics-service", "cloud-storage", "support-tools");

        assertThat(ids(policy.recipientsFor(PurposeId.of("transactions"))))
                .containsExactly("payment-processor", "cloud-storage");
        assertThat(ids(policy.recipientsFor(PurposeId.of("analytics.research")))).containsExactly("analytics-service");
        assertThat(ids(policy.recipientsFor(PurposeId.of("cookies.performance")))).containsExactly("analytics-service");
        assertThat(ids(policy.recipientsFor(PurposeId.of("support")))).containsExactly("cloud-storage", "support-tools");
        assertThat(ids(policy.recipientsFor(PurposeId.of("service.provision")))).containsExactly("cloud-storage");
        assertThat(ids(policy.recipientsFor(PurposeId.of("legal.compliance")))).containsExactly("authorities");
        assertThat(policy.recipientsFor(PurposeId.of("marketing.communications"))).isEmpty();
        assertThat(policy.recipientsFor(PurposeId.of("cookies.marketing"))).isEmpty();

        Recipient payment = policy.recipientsFor(PurposeId.of("transactions")).get(0);
        assertThat(payment.categories()).containsExactly(CategoryId.of("transaction.record"));
        // the analytics service receives no account data ("Data anonymization")
        assertThat(policy.recipients()).filteredOn(r -> r.id().equals("analytics-service")).singleElement()
                .satisfies(r -> assertThat(r.categories()).noneMatch(c -> c.value().startsWith("account.")));
    }

    private static List<String> ids(List<Recipient> recipients) {
        return recipients.stream().map(Recipient::id).toList();
    }

    @Test
    void marketingIsSentUntilTheCustomerOptsOutWhichTheyCanDoAtAnyTime() {
        try (Shop shop = shop()) {
            assertThat(shop.check(customer, "marketing.communications").allowed()).isTrue();
            shop.object(customer, "marketing.communications", Method.UNSUBSCRIBE_LINK);
            assertThat(shop.check(customer, "marketing.communications").reason()).isEqualTo(Reason.OBJECTED);
            // the opt-out is about marketing only
            assertThat(shop.check(customer, "analytics.research").allowed()).isTrue();
            assertThat(shop.consents.filterAllowed(List.of(customer, SubjectId.of("customer-001b")),
                    PurposeId.of("marketing.communications"))).containsExactly(SubjectId.of("customer-001b"));
        }
    }

    @Test
    void fourKindsOfCookiesEssentialWithoutAChoiceTheOthersEachOnItsOwnConsent() {
        try (Shop shop = shop()) {
            assertThat(shop.check(customer, "service.provision").reason()).isEqualTo(Reason.BASIS_CONTRACT);
            assertThat(shop.policy().purpose(PurposeId.of("service.provision")).categories())
                    .contains(CategoryId.of("cookie.essential"));

            shop.grant(customer, "cookies.functional", Method.COOKIE_BANNER);
            shop.deny(customer, "cookies.performance", Method.COOKIE_BANNER);
            assertThat(shop.check(customer, "cookies.functional").reason()).isEqualTo(Reason.GRANTED);
            assertThat(shop.check(customer, "cookies.performance").reason()).isEqualTo(Reason.DENIED);
            assertThat(shop.check(customer, "cookies.marketing").reason()).isEqualTo(Reason.NO_RECORD);

            // marketing cookies personalise advertisements: a Global Privacy Control signal opts out of them only
            shop.grant(customer, "cookies.marketing", Method.COOKIE_BANNER);
            SubjectId visitor = SubjectId.of("visitor-001");
            GpcOutcome gpc = shop.consents.applyGpc(visitor, GpcSignal.received());
            assertThat(gpc.effects()).containsOnlyKeys(PurposeId.of("cookies.marketing"));
            assertThat(shop.check(visitor, "cookies.marketing").reason()).isEqualTo(Reason.GPC_OPT_OUT);
            assertThat(shop.consents.applyGpc(customer, GpcSignal.received()).effects())
                    .containsEntry(PurposeId.of("cookies.marketing"), GpcOutcome.Effect.OVERRIDDEN);
        }
    }

    @Test
    void accessCorrectionDeletionRestrictionPortabilityObjectionEachWithinTheGdprMonthExtendableByTwo() {
        try (Shop shop = shop()) {
            for (RequestType type : List.of(RequestType.ACCESS, RequestType.RECTIFICATION, RequestType.ERASURE,
                    RequestType.RESTRICTION, RequestType.PORTABILITY, RequestType.OBJECTION)) {
                assertThat(shop.policy().rightsTerm(type)).as("the seed states no deadline for " + type).isEmpty();
                assertThat(shop.rights.termFor(type)).isEqualTo(RightsService.GDPR_DEFAULT);
                RightsRequest r = shop.rights.receive(customer, type, "privacy@example.com");
                // received 31 January: February has no 31st, so one month ends on its last day
                assertThat(r.deadline()).get().extracting(d -> d.lastDay()).isEqualTo(LocalDate.of(2025, 2, 28));
            }
            RightsRequest access = shop.rights.requests(customer).get(0);
            shop.rights.verifyIdentity(access.id(), "dpo", "account login");
            RightsRequest extended = shop.rights.extend(access.id(), "dpo", "many requests", shop.now());
            assertThat(extended.deadline()).get().extracting(d -> d.lastDay()).isEqualTo(LocalDate.of(2025, 4, 30)); // three months from receipt (GDPR Art. 12(3))
        }
    }

    @Test
    void restrictionStopsAllButTheLegalObligationsAndTheRestrictionRequestIsCarriedOut() {
        try (Shop shop = shop()) {
            shop.grant(customer, "cookies.functional", Method.COOKIE_BANNER);
            RightsRequest r = shop.rights.receive(customer, RequestType.RESTRICTION, "privacy@example.com");
            shop.rights.verifyIdentity(r.id(), "dpo", "account login");
            shop.rights.restrict(r.id(), "dpo");
            assertThat(shop.check(customer, "transactions").reason()).isEqualTo(Reason.RESTRICTED);
            assertThat(shop.check(customer, "cookies.functional").reason()).isEqualTo(Reason.RESTRICTED);
            assertThat(shop.check(customer, "marketing.communications").reason()).isEqualTo(Reason.RESTRICTED);
            assertThat(shop.check(customer, "legal.compliance").reason()).isEqualTo(Reason.BASIS_LEGAL_OBLIGATION);
        }
    }

    @Test
    void noRetentionPeriodIsStatedSoEveryItemIsReportedAsAGapNotKeptSilently() {
        // 3.2: "only for as long as necessary. The retention period depends on the purpose" - no rule to encode
        try (Shop shop = shop()) {
            assertThat(shop.policy().retentionRules()).isEmpty();
            RetentionVerdict v = shop.retention.recordAnchor(customer, "transaction.record", Anchor.LAST_TRANSACTION,
                    shop.now());
            assertThat(v.status()).isEqualTo(RetentionVerdict.Status.NO_RULE);
            assertThat(v.dueAt()).isEmpty();
        }
    }

    /** 8.1 Version History: "Last Updated: January 9, 2024 / Effective Date: January 9, 2024". */
    @Test
    void versionHistoryChecksAreAnsweredUnderTheVersionInForceAtTheInstantAskedAbout() {
        Policy previous = Shop.history("001-example-company-2023-06-01.json");
        Policy current = SeedPolicies.load(SeedPolicies.EXAMPLE_COMPANY);
        assertThat(current.lastUpdated()).isEqualTo(LocalDate.of(2024, 1, 9));
        assertThat(current.effectiveFrom()).isEqualTo(LocalDate.of(2024, 1, 9));
        assertThat(previous.lastUpdated()).isEqualTo(LocalDate.of(2023, 5, 20));
        assertThat(previous.effectiveFrom()).isEqualTo(LocalDate.of(2023, 6, 1));
        // effective from the start of the day in the policy's zone (Shanghai, UTC+8)
        assertThat(current.effectiveInstant()).isEqualTo(Instant.parse("2024-01-08T16:00:00Z"));

        try (Shop shop = Shop.withVersions("2023-09-01T02:00:00Z", current, previous)) {
            // under the earlier version marketing needed an opt-in, and there were no marketing cookies
            ConsentEvent optIn = shop.consents.grant(customer, PurposeId.of("marketing.communications"),
                    Capture.by(Method.CHECKBOX));
            assertThat(optIn.policyVersion()).isEqualTo("2023-06-01");
            SubjectId other = SubjectId.of("customer-001c");
            Decision then = shop.check(other, "marketing.communications");
            assertThat(then.reason()).isEqualTo(Reason.NO_RECORD);
            assertThat(then.policyVersion()).isEqualTo("2023-06-01");
            assertThatThrownBy(() -> shop.check(other, "cookies.marketing")).isInstanceOf(UnknownPurposeException.class);

            shop.clock.set(Instant.parse("2024-03-01T02:00:00Z"));
            Decision now = shop.check(other, "marketing.communications");
            assertThat(now.reason()).isEqualTo(Reason.BASIS_LEGITIMATE_INTERESTS);
            assertThat(now.policyVersion()).isEqualTo("2024-01-09");
            assertThat(shop.check(other, "cookies.marketing").reason()).isEqualTo(Reason.NO_RECORD);

            // asked about the past, the answer is the past one, under the version in force then
            Decision asked = shop.checkAt(other, "marketing.communications", Instant.parse("2023-12-31T12:00:00Z"));
            assertThat(asked.reason()).isEqualTo(Reason.NO_RECORD);
            assertThat(asked.policyVersion()).isEqualTo("2023-06-01");
            // the changeover is at midnight in Shanghai, not in UTC
            assertThat(shop.checkAt(other, "marketing.communications", Instant.parse("2024-01-08T15:59:59Z"))
                    .policyVersion()).isEqualTo("2023-06-01");
            assertThat(shop.checkAt(other, "marketing.communications", Instant.parse("2024-01-08T16:00:00Z"))
                    .policyVersion()).isEqualTo("2024-01-09");
        }
    }
}
