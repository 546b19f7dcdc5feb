package dev.consent.examples.seeds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.examples.SeedPolicies;
import dev.consent.ledger.Capture;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Mechanism;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetentionVerdict;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.SubjectExport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Seed 003 (a shop that keeps transactions for tax law), every promise DESIGN.md lists for it: marketing only
 * after an explicit tick, unsubscribe by the email link at any time; transactions at least 7 years; account data
 * 6 months after cancellation; support records deleted within 30 days of resolution; early-deletion requests
 * checked within 15 working days with reasons; answers within 5 business days, extendable to 30 days with notice;
 * withdrawal not retroactive; restriction, objection, portability. Europe/Berlin, Whit Monday 2025 a holiday.
 */
class Seed003TaxCompliantShopTest {
    private static final PurposeId MARKETING = PurposeId.of("marketing.email");
    private final Shop shop = Shop.of(SeedPolicies.TAX_COMPLIANT_SHOP, "2025-03-03T10:00:00Z");
    private final SubjectId customer = SubjectId.of("customer-003");

    @AfterEach
    void close() {
        shop.close();
    }

    @Test
    void marketingOnlyAfterAnExplicitTick() {
        assertThat(shop.policy().purpose(MARKETING).mechanism()).isEqualTo(Mechanism.OPT_IN);
        assertThat(shop.check(customer, "marketing.email").reason()).isEqualTo(Reason.NO_RECORD);
        // buying something is no consent to marketing
        assertThat(shop.check(customer, "orders").reason()).isEqualTo(Reason.BASIS_CONTRACT);
        assertThat(shop.check(customer, "marketing.email").allowed()).isFalse();

        ConsentEvent tick = shop.consents.grant(customer, MARKETING, Capture.by(Method.CHECKBOX)
                .withEvidence(Evidence.builder().notice("signup-marketing", "Send me product updates and promotions")
                        .locale("de-DE").build()));
        assertThat(tick.evidence().noticeHash()).hasSize(64);
        assertThat(shop.check(customer, "marketing.email").reason()).isEqualTo(Reason.GRANTED);
    }

    @Test
    void unsubscribeByTheEmailLinkAtAnyTime() {
        SubjectId other = SubjectId.of("customer-003b");
        shop.grant(customer, "marketing.email", Method.CHECKBOX);
        shop.grant(other, "marketing.email", Method.CHECKBOX);
        shop.clock.advance(Duration.ofDays(3));
        shop.withdraw(customer, "marketing.email", Method.UNSUBSCRIBE_LINK);

        assertThat(shop.check(customer, "marketing.email").reason()).isEqualTo(Reason.WITHDRAWN);
        assertThat(shop.consents.history(customer)).last().satisfies(e -> {
            assertThat(e.method()).isEqualTo(Method.UNSUBSCRIBE_LINK);
            assertThat(e.occurredAt()).isEqualTo(shop.now());
        });
        assertThat(shop.consents.filterAllowed(List.of(customer, other), MARKETING)).containsExactly(other);
        // or by contacting customer service, through a withdrawal request that needs no identity check
        RightsRequest viaSupport = shop.rights.receive(other, RequestType.WITHDRAW_CONSENT, "email to support");
        shop.rights.withdrawConsent(viaSupport.id(), "support", List.of(MARKETING));
        assertThat(shop.consents.filterAllowed(List.of(customer, other), MARKETING)).isEmpty();
    }

