package dev.consent.examples.seeds;

import dev.consent.Reason;
import dev.consent.UnknownPurposeException;
import dev.consent.examples.SeedPolicies;
import dev.consent.ledger.Capture;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetentionVerdict;
import dev.consent.rights.Deadline;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Seed 000 (Sell4Service), every promise DESIGN.md lists for it, through the real services:
 * order records kept at least 2 years; email deleted 2 years after the last transaction; access logs 90 days;
 * support records 1 year; cookies from the end of the session to at most 1 year; rights answered within 30
 * business days; deletion within 30 business days of identity verification; delete or anonymize at expiry; no
 * profiling. The policy is in UTC and has no holidays, so the dates below are plain.
 */
class Seed000Sell4ServiceTest {
    private final Shop shop = Shop.of(SeedPolicies.SELL4SERVICE, "2025-03-03T10:00:00Z"); // a Monday
    private final SubjectId customer = SubjectId.of("customer-000");

    @AfterEach
    void close() {
        shop.close();
    }

    private static Instant at(String iso) {
        return Instant.parse(iso);
    }

    @Test
    void emailIsDeletedTwoYearsAfterTheLastTransactionAndALaterPurchasePushesTheDeletionBack() {
        RetentionVerdict first = shop.retention.recordAnchor(customer, "contact.email", Anchor.LAST_TRANSACTION,
                shop.now());
        assertThat(first.status()).isEqualTo(RetentionVerdict.Status.KEEP);
        assertThat(first.dueAt()).contains(at("2027-03-03T10:00:00Z"));
        assertThat(first.decidingRule()).contains("email-2y");
        assertThat(first.action()).contains(DisposalAction.DELETE);

        shop.clock.set(at("2025-11-20T16:30:00Z")); // another purchase
        RetentionVerdict moved = shop.retention.recordAnchor(customer, "contact.email", Anchor.LAST_TRANSACTION,
                shop.now());
        assertThat(moved.dueAt()).contains(at("2027-11-20T16:30:00Z"));

        shop.clock.set(at("2027-03-03T10:00:00Z")); // the first due date is no longer due
        assertThat(shop.retention.plan(shop.now()).dueByCategory()).doesNotContainKey("contact.email");
        assertThat(shop.sweeper.sweep(100, Duration.ofSeconds(30)).disposed()).isZero();

        shop.clock.set(at("2027-11-20T16:30:00Z"));
        assertThat(shop.sweeper.sweep(100, Duration.ofSeconds(30)).disposed()).isEqualTo(1);
        assertThat(shop.disposed).singleElement().satisfies(r -> {
            assertThat(r.item().category().value()).isEqualTo("contact.email");
            assertThat(r.action()).isEqualTo(DisposalAction.DELETE);
            assertThat(r.ruleId()).isEqualTo("email-2y");
        });
    }

    @Test
    void orderRecordsAreKeptAtLeastTwoYearsThenAnonymizedWhileTheEmailIsDeleted() {
        // "delete or anonymize at expiry": the email is deleted, the order record anonymized, on the same day
        shop.retention.recordAnchor(customer, "order.record", Anchor.LAST_TRANSACTION, shop.now());
        shop.retention.recordAnchor(customer, "contact.email", Anchor.LAST_TRANSACTION, shop.now());

        RetentionVerdict order = shop.retention.verdict(ItemKey.of(customer, CategoryId.of("order.record")));
        assertThat(order.dueAt()).contains(at("2027-03-03T10:00:00Z"));
        assertThat(order.rules()).extracting(RetentionVerdict.RuleOutcome::ruleId)
                .containsExactly("orders-min-2y", "orders-anonymize-2y");

        shop.clock.set(at("2027-03-03T09:59:59Z"));
        assertThat(shop.retention.plan(shop.now()).due()).isZero();
        shop.clock.set(at("2027-03-03T10:00:00Z"));
        shop.sweeper.sweep(100, Duration.ofSeconds(30));
        assertThat(shop.disposed).extracting(r -> r.item().category().value() + " " + r.action() + " " + r.ruleId())
                .containsExactlyInAnyOrder("order.record ANONYMIZE orders-anonymize-2y",
                        "contact.email DELETE email-2y");
    }

