package dev.consent.rights;

import dev.consent.ConflictException;
import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.ledger.Capture;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.DisposalRequest;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.RetentionRule;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RightsServiceTest {
    private static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");
    private static final PurposeId ANALYTICS = PurposeId.of("analytics");
    private static final PurposeId ORDERS = PurposeId.of("orders");

    /** Seed 003's terms: 5 business days extendable to 30 days; early deletion checked within 15 working days. */
    static Policy shop003() {
        return Policy.builder("tax-compliant-shop", "1").effectiveFrom(LocalDate.of(2025, 1, 1))
                .zone(ZoneId.of("Europe/Berlin"))
                .holidays(LocalDate.of(2025, 6, 9))
                .category("contact.email", "Email").category("transaction.record", "Transactions")
                .category("account.profile", "Account")
                .purpose(Purpose.builder("orders").title("Orders").basis(LegalBasis.CONTRACT)
                        .categories("transaction.record", "account.profile", "contact.email").build())
                .purpose(Purpose.builder("marketing.email").title("Promotions").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .purpose(Purpose.builder("analytics").title("Behaviour analysis").basis(LegalBasis.LEGITIMATE_INTERESTS)
                        .categories("account.profile").build())
                .retention(RetentionRule.minimum("transactions-tax-7y", "transaction.record", "tax law: 7 years")
                        .period("P7Y").after(Anchor.LAST_TRANSACTION).build())
                .retention(RetentionRule.maximum("transactions-7y", "transaction.record", DisposalAction.DELETE)
                        .period("P7Y").after(Anchor.LAST_TRANSACTION).build())
                .retention(RetentionRule.maximum("account-6m", "account.profile", DisposalAction.DELETE)
                        .period("P6M").after(Anchor.ACCOUNT_CLOSED).build())
                .retention(RetentionRule.maximum("email-6m", "contact.email", DisposalAction.DELETE)
                        .period("P6M").after(Anchor.ACCOUNT_CLOSED).build())
                .rights(DeadlineTerm.of(5, DeadlineTerm.Unit.BUSINESS_DAYS, DeadlineTerm.Start.RECEIPT)
                        .extendable(DeadlineTerm.Extension.to(30, DeadlineTerm.Unit.CALENDAR_DAYS)),
                        RequestType.ACCESS, RequestType.PORTABILITY, RequestType.RECTIFICATION, RequestType.RESTRICTION,
                        RequestType.OBJECTION, RequestType.WITHDRAW_CONSENT)
                .rights(new RightsTerm(RequestType.ERASURE, DeadlineTerm.of(15, DeadlineTerm.Unit.BUSINESS_DAYS,
                        DeadlineTerm.Start.RECEIPT), Optional.of("We inform you by email of the result and its basis.")))
                .build();
    }

    private final MutableClock clock = MutableClock.at("2025-06-04T08:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(shop003()).store(store).clock(clock).build();
    private final List<DisposalRequest> disposed = new ArrayList<>();
    private final RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(shop003()).store(store).clock(clock).build();
    private final Sweeper sweeper = Sweeper.builder(retention).handler("contact.email", disposed::add).handler("account.profile", disposed::add)
            .handler("transaction.record", disposed::add).build();
    private final RightsService rights = RightsService.builder().consents(consents).sweeper(sweeper).store(store)
            .build();
    private final SubjectId alice = SubjectId.of("alice");

    @AfterEach
    void close() {
        consents.close();
    }

    @Test
    void anAccessRequestIsDueInFiveBusinessDaysAndCanBeExtendedOnceWithNotice() {
        RightsRequest r = rights.receive(alice, RequestType.ACCESS, "email to dpo@");
        assertThat(r.status()).isEqualTo(RequestStatus.RECEIVED);
        assertThat(r.deadline()).get().extracting(Deadline::lastDay).isEqualTo(LocalDate.of(2025, 6, 12));

        rights.verifyIdentity(r.id(), "support-7", "login session");
        rights.startWork(r.id(), "support-7");
        clock.advance(Duration.ofDays(2));
        RightsRequest extended = rights.extend(r.id(), "dpo", "complex request: 12 years of orders", clock.instant());

        assertThat(extended.status()).isEqualTo(RequestStatus.EXTENDED);
        assertThat(extended.deadline()).get().extracting(Deadline::lastDay).isEqualTo(LocalDate.of(2025, 7, 4));
        assertThat(extended.extensionNotice()).get().extracting(RightsRequest.Extension::reason)
                .isEqualTo("complex request: 12 years of orders");
        assertThatThrownBy(() -> rights.extend(r.id(), "dpo", "again", clock.instant()))
                .isInstanceOf(ConflictException.class).hasMessageContaining("EXTENDED");

        RightsRequest done = rights.complete(r.id(), "dpo", "export sent");
        assertThat(done.history()).extracting(RightsRequest.Transition::to).containsExactly(RequestStatus.RECEIVED,
                RequestStatus.IDENTITY_VERIFIED, RequestStatus.IN_PROGRESS, RequestStatus.EXTENDED, RequestStatus.COMPLETED);
        assertThat(done.version()).isEqualTo(5);
    }

    @Test
    void anExtensionNoticeAfterTheOriginalDeadlineIsRejected() {
        RightsRequest r = rights.receive(alice, RequestType.ACCESS, "web form");
        rights.verifyIdentity(r.id(), "support", "email code");
        clock.set(Instant.parse("2025-06-13T08:00:00Z"));
        assertThatThrownBy(() -> rights.extend(r.id(), "dpo", "late", clock.instant()))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("before the original deadline");
        assertThat(rights.request(r.id()).status()).isEqualTo(RequestStatus.IDENTITY_VERIFIED);
    }

    @Test
    void illegalTransitionsAreRejectedWithWhatIsAllowed() {
        RightsRequest r = rights.receive(alice, RequestType.RECTIFICATION, "phone");
        assertThatThrownBy(() -> rights.complete(r.id(), "x", "done")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("cannot move from RECEIVED to COMPLETED")
                .hasMessageContaining("IDENTITY_VERIFIED");
        rights.refuse(r.id(), "dpo", "identity could not be verified");
        assertThatThrownBy(() -> rights.verifyIdentity(r.id(), "x", "late")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("none, it is closed");
        assertThatThrownBy(() -> rights.request("req-nope")).isInstanceOf(InvalidValueException.class);
    }

    @Test
    void aRefusalCarriesTheReasonAndThePromisedAlternative() {
        RightsRequest r = rights.receive(alice, RequestType.ERASURE, "email");
        rights.verifyIdentity(r.id(), "support", "email code");
        RightsRequest refused = rights.refuse(r.id(), "dpo", "the account is under investigation for fraud");
        assertThat(refused.outcome()).contains("Refused: the account is under investigation for fraud. "
                + "We inform you by email of the result and its basis.");
    }

    @Test
    void openRequestsArePagedAndNoneIsDropped() {
        List<String> received = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            received.add(rights.receive(SubjectId.of("s" + i), RequestType.ACCESS, "web").id()); // same instant
            if (i % 3 == 0) {
                clock.advance(Duration.ofSeconds(1));
            }
        }
        List<RightsRequest> first = rights.open(3);
        assertThat(first).hasSize(3);
        // a request closed between two pages does not make the reader lose its place
        rights.refuse(first.get(2).id(), "dpo", "manifestly unfounded");
        List<String> read = new ArrayList<>(first.stream().map(RightsRequest::id).toList());
        List<RightsRequest> page = rights.open(first.get(2), 3);
        int pages = 1;
        while (!page.isEmpty()) {
            pages++;
            page.forEach(r -> read.add(r.id()));
            if (page.size() < 3) {
                break;
            }
            page = rights.open(page.get(page.size() - 1), 3);
        }
        assertThat(pages).isEqualTo(3);
        assertThat(read).containsExactlyInAnyOrderElementsOf(received).doesNotHaveDuplicates();
        assertThat(rights.open(RightsService.MAX_PAGE)).hasSize(6);
        assertThatThrownBy(() -> rights.open(0)).isInstanceOf(InvalidValueException.class)
                .hasMessageStartingWith("limit:");
        assertThatThrownBy(() -> rights.open(RightsService.MAX_PAGE + 1)).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> rights.open(null, 3)).isInstanceOf(InvalidValueException.class);
    }

    @Test
    void openAndOverdueRequestsAreListed() {
        RightsRequest access = rights.receive(alice, RequestType.ACCESS, "web");
        clock.advance(Duration.ofDays(1));
        RightsRequest erasure = rights.receive(SubjectId.of("bob"), RequestType.ERASURE, "web");
        assertThat(rights.open(10)).extracting(RightsRequest::id).containsExactly(access.id(), erasure.id());
        assertThat(rights.overdue()).isEmpty();

        clock.set(Instant.parse("2025-06-12T21:59:59Z"));
        assertThat(rights.overdue()).isEmpty();
        clock.set(Instant.parse("2025-06-12T22:00:00Z")); // midnight in Berlin: the 5th business day is over
        assertThat(rights.overdue()).extracting(RightsRequest::id).containsExactly(access.id());
        rights.verifyIdentity(access.id(), "s", "x");
        rights.complete(access.id(), "s", "sent");
        assertThat(rights.overdue()).isEmpty();
        assertThat(rights.open(10)).extracting(RightsRequest::id).containsExactly(erasure.id());
    }

    @Test
    void erasureUnderASevenYearTaxMinimumNamesWhatIsKeptAndUntilWhen() {
        consents.grant(alice, NEWSLETTER, Capture.by(Method.CHECKBOX));
        Instant purchase = Instant.parse("2025-03-15T11:00:00Z");
        retention.recordAnchor(alice, "transaction.record", Anchor.LAST_TRANSACTION, purchase);
        retention.recordAnchor(alice, "contact.email", Anchor.COLLECTED, purchase);
        retention.recordAnchor(alice, "account.profile", Anchor.COLLECTED, purchase);

        RightsRequest r = rights.receive(alice, RequestType.ERASURE, "email");
        assertThatThrownBy(() -> rights.erase(r.id(), "dpo")).isInstanceOf(ConflictException.class)
                .hasMessageContaining("not verified");
        rights.verifyIdentity(r.id(), "support", "email code");
        ErasureAnswer answer = rights.erase(r.id(), "dpo");

        assertThat(answer.kept()).singleElement().satisfies(e -> {
            assertThat(e.item().category().value()).isEqualTo("transaction.record");
            assertThat(e.dueAt()).contains(Instant.parse("2032-03-15T11:00:00Z"));
            assertThat(e.ruleId()).contains("transactions-tax-7y");
            assertThat(e.legalReference()).contains("tax law: 7 years");
        });
        assertThat(disposed).extracting(d -> d.item().category().value())
                .containsExactlyInAnyOrder("contact.email", "account.profile");
        assertThat(consents.check(alice, NEWSLETTER).reason()).isEqualTo(Reason.WITHDRAWN);
        RightsRequest done = rights.request(r.id());
        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(done.outcome()).hasValueSatisfying(o -> assertThat(o)
                .contains("transaction.record: kept until 2032-03-15T11:00:00Z because of rule transactions-tax-7y")
                .contains("contact.email: erased"));
    }

    @Test
    void restrictionAndObjectionChangeConsentDecisions() {
        RightsRequest restriction = rights.receive(alice, RequestType.RESTRICTION, "email");
        rights.verifyIdentity(restriction.id(), "support", "id card");
        rights.restrict(restriction.id(), "dpo");
        assertThat(consents.check(alice, ORDERS).reason()).isEqualTo(Reason.RESTRICTED);

        RightsRequest objection = rights.receive(alice, RequestType.OBJECTION, "email");
        rights.verifyIdentity(objection.id(), "support", "id card");
        rights.object(objection.id(), "dpo", List.of(ANALYTICS));
        assertThat(consents.history(alice)).anySatisfy(e -> assertThat(e.purpose()).isEqualTo(ANALYTICS));
        assertThat(consents.history(alice)).allSatisfy(e -> assertThat(e.evidence().reference()).startsWith("req-"));
        assertThat(rights.request(objection.id()).status()).isEqualTo(RequestStatus.COMPLETED);
    }

    @Test
    void withdrawingConsentIsNotRetroactive() {
        consents.grant(alice, NEWSLETTER, Capture.by(Method.CHECKBOX));
        Instant sentAt = clock.instant().plusSeconds(60);
        clock.advance(Duration.ofDays(3));
        RightsRequest r = rights.receive(alice, RequestType.WITHDRAW_CONSENT, "unsubscribe page");
        rights.withdrawConsent(r.id(), "system", List.of());
        assertThat(consents.check(alice, NEWSLETTER).reason()).isEqualTo(Reason.WITHDRAWN);
        assertThat(consents.check(alice, NEWSLETTER, sentAt).reason()).isEqualTo(Reason.GRANTED);
        assertThat(rights.request(r.id()).outcome()).hasValueSatisfying(o -> assertThat(o).contains("Art. 7(3)"));
    }

    @Test
    void aTermCountedFromVerificationStartsAtVerification() {
        Policy p = Policy.builder("sell4service", "1").effectiveFrom(LocalDate.of(2025, 1, 1)).zone(ZoneId.of("UTC"))
                .category("contact.email", "Email")
                .purpose(Purpose.builder("orders").title("Orders").basis(LegalBasis.CONTRACT).categories("contact.email")
                        .build())
                .rights(DeadlineTerm.of(30, DeadlineTerm.Unit.BUSINESS_DAYS, DeadlineTerm.Start.IDENTITY_VERIFIED),
                        RequestType.ERASURE)
                .build();
        try (ConsentService c = ConsentService.builder().store(new InMemoryStore()).policy(p).clock(clock).build()) {
            RightsService s = RightsService.builder().store(new InMemoryStore()).consents(c).build();
            RightsRequest r = s.receive(alice, RequestType.ERASURE, "email");
            assertThat(r.deadline()).isEmpty();
            clock.set(Instant.parse("2025-06-10T09:00:00Z"));
            RightsRequest verified = s.verifyIdentity(r.id(), "support", "email code");
            assertThat(verified.deadline()).get().extracting(Deadline::lastDay).isEqualTo(LocalDate.of(2025, 7, 22));
            RightsRequest access = s.receive(alice, RequestType.ACCESS, "email");
            assertThat(access.deadline()).get().extracting(Deadline::lastDay).isEqualTo(LocalDate.of(2025, 7, 10));
        }
    }

    /**
     * Issue 12: the events a request's work records had ids {@code req-<uuid>/<action>/<purpose>}, too long for an
     * event id once a (valid) purpose id passed about 46 characters, so the withdrawal, objection or erasure the
     * subject asked for was never carried out. Derived ids are hashed to fit, deterministically.
     */
    @Test
    void requestsAreCarriedOutForPurposeIdsOfTheLongestAllowedLength() {
        PurposeId newsletter = PurposeId.of("marketing." + "n".repeat(90));
        PurposeId offers = PurposeId.of("marketing." + "o".repeat(90));
        PurposeId profiling = PurposeId.of("analytics." + "p".repeat(90));
        assertThat(newsletter.value()).hasSize(100);
        Policy p = Policy.builder("long-ids", "1").effectiveFrom(LocalDate.of(2025, 1, 1)).zone(ZoneId.of("UTC"))
                .category("contact.email", "Email")
                .purpose(Purpose.builder(newsletter.value()).title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .purpose(Purpose.builder(offers.value()).title("Offers").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .purpose(Purpose.builder(profiling.value()).title("Profiling").basis(LegalBasis.LEGITIMATE_INTERESTS)
                        .categories("contact.email").build())
                .build();
        InMemoryStore own = new InMemoryStore();
        try (ConsentService c = ConsentService.builder().policy(p).store(own).clock(clock).build()) {
            RetentionService r = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                    .policy(p).store(own).clock(clock).build();
            RightsService s = RightsService.builder().consents(c).retention(r).store(own).build();
            c.grant(alice, newsletter, Capture.by(Method.CHECKBOX));
            c.grant(alice, offers, Capture.by(Method.CHECKBOX));

            RightsRequest withdrawal = s.receive(alice, RequestType.WITHDRAW_CONSENT, "form");
            s.withdrawConsent(withdrawal.id(), "system", List.of(newsletter));
            assertThat(c.check(alice, newsletter).reason()).isEqualTo(Reason.WITHDRAWN);

            RightsRequest objection = s.receive(alice, RequestType.OBJECTION, "form");
            s.verifyIdentity(objection.id(), "support", "login");
            s.object(objection.id(), "dpo", List.of(profiling));
            assertThat(c.check(alice, profiling).reason()).isEqualTo(Reason.OBJECTED);

            RightsRequest erasure = s.receive(alice, RequestType.ERASURE, "form");
            s.verifyIdentity(erasure.id(), "support", "login");
            s.erase(erasure.id(), "dpo");
            assertThat(c.check(alice, offers).reason()).isEqualTo(Reason.WITHDRAWN);
            // no retained item is known of alice: the shop confirms what it erased before the request completes
            assertThat(s.request(erasure.id()).status()).isEqualTo(RequestStatus.AWAITING_HOST_CONFIRMATION);
            s.confirmErasure(erasure.id(), "dpo", "the customer's account rows");
            assertThat(s.request(erasure.id()).status()).isEqualTo(RequestStatus.COMPLETED);

            assertThat(c.history(alice)).filteredOn(e -> e.method() == Method.RIGHTS_REQUEST).hasSize(3)
                    .allSatisfy(e -> assertThat(e.id().value()).hasSizeLessThanOrEqualTo(EventId.MAX_LENGTH)
                            .startsWith("req-"));

            // a client's own id of the longest length, applied to every purpose: derived ids fit, and a repeat
            // records nothing twice
            Capture fromApp = Capture.by(Method.ACCOUNT_SETTINGS).withEventId("x".repeat(EventId.MAX_LENGTH));
            int before = c.history(alice).size();
            c.restrict(alice, fromApp);
            c.restrict(alice, fromApp);
            assertThat(c.history(alice)).hasSize(before + 3);
        }
    }
}