    @Test
    void withdrawalIsNotRetroactive() {
        Instant granted = shop.now();
        shop.grant(customer, "marketing.email", Method.CHECKBOX);
        Instant campaign = granted.plus(Duration.ofDays(10));
        shop.clock.set(granted.plus(Duration.ofDays(20)));
        RightsRequest r = shop.rights.receive(customer, RequestType.WITHDRAW_CONSENT, "email");
        RightsRequest done = shop.rights.withdrawConsent(r.id(), "dpo", List.of());

        assertThat(done.outcome()).get().asString().contains("does not affect processing before it");
        assertThat(shop.check(customer, "marketing.email").reason()).isEqualTo(Reason.WITHDRAWN);
        // "was the campaign sent on day 10 lawful?" yes: the withdrawal counts from when it was made
        assertThat(shop.checkAt(customer, "marketing.email", campaign).reason()).isEqualTo(Reason.GRANTED);
        // a withdrawal that reaches the ledger late still counts from when it was made, not before
        Instant clickedLink = shop.now().plus(Duration.ofDays(5));
        shop.clock.set(clickedLink.plus(Duration.ofDays(2)));
        SubjectId late = SubjectId.of("customer-003-late");
        shop.consents.grant(late, MARKETING, Capture.by(Method.CHECKBOX).at(granted));
        shop.consents.withdraw(late, MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK).at(clickedLink));
        assertThat(shop.checkAt(late, "marketing.email", clickedLink.minusSeconds(1)).reason())
                .isEqualTo(Reason.GRANTED);
        assertThat(shop.checkAt(late, "marketing.email", clickedLink).reason()).isEqualTo(Reason.WITHDRAWN);
    }

    @Test
    void transactionsAreKeptSevenYearsEvenAgainstAnEarlyDeletionRequestWhoseAnswerGivesTheBasis() {
        Instant purchase = shop.now();
        shop.retention.recordAnchor(customer, "transaction.record", Anchor.LAST_TRANSACTION, purchase);
        shop.retention.recordAnchor(customer, "account.profile", Anchor.COLLECTED, purchase);
        shop.retention.recordAnchor(customer, "contact.email", Anchor.COLLECTED, purchase);
        shop.grant(customer, "marketing.email", Method.CHECKBOX);

        shop.clock.set(Instant.parse("2025-06-04T08:00:00Z")); // Wednesday
        RightsRequest request = shop.rights.receive(customer, RequestType.ERASURE, "email");
        // "we will check the feasibility within 15 working days": Whit Monday (9 June) is not one
        assertThat(request.deadline()).get().satisfies(d -> {
            assertThat(d.lastDay()).isEqualTo(LocalDate.of(2025, 6, 26));
            assertThat(d.skipped()).contains(LocalDate.of(2025, 6, 9));
        });
        shop.rights.verifyIdentity(request.id(), "dpo", "reply from the account email");
        ErasureAnswer answer = shop.rights.erase(request.id(), "dpo");

        assertThat(answer.kept()).singleElement().satisfies(e -> {
            assertThat(e.item().category().value()).isEqualTo("transaction.record");
            assertThat(e.dueAt()).contains(Instant.parse("2032-03-03T10:00:00Z"));
            assertThat(e.legalReference()).hasValueSatisfying(ref -> assertThat(ref).contains("tax law"));
        });
        // "inform you by e-mail of the result and the basis": the completed request carries that answer
        assertThat(shop.rights.request(request.id()).outcome()).get().asString()
                .contains("transaction.record: kept until 2032-03-03T10:00:00Z because of rule transactions-tax-7y")
                .contains("tax law");
        assertThat(shop.disposedCategories()).containsExactlyInAnyOrder("account.profile", "contact.email");
        assertThat(shop.check(customer, "marketing.email").reason()).isEqualTo(Reason.WITHDRAWN);
        assertThat(shop.check(customer, "tax").reason()).isEqualTo(Reason.BASIS_LEGAL_OBLIGATION);

        shop.clock.set(Instant.parse("2032-03-03T09:59:59Z"));
        assertThat(shop.sweeper.sweep(100, Duration.ofSeconds(30)).disposed()).isZero();
        shop.clock.set(Instant.parse("2032-03-03T10:00:00Z"));
        assertThat(shop.sweeper.sweep(100, Duration.ofSeconds(30)).disposed()).isEqualTo(1);
        assertThat(shop.disposedCategories()).last().isEqualTo("transaction.record");
    }

    @Test
    void aRefusedEarlyDeletionGivesTheReasonsAndTheAlternative() {
        shop.clock.set(Instant.parse("2025-06-04T08:00:00Z"));
        RightsRequest request = shop.rights.receive(customer, RequestType.ERASURE, "email");
        shop.rights.verifyIdentity(request.id(), "dpo", "reply from the account email");
        shop.clock.set(Instant.parse("2025-06-20T08:00:00Z"));
        RightsRequest refused = shop.rights.refuse(request.id(), "dpo", "an open dispute about order 1234");
        assertThat(refused.status()).isEqualTo(RequestStatus.REFUSED);
        assertThat(refused.outcome()).get().asString()
                .startsWith("Refused: an open dispute about order 1234.")
                .contains("We inform you by email of the result and its basis")
                .contains("supervisory authority");
        assertThat(refused.deadline().orElseThrow().passedAt(shop.now())).isFalse();
    }

    @Test
    void aLaterPurchaseRestartsTheSevenYears() {
        shop.retention.recordAnchor(customer, "transaction.record", Anchor.LAST_TRANSACTION, shop.now());
        shop.clock.set(Instant.parse("2026-07-15T12:00:00Z"));
        RetentionVerdict v = shop.retention.recordAnchor(customer, "transaction.record", Anchor.LAST_TRANSACTION,
                shop.now());
        assertThat(v.dueAt()).contains(Instant.parse("2033-07-15T12:00:00Z"));
        assertThat(v.decidingRule()).contains("transactions-7y");
    }

    @Test
    void accountDataSixMonthsAfterCancellationAndSupportRecordsWithin30DaysOfResolution() {
        ItemKey account = ItemKey.of(customer, CategoryId.of("account.profile"));
        assertThat(shop.retention.recordAnchor(account, Anchor.COLLECTED, shop.now()).status())
                .as("an open account is not due").isEqualTo(RetentionVerdict.Status.NOT_STARTED);
        RetentionVerdict cancelled = shop.retention.recordAnchor(account, Anchor.ACCOUNT_CLOSED,
                Instant.parse("2025-03-10T09:00:00Z"));
        assertThat(cancelled.dueAt()).contains(Instant.parse("2025-09-10T08:00:00Z")); // CET to CEST
        assertThat(shop.retention.recordAnchor(customer, "contact.email", Anchor.ACCOUNT_CLOSED,
                Instant.parse("2025-03-10T09:00:00Z")).decidingRule()).contains("email-after-cancellation");
        // the customer comes back before the six months are over
        assertThat(shop.retention.clearAnchor(account, Anchor.ACCOUNT_CLOSED).status())
                .isEqualTo(RetentionVerdict.Status.NOT_STARTED);

        RetentionVerdict ticket = shop.retention.recordAnchor(customer, "support.record", Anchor.TICKET_RESOLVED,
                Instant.parse("2025-03-20T15:00:00Z"));
        assertThat(ticket.dueAt()).contains(Instant.parse("2025-04-19T14:00:00Z"));
        shop.clock.set(Instant.parse("2025-04-19T14:00:00Z"));
        shop.sweeper.sweep(100, Duration.ofSeconds(30));
        assertThat(shop.disposedCategories()).containsExactly("support.record");
    }

    @Test
    void answersWithinFiveBusinessDaysExtendableToThirtyDaysWithNoticeBeforeTheFirstDeadline() {
        shop.clock.set(Instant.parse("2025-06-04T08:00:00Z")); // Wednesday
        RightsRequest access = shop.rights.receive(customer, RequestType.ACCESS, "email");
        assertThat(access.deadline()).get().extracting(d -> d.lastDay()).isEqualTo(LocalDate.of(2025, 6, 12));
        shop.rights.verifyIdentity(access.id(), "dpo", "account email");
        shop.clock.set(Instant.parse("2025-06-11T08:00:00Z"));
        RightsRequest extended = shop.rights.extend(access.id(), "dpo", "complex request: several accounts",
                shop.now());
        assertThat(extended.deadline()).get().extracting(d -> d.lastDay()).isEqualTo(LocalDate.of(2025, 7, 4));
        assertThat(extended.extensionNotice()).get().extracting(n -> n.subjectToldAt()).isEqualTo(shop.now());
        assertThatThrownBy(() -> shop.rights.extend(access.id(), "dpo", "again", shop.now()))
                .isInstanceOf(ConflictException.class);

        // "we will inform you in advance": a notice after the five days is too late
        RightsRequest late = shop.rights.receive(customer, RequestType.PORTABILITY, "email");
        shop.rights.verifyIdentity(late.id(), "dpo", "account email");
        shop.clock.set(Instant.parse("2025-06-19T08:00:00Z"));
        assertThat(shop.rights.overdue()).extracting(RightsRequest::id).containsExactly(late.id());
        assertThatThrownBy(() -> shop.rights.extend(late.id(), "dpo", "complex", shop.now()))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("before the original deadline")
                .hasMessageContaining("allowed next steps: startWork (to IN_PROGRESS), complete (to COMPLETED),"
                        + " refuse (to REFUSED)");
    }

    /**
     * "We will inform you in advance": a notice sent on day 4 but entered only on day 6 extends the deadline to 30
     * days from receipt, yet the request stays on the overdue report, flagged, until it is answered.
     */
    @Test
    void anExtensionToldInTimeButRecordedAfterTheFiveDaysStaysOnTheOverdueReportFlaggedLate() {
        shop.clock.set(Instant.parse("2025-06-04T08:00:00Z")); // Wednesday; Whit Monday 9 June is a holiday
        RightsRequest access = shop.rights.receive(customer, RequestType.ACCESS, "email");
        shop.rights.verifyIdentity(access.id(), "dpo", "account email");
        shop.clock.set(Instant.parse("2025-06-13T08:00:00Z")); // the fifth business day was Thursday 12 June
        RightsRequest extended = shop.rights.extend(access.id(), "dpo", "complex request: several accounts",
                Instant.parse("2025-06-11T14:00:00Z"));
        assertThat(extended.deadline()).get().extracting(d -> d.lastDay()).isEqualTo(LocalDate.of(2025, 7, 4));
        assertThat(extended.extendedLate()).isTrue();
        assertThat(extended.history()).last().extracting(RightsRequest.Transition::note).asString()
                .startsWith("LATE EXTENSION");
        assertThat(shop.rights.overdue()).extracting(RightsRequest::id).containsExactly(access.id());
    }

    @Test
    void restrictionObjectionAndPortability() throws IOException {
        shop.grant(customer, "marketing.email", Method.CHECKBOX);
        RightsRequest objection = shop.rights.receive(customer, RequestType.OBJECTION, "email");
        shop.rights.verifyIdentity(objection.id(), "dpo", "account email");
        shop.rights.object(objection.id(), "dpo", List.of(PurposeId.of("service.optimisation")));
        assertThat(shop.check(customer, "service.optimisation").reason()).isEqualTo(Reason.OBJECTED);
        assertThat(shop.check(customer, "marketing.email").reason()).isEqualTo(Reason.GRANTED);

        // "migrated to another service in a structured format"
        RightsRequest portability = shop.rights.receive(customer, RequestType.PORTABILITY, "email");
        shop.rights.verifyIdentity(portability.id(), "dpo", "account email");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SubjectExport.builder().consents(shop.consents).retention(shop.retention).rights(shop.rights).build()
                .write(customer, out);
        JsonNode export = new ObjectMapper().readTree(out.toByteArray());
        assertThat(export.path("schema").asText()).isEqualTo(SubjectExport.SCHEMA);
        assertThat(export.path("policy").path("id").asText()).isEqualTo("tax-compliant-shop");
        assertThat(export.path("purposes")).anySatisfy(p -> {
            assertThat(p.path("id").asText()).isEqualTo("marketing.email");
            assertThat(p.path("decision").path("reason").asText()).isEqualTo("GRANTED");
        });
        shop.rights.complete(portability.id(), "dpo", "export sent");

        RightsRequest restriction = shop.rights.receive(customer, RequestType.RESTRICTION, "email");
        shop.rights.verifyIdentity(restriction.id(), "dpo", "account email");
        shop.rights.restrict(restriction.id(), "dpo");
        assertThat(shop.check(customer, "orders").reason()).isEqualTo(Reason.RESTRICTED);
        assertThat(shop.check(customer, "marketing.email").reason()).isEqualTo(Reason.RESTRICTED);
        assertThat(shop.check(customer, "tax").reason()).isEqualTo(Reason.BASIS_LEGAL_OBLIGATION);
    }

    @Test
    void noCrossSiteTrackingProfilingOrSharingWithAdvertisingPlatforms() {
        // "We are committed not to use cookies for cross-site tracking or user profiling, or to share relevant data
        // with third-party advertising platforms": nothing is flagged for sale or sharing, no recipient advertises
        assertThat(shop.policy().purposes()).noneMatch(p -> p.saleOrSharing());
        assertThat(shop.consents.applyGpc(customer, GpcSignal.received()).effects()).isEmpty();
        assertThat(shop.policy().recipients()).extracting(r -> r.id())
                .containsExactly("logistics", "payment-institution", "support-outsourcing", "authorities");
        assertThat(shop.policy().findPurpose(PurposeId.of("profiling"))).isEmpty();
    }

    @Test
    void logDataHasNoStatedPeriodAndIsReportedAsAGap() {
        // the seed says redundant information is "regularly cleaned up" but names no period for log data
        RetentionVerdict v = shop.retention.recordAnchor(customer, "device.log", Anchor.COLLECTED, shop.now());
        assertThat(v.status()).isEqualTo(RetentionVerdict.Status.NO_RULE);
    }
}