    @Test
    void accessLogsLast90DaysSupportRecordsOneYearCookiesFromTheEndOfTheSessionToOneYear() {
        Instant t = shop.now();
        assertThat(shop.retention.recordAnchor(customer, "access.log", Anchor.COLLECTED, t).dueAt())
                .contains(at("2025-06-01T10:00:00Z"));
        assertThat(shop.retention.recordAnchor(customer, "device.info", Anchor.COLLECTED, t).dueAt())
                .contains(at("2025-06-01T10:00:00Z"));
        assertThat(shop.retention.recordAnchor(customer, "support.record", Anchor.COLLECTED, t).dueAt())
                .contains(at("2026-03-03T10:00:00Z"));
        assertThat(shop.retention.recordAnchor(customer, "cookie.persistent", Anchor.COLLECTED, t).dueAt())
                .contains(at("2026-03-03T10:00:00Z"));

        // a session cookie is kept while the session lasts: its rule has not started...
        SubjectId browsing = SubjectId.of("visitor-000");
        RetentionVerdict open = shop.retention.recordAnchor(browsing, "cookie.session", Anchor.COLLECTED, t);
        assertThat(open.status()).isEqualTo(RetentionVerdict.Status.NOT_STARTED);
        // ...and is due the moment it ends
        shop.clock.set(t.plusSeconds(1800));
        RetentionVerdict ended = shop.retention.recordAnchor(browsing, "cookie.session", Anchor.SESSION_ENDED,
                t.plusSeconds(1800));
        assertThat(ended.status()).isEqualTo(RetentionVerdict.Status.DUE);
        assertThat(ended.dueAt()).contains(t.plusSeconds(1800));

        shop.clock.set(at("2025-06-01T10:00:00Z"));
        assertThat(shop.retention.plan(shop.now()).dueByCategory())
                .containsOnlyKeys("access.log", "device.info", "cookie.session");
        shop.clock.set(at("2026-03-03T10:00:00Z"));
        assertThat(shop.retention.plan(shop.now()).dueByRule()).containsOnlyKeys("access-logs-90d", "device-info-90d",
                "session-cookies", "support-1y", "cookies-1y");
    }

    @Test
    void everyRightIsAnsweredWithin30BusinessDaysOfReceipt() {
        shop.clock.set(at("2025-06-04T08:00:00Z")); // a Wednesday
        for (RequestType type : EnumSet.complementOf(EnumSet.of(RequestType.ERASURE))) {
            RightsRequest r = shop.rights.receive(customer, type, "Telegram");
            assertThat(r.deadline()).as(type.name()).get().satisfies(d -> {
                assertThat(d.lastDay()).isEqualTo(LocalDate.of(2025, 7, 16));
                assertThat(d.explain()).contains("30 business days from receipt").contains("counted 30 working days");
            });
        }
    }

