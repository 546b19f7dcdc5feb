package dev.consent.processing;

import dev.consent.testing.ForwardingStore;
import dev.consent.testing.TestKeys;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.ProcessingRefusedException;
import dev.consent.Reason;
import dev.consent.UnknownPurposeException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionService;
import dev.consent.retention.RetentionVerdict;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.LogPolicy;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcessingLogTest {
    static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");
    static final PurposeId ORDERS = PurposeId.of("order.fulfilment");
    static final PurposeId SHIPPING = PurposeId.of("shipping");
    static final CategoryId EMAIL = CategoryId.of("contact.email");
    static final CategoryId ORDER_RECORD = CategoryId.of("order.record");
    static final CategoryId ADDRESS = CategoryId.of("delivery.address");
    static final byte[] KEY = "a pseudonym key of 32 bytes.....".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final MutableClock clock = MutableClock.at("2025-03-04T09:00:00Z");
    private final CountingStore store = new CountingStore();
    private final ConsentService consents = ConsentService.builder().policy(policy("P1Y", DisposalAction.DELETE))
            .store(store).clock(clock).build();
    private final RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(policy("P1Y", DisposalAction.DELETE))
            .store(store).clock(clock).build();
    private final ProcessingLog log = ProcessingLog.builder().consents(consents).store(store).retention(retention)
            .pseudonymKey(KEY).build();
    private final SubjectId alice = SubjectId.of("alice");

    static Policy policy(String period, DisposalAction action) {
        return LogPolicy.policy(period, action);
    }

    /** Counts the store calls a bulk use makes, and runs a hook once just before the next append. */
    static class CountingStore extends ForwardingStore {
        final AtomicInteger appends = new AtomicInteger();
        final AtomicInteger decisionReads = new AtomicInteger();
        volatile Runnable beforeNextAppend;

        @Override
        public UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition) {
            appends.incrementAndGet();
            Runnable hook = beforeNextAppend;
            beforeNextAppend = null;
            if (hook != null) {
                hook.run();
            }
            return super.appendUses(entries, feedPosition);
        }

        @Override
        public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects) {
            decisionReads.incrementAndGet();
            return super.decisionFacts(subjects);
        }
    }

    @AfterEach
    void close() {
        consents.close();
    }

    private void grant(SubjectId subject, PurposeId purpose) {
        consents.grant(subject, purpose, Capture.by(Method.CHECKBOX));
    }

    /** Seed 002: "All internal data usage activities are systematically logged"; GDPR Art. 30(1)(b), (c). */
    @Test
    void anAllowedUseIsLoggedWithTheDecisionItRestsOn() {
        grant(alice, SHIPPING);
        clock.advance(Duration.ofMinutes(5));

        ProcessingEntry entry = log.use(alice, SHIPPING, Set.of(ADDRESS), "product shipment");

        assertThat(entry.subject()).contains(alice);
        assertThat(entry.purpose()).isEqualTo(SHIPPING);
        assertThat(entry.categories()).containsExactly(ADDRESS);
        assertThat(entry.use()).isEqualTo("product shipment");
        assertThat(entry.at()).isEqualTo(Instant.parse("2025-03-04T09:05:00Z"));
        assertThat(entry.basis()).isEqualTo(LegalBasis.CONSENT);
        assertThat(entry.reason()).isEqualTo(Reason.GRANTED);
        assertThat(entry.policyVersion()).isEqualTo("3");
        assertThat(entry.decidingEvent()).contains(new EventRef(alice, 1));
        assertThat(entry.batch()).isEmpty();
        assertThat(log.uses(alice)).containsExactly(entry);

        clock.advance(Duration.ofSeconds(1)); // entries of one microsecond list in id order, not in logging order
        ProcessingEntry contract = log.use(alice, ORDERS, List.of(ORDER_RECORD, EMAIL), "invoice sent");
        assertThat(contract.reason()).isEqualTo(Reason.BASIS_CONTRACT);
        assertThat(contract.decidingEvent()).isEmpty();
        assertThat(log.uses(alice)).containsExactly(entry, contract);
    }

    /** GDPR Art. 6(1) and 7(3): no basis, or a withdrawn one, means no processing, and nothing on the log. */
    @Test
    void aRefusedUseThrowsWithItsDecisionAndLogsNothing() {
        assertThatThrownBy(() -> log.use(alice, NEWSLETTER, Set.of(EMAIL), "newsletter #12"))
                .isInstanceOfSatisfying(ProcessingRefusedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NO_RECORD);
                    assertThat(e.decision().purpose()).isEqualTo(NEWSLETTER);
                    assertThat(e.getMessage()).contains("NO_RECORD").doesNotContain("alice");
                });
        grant(alice, NEWSLETTER);
        consents.withdraw(alice, NEWSLETTER, Capture.by(Method.UNSUBSCRIBE_LINK));
        assertThatThrownBy(() -> log.use(alice, NEWSLETTER, Set.of(EMAIL), "newsletter #12"))
                .isInstanceOfSatisfying(ProcessingRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.WITHDRAWN));
        assertThat(log.uses(alice)).isEmpty();
        assertThat(store.appends).as("nothing was even offered to the store").hasValue(0);
    }

    /** GDPR Art. 5(1)(b), purpose limitation: a use touches only the categories its purpose declares. */
    @Test
    void aUseTouchesOnlyItsPurposesCategoriesOfADeclaredPurpose() {
        grant(alice, SHIPPING);
        assertThatThrownBy(() -> log.use(alice, SHIPPING, Set.of(ADDRESS, EMAIL), "shipment"))
                .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                    assertThat(e.field()).isEqualTo("categories");
                    assertThat(e.value()).isEqualTo("contact.email");
                    assertThat(e.rule()).contains("Art. 5(1)(b)");
                });
        assertThatThrownBy(() -> log.use(alice, SHIPPING, Set.of(), "shipment"))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("categories");
        assertThatThrownBy(() -> log.use(alice, PurposeId.of("profiling"), Set.of(EMAIL), "x"))
                .isInstanceOf(UnknownPurposeException.class);
        assertThatThrownBy(() -> log.use(alice, SHIPPING, Set.of(ADDRESS), "line\nbreak"))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("use");
        assertThatThrownBy(() -> log.useAll(List.of(alice), SHIPPING, Set.of(EMAIL), "x"))
                .isInstanceOf(InvalidValueException.class);
        assertThat(log.uses(alice)).isEmpty();
        assertThat(store.decisionReads).as("refused before any store access").hasValue(0);
    }

    /**
     * The check and the append are atomic: a withdrawal that commits after the decision was read but before the
     * entry is appended is not missed (GDPR Art. 7(3)); the use is decided again and refused.
     */
    @Test
    void aWithdrawalCommittedBetweenTheCheckAndTheAppendIsNotMissed() {
        grant(alice, SHIPPING);
        store.beforeNextAppend = () -> consents.withdraw(alice, SHIPPING, Capture.by(Method.ACCOUNT_SETTINGS));

        assertThatThrownBy(() -> log.use(alice, SHIPPING, Set.of(ADDRESS), "product shipment"))
                .isInstanceOfSatisfying(ProcessingRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.WITHDRAWN));
        assertThat(log.uses(alice)).isEmpty();
        assertThat(store.appends).hasValue(1);
    }

    /** The check reads the store: another node's withdrawal counts even where this node's cache has not seen it. */
    @Test
    void theCheckIsFreshEvenWhenTheConsentCacheIsStale() {
        grant(alice, SHIPPING);
        assertThat(consents.check(alice, SHIPPING).allowed()).isTrue(); // cached on this node
        try (ConsentService otherNode = ConsentService.builder().policy(policy("P1Y", DisposalAction.DELETE))
                .store(store).clock(clock).build()) {
            otherNode.withdraw(alice, SHIPPING, Capture.by(Method.ACCOUNT_SETTINGS));
        }
        assertThat(consents.check(alice, SHIPPING).allowed()).as("this node's cache lags").isTrue();

        assertThatThrownBy(() -> log.use(alice, SHIPPING, Set.of(ADDRESS), "product shipment"))
                .isInstanceOf(ProcessingRefusedException.class);
        assertThat(log.uses(alice)).isEmpty();
    }

    /** Seed 002 and DESIGN: a campaign logs who was included on which decision, in a set-based way. */
    @Test
    void aCampaignLogsOnlyTheAllowedSubjectsOneWritePerChunkAndSaysWhoWasLeftOut() {
        ProcessingLog chunked = ProcessingLog.builder().consents(consents).store(store).pseudonymKey(KEY)
                .bulkChunkSize(1_000).build();
        List<SubjectId> audience = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            SubjectId s = SubjectId.of("customer-" + i);
            audience.add(s);
            if (i % 2 == 0) {
                grant(s, NEWSLETTER);
            }
        }
        audience.add(SubjectId.of("customer-0")); // listed twice, logged once
        store.appends.set(0);
        store.decisionReads.set(0);

        CampaignUse campaign = chunked.useAll(audience, NEWSLETTER, Set.of(EMAIL), "spring newsletter");

        assertThat(store.appends).as("one append per chunk of 1,000").hasValue(3);
        assertThat(store.decisionReads).as("one decision read per chunk").hasValue(3);
        assertThat(campaign.included()).hasSize(1_250).startsWith(SubjectId.of("customer-0"), SubjectId.of("customer-2"))
                .doesNotHaveDuplicates();
        assertThat(campaign.excluded()).hasSize(1_250).allSatisfy((s, d) -> assertThat(d.reason())
                .isEqualTo(Reason.NO_RECORD));
        assertThat(campaign.batch()).startsWith("batch-");
        assertThat(log.uses(SubjectId.of("customer-2"))).singleElement().satisfies(e -> {
            assertThat(e.batch()).contains(campaign.batch());
            assertThat(e.use()).isEqualTo("spring newsletter");
            assertThat(e.reason()).isEqualTo(Reason.GRANTED);
            assertThat(e.decidingEvent()).contains(new EventRef(SubjectId.of("customer-2"), 1));
        });
        assertThat(log.uses(SubjectId.of("customer-0"))).hasSize(1);
        assertThat(log.uses(SubjectId.of("customer-1"))).isEmpty();
        assertThat(log.count(NEWSLETTER, clock.instant(), clock.instant().plusSeconds(1))).isEqualTo(1_250);
    }

    @Test
    void aCampaignDecidesAgainOnlyTheSubjectsWhoseConsentsChangedMeanwhile() {
        SubjectId bob = SubjectId.of("bob");
        SubjectId carol = SubjectId.of("carol");
        for (SubjectId s : List.of(alice, bob, carol)) {
            grant(s, NEWSLETTER);
        }
        store.beforeNextAppend = () -> consents.withdraw(bob, NEWSLETTER, Capture.by(Method.UNSUBSCRIBE_LINK));

        CampaignUse campaign = log.useAll(List.of(alice, bob, carol), NEWSLETTER, Set.of(EMAIL), "newsletter #13");

        assertThat(campaign.included()).containsExactly(alice, carol);
        assertThat(campaign.excluded()).containsOnlyKeys(bob);
        assertThat(campaign.excluded().get(bob).reason()).isEqualTo(Reason.WITHDRAWN);
        assertThat(log.uses(bob)).isEmpty();
        assertThat(store.appends).as("refused once, then the unchanged two appended").hasValue(2);
    }

    /**
     * GDPR Art. 17 with Art. 5(2), seed 002 ("while preserving transaction traceability"): erasure pseudonymises the
     * subject's entries (and its linked visitors'): they no longer name anyone, and still count with their dates.
     */
    @Test
    void erasurePseudonymisesTheSubjectsEntriesAndKeepsCountsAndDates() {
        SubjectId visitor = dev.consent.ledger.VisitorId.of("visitor-7").subject();
        consents.link(dev.consent.ledger.VisitorId.from(visitor).orElseThrow(), alice);
        grant(alice, SHIPPING);
        log.use(alice, SHIPPING, Set.of(ADDRESS), "product shipment");
        clock.advance(Duration.ofDays(1));
        log.use(alice, ORDERS, Set.of(ORDER_RECORD), "order verification");
        log.use(visitor, ORDERS, Set.of(EMAIL), "guest order");
        log.use(SubjectId.of("bob"), ORDERS, Set.of(EMAIL), "order verification");
        Instant from = Instant.parse("2025-03-01T00:00:00Z");
        Instant until = Instant.parse("2025-04-01T00:00:00Z");
        List<Instant> dates = log.uses(alice).stream().map(ProcessingEntry::at).toList();

        RightsService rights = RightsService.builder().consents(consents).retention(retention).processing(log)
                .store(store).build();
        RightsRequest request = rights.receive(alice, RequestType.ERASURE, "email");
        rights.verifyIdentity(request.id(), "support", "email link");
        rights.erase(request.id(), "support");

        assertThat(log.uses(alice)).isEmpty();
        assertThat(log.uses(visitor)).isEmpty();
        assertThat(log.uses(SubjectId.of("bob"))).hasSize(1);
        List<ProcessingEntry> kept = log.pseudonymisedUses(alice);
        assertThat(kept).extracting(ProcessingEntry::at).containsExactlyElementsOf(dates);
        assertThat(kept).extracting(ProcessingEntry::purpose).containsExactly(SHIPPING, ORDERS);
        assertThat(kept).allSatisfy(e -> {
            assertThat(e.subject()).isEmpty();
            assertThat(e.subjectKey()).isEqualTo(log.pseudonymOf(alice)).doesNotContain("alice");
            assertThat(e.decidingEvent()).isEmpty();
        });
        assertThat(log.pseudonymisedUses(visitor)).hasSize(1);
        assertThat(log.count(ORDERS, from, until)).isEqualTo(3);
        assertThat(log.count(SHIPPING, from, until)).isEqualTo(1);
        assertThat(rights.request(request.id()).outcome()).hasValueSatisfying(o -> assertThat(o)
                .contains("3 processing log entries"));
        assertThat(log.pseudonymise(alice)).as("idempotent").isZero();
    }

    @Test
    void pseudonymsAreKeyedAndStable() {
        ProcessingLog otherKey = ProcessingLog.builder().consents(consents).store(store)
                .pseudonymKey("another key, also long enough".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .build();
        assertThat(log.pseudonymOf(alice)).hasSize(64).isEqualTo(log.pseudonymOf(SubjectId.of("alice")))
                .isNotEqualTo(log.pseudonymOf(SubjectId.of("bob")))
                .isNotEqualTo(otherKey.pseudonymOf(alice));
    }

    /** GDPR Art. 5(1)(e): the log's entries go when the log category's rule ends, each counted from its recording. */
    @Test
    void thePurgeDeletesEntriesPastTheLogsRuleAndKeepsHeldSubjectsAndNewerEntries() {
        SubjectId bob = SubjectId.of("bob");
        SubjectId carol = SubjectId.of("carol");
        log.use(alice, ORDERS, Set.of(ORDER_RECORD), "order verification");
        log.use(bob, ORDERS, Set.of(ORDER_RECORD), "order verification");
        log.use(carol, ORDERS, Set.of(ORDER_RECORD), "order verification");
        log.pseudonymise(carol);
        clock.advance(Duration.ofDays(180));
        log.use(alice, ORDERS, Set.of(ORDER_RECORD), "refund");
        retention.placeHold(bob, Set.of(CategoryId.of("processing.log")), "litigation 4711", "legal");

        clock.set(Instant.parse("2026-03-04T08:59:59.999999Z")); // a microsecond before the first entries are a year old
        LogPurge early = log.purgeExpired();
        assertThat(early.status()).isEqualTo(RetentionVerdict.Status.DUE);
        assertThat(early.cutoff()).contains(Instant.parse("2025-03-04T08:59:59.999999Z"));
        assertThat(early.deleted()).isZero();
        assertThat(log.uses(alice)).hasSize(2);

        clock.set(Instant.parse("2026-03-04T09:00:00Z"));
        LogPurge purge = log.purgeExpired();

        assertThat(purge.cutoff()).contains(Instant.parse("2025-03-04T09:00:00Z"));
        assertThat(purge.action()).contains(DisposalAction.DELETE);
        assertThat(purge.rule()).contains("log-kept");
        assertThat(purge.deleted()).as("alice's first entry and carol's pseudonymised one").isEqualTo(2);
        assertThat(purge.heldSubjects()).isEqualTo(1);
        assertThat(log.uses(alice)).singleElement().satisfies(e -> assertThat(e.use()).isEqualTo("refund"));
        assertThat(log.uses(bob)).hasSize(1);
        assertThat(log.pseudonymisedUses(carol)).isEmpty();
    }

    /**
     * The cutoff comes from the retention engine, not from subtracting the period: a month from 28 and from 31
     * January both end on 28 February, so on 28 February both entries are due (now minus one month is 28 January,
     * which would keep the one from 31 January beyond its rule).
     */
    @Test
    void thePurgeCountsCalendarPeriodsAsTheRetentionEngineDoes() {
        MutableClock winter = MutableClock.at("2025-01-28T11:00:00Z");
        Policy monthly = policy("P1M", DisposalAction.DELETE);
        try (ConsentService c = ConsentService.builder().policy(monthly).store(store).clock(winter).build()) {
            RetentionService r = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(monthly).store(store).clock(winter).build();
            ProcessingLog monthlyLog = ProcessingLog.builder().consents(c).store(store).retention(r).pseudonymKey(KEY)
                    .build();
            monthlyLog.use(alice, ORDERS, Set.of(ORDER_RECORD), "28 January");
            winter.set(Instant.parse("2025-01-31T11:00:00Z"));
            monthlyLog.use(alice, ORDERS, Set.of(ORDER_RECORD), "31 January");
            winter.set(Instant.parse("2025-02-01T11:00:00Z"));
            monthlyLog.use(alice, ORDERS, Set.of(ORDER_RECORD), "1 February");

            winter.set(Instant.parse("2025-02-28T11:00:00Z"));
            assertThat(monthlyLog.purgeExpired().deleted()).isEqualTo(2);
            assertThat(monthlyLog.uses(alice)).extracting(ProcessingEntry::use).containsExactly("1 February");
        }
    }

    @Test
    void anAnonymizeRulePseudonymisesInsteadOfDeleting() {
        Policy anonymize = policy("P30D", DisposalAction.ANONYMIZE);
        try (ConsentService c = ConsentService.builder().policy(anonymize).store(store).clock(clock).build()) {
            RetentionService r = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(anonymize).store(store).clock(clock).build();
            ProcessingLog l = ProcessingLog.builder().consents(c).store(store).retention(r).pseudonymKey(KEY).build();
            l.use(alice, ORDERS, Set.of(ORDER_RECORD), "order verification");
            clock.advance(Duration.ofDays(31));
            l.use(alice, ORDERS, Set.of(ORDER_RECORD), "refund");

            LogPurge purge = l.purgeExpired();

            assertThat(purge.action()).contains(DisposalAction.ANONYMIZE);
            assertThat(purge.pseudonymised()).isEqualTo(1);
            assertThat(purge.deleted()).isZero();
            assertThat(l.uses(alice)).extracting(ProcessingEntry::use).containsExactly("refund");
            assertThat(l.pseudonymisedUses(alice)).extracting(ProcessingEntry::use).containsExactly("order verification");
        }
    }

    @Test
    void nothingIsPurgedBeforeTheRuleEndsForAnyEntry() {
        clock.set(Instant.parse("2025-03-05T00:00:00Z"));
        log.use(alice, ORDERS, Set.of(ORDER_RECORD), "order verification");
        LogPurge purge = log.purgeExpired();
        assertThat(purge.deleted()).isZero();
        assertThat(log.uses(alice)).hasSize(1);
        ProcessingLog withoutRetention = ProcessingLog.builder().consents(consents).store(store).pseudonymKey(KEY)
                .build();
        assertThatThrownBy(withoutRetention::purgeExpired).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("retention");
    }

    /** GDPR Art. 5(1)(e): a log without a retention rule of its own would be kept forever, so it is not built. */
    @Test
    void theLogIsBuiltOnlyWithACategoryThatHasARetentionRuleAndAKey() {
        assertThatThrownBy(() -> ProcessingLog.builder().consents(consents).store(store).build())
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("pseudonymKey");
        assertThatThrownBy(() -> ProcessingLog.builder().pseudonymKey(new byte[15]))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("16 bytes");
        assertThatThrownBy(() -> ProcessingLog.builder().consents(consents).pseudonymKey(KEY).build())
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("store");
        assertThatThrownBy(() -> ProcessingLog.builder().consents(consents).store(store).pseudonymKey(KEY)
                .logCategory("audit.log").build())
                .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                    assertThat(e.field()).isEqualTo("logCategory");
                    assertThat(e.rule()).contains("not declared").contains("Art. 5(1)(e)");
                });
        assertThatThrownBy(() -> ProcessingLog.builder().consents(consents).store(store).pseudonymKey(KEY)
                .logCategory("order.record").build())
                .isInstanceOfSatisfying(InvalidValueException.class,
                        e -> assertThat(e.rule()).contains("no MAXIMUM retention rule"));
        assertThatThrownBy(() -> ProcessingLog.builder().bulkChunkSize(0)).isInstanceOf(InvalidValueException.class);
    }
}
