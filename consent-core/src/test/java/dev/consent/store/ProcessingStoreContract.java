package dev.consent.store;

import dev.consent.ConflictException;
import dev.consent.ConsentService;
import dev.consent.Reason;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.PurposeId;
import dev.consent.processing.ProcessingEntry;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The behaviour every {@link ProcessingStore} must have (the store of the processing log; seed 002, GDPR Art. 30 and
 * 5(2)). Published in consent-core's test-jar. Consent changes are made through a {@link ConsentService} on the same
 * store, as in production: the append's guard is that store's change feed.
 */
public abstract class ProcessingStoreContract {
    protected static final Instant T0 = Instant.parse("2025-03-04T09:00:00.123456Z");
    private static final String PSEUDONYM_A = "a".repeat(64);
    private static final String PSEUDONYM_B = "0123456789abcdef".repeat(4);
    protected ProcessingStore store;
    private ConsentService consents;
    private int ids;

    /** A new, empty store. Called before every test. */
    protected abstract ProcessingStore createProcessingStore();

    @BeforeEach
    void freshStore() {
        store = createProcessingStore();
        consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store).cacheSize(0).build();
    }

    @AfterEach
    void closeConsents() {
        consents.close();
    }

    private ProcessingEntry entry(String subject, Instant at) {
        return entry(subject, at, "order verification");
    }

    private ProcessingEntry entry(String subject, Instant at, String use) {
        return new ProcessingEntry("use-" + (++ids), subject, false, ShopPolicy.ORDERS,
                new TreeSet<>(Set.of(CategoryId.of("order.record"))), use, Optional.empty(), at, LegalBasis.CONTRACT,
                Reason.BASIS_CONTRACT, "1", OptionalLong.empty(), Optional.empty());
    }

    private List<ProcessingEntry> all(SubjectId subject) {
        return store.uses(subject, 1_000);
    }

    @Test
    void entriesRoundTripExactlyInTimeOrderAndPageByCursor() {
        String hostile = "alice \u05e9\u05dc\u05d5\u05dd'; DROP TABLE x; --";
        ProcessingEntry full = new ProcessingEntry("use-full", hostile, false, ShopPolicy.MARKETING_EMAIL,
                new TreeSet<>(Set.of(CategoryId.of("contact.email"), CategoryId.of("contact.phone"))),
                "spring campaign \"50%\" \u2014 \ud83d\udce7", Optional.of("batch-1"), T0.plusSeconds(60),
                LegalBasis.CONSENT, Reason.GRANTED, "2025-01 \u00e9", OptionalLong.of(7),
                Optional.of(SubjectId.of("visitor \u00e9")));
        ProcessingEntry first = entry(hostile, T0);
        ProcessingEntry sameInstantLaterId = new ProcessingEntry("use-z", hostile, false, ShopPolicy.ORDERS,
                first.categories(), "x", Optional.empty(), T0, LegalBasis.CONTRACT, Reason.BASIS_CONTRACT, "1",
                OptionalLong.of(1), Optional.empty());
        ProcessingEntry other = entry("bob", T0);

        assertThat(store.appendUses(List.of(full, sameInstantLaterId, first, other), store.changeCursor().position())
                .appended()).isTrue();

        SubjectId alice = SubjectId.of(hostile);
        assertThat(all(alice)).containsExactly(first, sameInstantLaterId, full);
        assertThat(all(SubjectId.of("bob"))).containsExactly(other);
        assertThat(all(SubjectId.of("Alice"))).isEmpty();
        List<ProcessingEntry> paged = new ArrayList<>();
        for (List<ProcessingEntry> page = store.uses(alice, 2); !page.isEmpty();
                page = store.usesAfter(alice, ProcessingStore.UseCursor.of(page.get(page.size() - 1)), 2)) {
            paged.addAll(page);
        }
        assertThat(paged).containsExactly(first, sameInstantLaterId, full);
        assertThat(store.appendUses(List.of(), store.changeCursor().position()).appended()).isTrue();
    }

    /**
     * GDPR Art. 7(3) and seed 002: a use must not be logged (and so done) after a withdrawal that was already on
     * record; the guard sees every change after the position the decision was read at, and refuses the whole batch.
     */
    @Test
    void anAppendIsRefusedWholeWhenASubjectsConsentsChangedAfterThePosition() {
        SubjectId alice = SubjectId.of("alice");
        consents.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        long read = store.changeCursor().position();
        consents.withdraw(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.UNSUBSCRIBE_LINK));

        ProcessingStore.UseAppend refused = store.appendUses(List.of(entry("bob", T0), entry("alice", T0)), read);

        assertThat(refused.appended()).isFalse();
        assertThat(refused.changedSubjects()).containsExactly(alice);
        assertThat(all(alice)).isEmpty();
        assertThat(all(SubjectId.of("bob"))).as("all or nothing").isEmpty();

        assertThat(store.appendUses(List.of(entry("alice", T0)), store.changeCursor().position()).appended())
                .as("a position read after the change").isTrue();
        assertThat(all(alice)).hasSize(1);
    }

    @Test
    void changesOfOtherSubjectsAndChangesAtOrBeforeThePositionDoNotRefuse() {
        consents.grant(SubjectId.of("alice"), ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        long read = store.changeCursor().position();
        consents.grant(SubjectId.of("carol"), ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));

        assertThat(store.appendUses(List.of(entry("alice", T0), entry("bob", T0)), read).appended()).isTrue();
        assertThat(all(SubjectId.of("alice"))).hasSize(1);
        assertThat(all(SubjectId.of("bob"))).hasSize(1);
    }

    /** A visitor's choices count for the customer it is linked to, so linking and their choices are its changes. */
    @Test
    void aLinkedVisitorAndItsChoicesAreChangesOfTheCustomer() {
        SubjectId alice = SubjectId.of("alice");
        SubjectId visitor = dev.consent.ledger.VisitorId.of("visitor-1").subject();
        long beforeLink = store.changeCursor().position();
        consents.link(dev.consent.ledger.VisitorId.from(visitor).orElseThrow(), alice);
        assertThat(store.appendUses(List.of(entry("alice", T0)), beforeLink).changedSubjects()).containsExactly(alice);

        long beforeChoice = store.changeCursor().position();
        consents.deny(visitor, ShopPolicy.ADS, Capture.by(Method.COOKIE_BANNER));
        assertThat(store.appendUses(List.of(entry("alice", T0)), beforeChoice).changedSubjects())
                .containsExactly(alice);
        assertThat(all(alice)).isEmpty();
    }

    @Test
    void anIdAlreadyStoredOrRepeatedIsAConflictAndNothingIsWritten() {
        ProcessingEntry a = entry("alice", T0);
        store.appendUses(List.of(a), store.changeCursor().position());
        ProcessingEntry b = entry("bob", T0);

        assertThatThrownBy(() -> store.appendUses(List.of(b, a), store.changeCursor().position()))
                .isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> store.appendUses(List.of(b, b), store.changeCursor().position()))
                .isInstanceOf(ConflictException.class);
        assertThat(all(SubjectId.of("bob"))).isEmpty();
        assertThat(all(SubjectId.of("alice"))).containsExactly(a);
    }

    /**
     * Seed 002 ("while preserving transaction traceability") and GDPR Art. 5(2): pseudonymised entries lose the
     * subject's id and any linked visitor's id, and keep everything else, so counts and dates stay.
     */
    @Test
    void pseudonymisingReplacesTheIdsAndKeepsCountsAndDates() {
        SubjectId alice = SubjectId.of("alice");
        ProcessingEntry early = entry("alice", T0);
        ProcessingEntry viaVisitor = new ProcessingEntry("use-visitor", "alice", false, ShopPolicy.ADS,
                new TreeSet<>(Set.of(CategoryId.of("device.id"))), "retargeting", Optional.of("batch-9"),
                T0.plusSeconds(3_600), LegalBasis.CONSENT, Reason.GRANTED, "1", OptionalLong.of(2),
                Optional.of(SubjectId.of("visitor-1")));
        ProcessingEntry bobs = entry("bob", T0);
        store.appendUses(List.of(early, viaVisitor, bobs), store.changeCursor().position());
        long before = store.countUses(ShopPolicy.ORDERS, T0, T0.plusSeconds(1));

        assertThat(store.pseudonymiseUpTo(Map.of(alice, PSEUDONYM_A), T0)).isEqualTo(1);
        assertThat(all(alice)).containsExactly(viaVisitor);
        assertThat(store.pseudonymisedUses(PSEUDONYM_A, 10))
                .containsExactly(early.pseudonymisedAs(PSEUDONYM_A));

        assertThat(store.pseudonymise(Map.of(alice, PSEUDONYM_A))).isEqualTo(1);
        assertThat(store.pseudonymise(Map.of(alice, PSEUDONYM_A))).as("idempotent").isZero();
        assertThat(all(alice)).isEmpty();
        List<ProcessingEntry> kept = store.pseudonymisedUses(PSEUDONYM_A, 10);
        assertThat(kept).containsExactly(early.pseudonymisedAs(PSEUDONYM_A), viaVisitor.pseudonymisedAs(PSEUDONYM_A));
        assertThat(kept.get(1).decidingEventVisitor()).isEmpty();
        assertThat(kept.get(1).decidingEventSequence()).hasValue(2);
        assertThat(kept.get(1).batch()).contains("batch-9");
        assertThat(kept).allSatisfy(e -> assertThat(e.subject()).isEmpty());
        assertThat(store.countUses(ShopPolicy.ORDERS, T0, T0.plusSeconds(1))).isEqualTo(before).isEqualTo(2);
        assertThat(all(SubjectId.of("bob"))).containsExactly(bobs);
        assertThat(store.pseudonymisedUses(PSEUDONYM_B, 10)).isEmpty();
    }

    @Test
    void usesAreCountedByPurposeInAHalfOpenInterval() {
        store.appendUses(List.of(entry("alice", T0), entry("bob", T0.plusSeconds(10)), entry("carol",
                T0.plusSeconds(20))), store.changeCursor().position());
        store.pseudonymise(Map.of(SubjectId.of("carol"), PSEUDONYM_B));

        assertThat(store.countUses(ShopPolicy.ORDERS, T0, T0.plusSeconds(20))).isEqualTo(2);
        assertThat(store.countUses(ShopPolicy.ORDERS, T0.plusNanos(1_000), T0.plusSeconds(21))).isEqualTo(2);
        assertThat(store.countUses(ShopPolicy.ORDERS, T0, T0.plusSeconds(21))).isEqualTo(3);
        assertThat(store.countUses(ShopPolicy.TAX, T0, T0.plusSeconds(21))).isZero();
    }

    /** The log's own retention (GDPR Art. 5(1)(e)) works on these three calls: list, delete, delete pseudonymised. */
    @Test
    void entriesAtOrBeforeACutoffAreListedBySubjectAndDeleted() {
        Instant cutoff = T0.plusSeconds(100);
        List<ProcessingEntry> entries = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            entries.add(entry("subject-" + i, T0.plusSeconds(i * 50L)));
        }
        entries.add(entry("subject-0", cutoff.plusNanos(1_000)));
        entries.add(entry("pseudo", cutoff));
        entries.add(entry("pseudo", cutoff.plusSeconds(1)));
        store.appendUses(entries, store.changeCursor().position());
        store.pseudonymise(Map.of(SubjectId.of("pseudo"), PSEUDONYM_B));

        List<SubjectId> listed = new ArrayList<>();
        for (List<SubjectId> page = store.subjectsWithUses(cutoff, 2); !page.isEmpty();
                page = store.subjectsWithUsesAfter(cutoff, page.get(page.size() - 1), 2)) {
            listed.addAll(page);
        }
        assertThat(listed).containsExactlyInAnyOrder(SubjectId.of("subject-0"), SubjectId.of("subject-1"),
                SubjectId.of("subject-2")).doesNotHaveDuplicates();

        assertThat(store.deleteUses(List.of(SubjectId.of("subject-0"), SubjectId.of("subject-2"),
                SubjectId.of("subject-5")), cutoff)).isEqualTo(2);
        assertThat(all(SubjectId.of("subject-0"))).singleElement()
                .satisfies(e -> assertThat(e.at()).isEqualTo(cutoff.plusNanos(1_000)));
        assertThat(all(SubjectId.of("subject-1"))).hasSize(1);
        assertThat(all(SubjectId.of("subject-2"))).isEmpty();
        assertThat(all(SubjectId.of("subject-5"))).hasSize(1);

        assertThat(store.deletePseudonymisedUses(cutoff)).isEqualTo(1);
        assertThat(store.pseudonymisedUses(PSEUDONYM_B, 10)).singleElement()
                .satisfies(e -> assertThat(e.at()).isEqualTo(cutoff.plusSeconds(1)));
        assertThat(store.subjectsWithUses(cutoff, 10)).containsExactly(SubjectId.of("subject-1"));
    }
}