    @Test
    void erasureIsCompletedWithin30BusinessDaysOfVerificationKeepingOrderRecordsAndSayingUntilWhen() {
        shop.retention.recordAnchor(customer, "order.record", Anchor.LAST_TRANSACTION, shop.now());
        shop.retention.recordAnchor(customer, "contact.email", Anchor.LAST_TRANSACTION, shop.now());
        shop.retention.recordAnchor(customer, "support.record", Anchor.COLLECTED, shop.now());
        shop.grant(customer, "cookies.analytics", Method.COOKIE_BANNER);

        shop.clock.set(at("2025-06-04T08:00:00Z"));
        RightsRequest request = shop.rights.receive(customer, RequestType.ERASURE, "Telegram");
        assertThat(request.deadline()).as("counted from identity verification, which has not happened").isEmpty();
        shop.clock.set(at("2025-06-10T09:00:00Z")); // the order email is confirmed on Tuesday
        RightsRequest verified = shop.rights.verifyIdentity(request.id(), "support", "code sent to the order email");
        Deadline deadline = verified.deadline().orElseThrow();
        assertThat(deadline.lastDay()).isEqualTo(LocalDate.of(2025, 7, 22));
        assertThat(deadline.start()).isEqualTo(LocalDate.of(2025, 6, 10));

        shop.clock.set(at("2025-06-12T09:00:00Z"));
        ErasureAnswer answer = shop.rights.erase(request.id(), "support");

        // the minimum over erasure (GDPR Art. 17(3)(b)): the answer names what is kept, until when and why
        assertThat(answer.kept()).singleElement().satisfies(e -> {
            assertThat(e.item().category().value()).isEqualTo("order.record");
            assertThat(e.outcome()).isEqualTo(ErasureAnswer.Outcome.KEPT_UNTIL);
            assertThat(e.dueAt()).contains(at("2027-03-03T10:00:00Z"));
            assertThat(e.ruleId()).contains("orders-min-2y");
            assertThat(e.legalReference()).hasValueSatisfying(r -> assertThat(r).contains("refunds, disputes"));
        });
        assertThat(shop.disposedCategories()).containsExactlyInAnyOrder("contact.email", "support.record");
        RightsRequest done = shop.rights.request(request.id());
        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(done.overdueAt(shop.now())).isFalse();
        assertThat(done.history()).last().extracting(RightsRequest.Transition::at)
                .matches(completed -> completed.isBefore(deadline.dueBefore()));
        assertThat(done.outcome()).get().asString().contains("order.record: kept until 2027-03-03T10:00:00Z");
        assertThat(shop.check(customer, "cookies.analytics").reason()).isEqualTo(Reason.WITHDRAWN);

        // when the minimum ends, the erased customer's order record is deleted, not merely anonymized
        shop.clock.set(at("2027-03-03T10:00:00Z"));
        shop.sweeper.sweep(100, Duration.ofSeconds(30));
        assertThat(shop.disposed).filteredOn(r -> r.item().category().value().equals("order.record")).singleElement()
                .satisfies(r -> assertThat(r.action()).isEqualTo(DisposalAction.DELETE));
    }

    @Test
    void noProfilingNoSaleAndOnlyTheStatedBases() {
        // "We promise not to use your personal information for automated decision-making or user profiling."
        assertThatThrownBy(() -> shop.check(customer, "profiling")).isInstanceOf(UnknownPurposeException.class);
        assertThatThrownBy(() -> shop.consents.grant(customer, PurposeId.of("profiling"),
                Capture.by(Method.CHECKBOX))).isInstanceOf(UnknownPurposeException.class);
        assertThat(shop.policy().purposes()).noneMatch(p -> (p.id().value() + " " + p.title()).toLowerCase()
                .contains("profil"));
        // "we will never sell, rent, or exchange your personal information": nothing for a GPC signal to stop
        assertThat(shop.policy().purposes()).noneMatch(p -> p.saleOrSharing());
        assertThat(shop.consents.applyGpc(customer, GpcSignal.received()).effects()).isEmpty();
        // "contractual obligations, legal requirements, legitimate business interests", and consent for cookies
        assertThat(shop.policy().purposes()).extracting(p -> p.basis()).containsOnly(LegalBasis.CONTRACT,
                LegalBasis.LEGAL_OBLIGATION, LegalBasis.LEGITIMATE_INTERESTS, LegalBasis.CONSENT);
        assertThat(shop.policy().purposes()).filteredOn(p -> p.basis() == LegalBasis.CONSENT)
                .extracting(p -> p.id().value()).allMatch(id -> id.startsWith("cookies."));
    }

    @Test
    void theRightToObjectStopsProcessingOnLegitimateInterests() {
        assertThat(shop.check(customer, "site.improvement").reason()).isEqualTo(Reason.BASIS_LEGITIMATE_INTERESTS);
        RightsRequest r = shop.rights.receive(customer, RequestType.OBJECTION, "Telegram");
        shop.rights.verifyIdentity(r.id(), "support", "order email");
        shop.rights.object(r.id(), "support", List.of(PurposeId.of("site.improvement")));
        assertThat(shop.check(customer, "site.improvement").reason()).isEqualTo(Reason.OBJECTED);
        assertThat(shop.check(customer, "security").reason()).isEqualTo(Reason.BASIS_LEGITIMATE_INTERESTS);
        assertThat(shop.check(customer, "tax.compliance").reason()).isEqualTo(Reason.BASIS_LEGAL_OBLIGATION);
    }
}
