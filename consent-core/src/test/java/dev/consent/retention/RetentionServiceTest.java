package dev.consent.retention;

import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.store.InMemoryStore;
import dev.consent.store.RetentionStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class RetentionServiceTest {
    private final MutableClock clock = MutableClock.at("2025-01-10T09:00:00Z");
    /** Leases run on the store's clock: the same test clock here, so that tests can run them out. */
    private final InMemoryStore store = new InMemoryStore(clock);
    private final List<DisposalRequest> disposed = Collections.synchronizedList(new ArrayList<>());
    private final SubjectId alice = SubjectId.of("alice");

    private RetentionService.Builder service() {
        return RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .policy(RetentionPolicy.policy()).store(store).clock(clock);
    }

    private final RetentionService retention = service().build();

    /** A sweeper of {@link #retention} with a handler for each category that records what it was asked to do. */
    private Sweeper.Builder sweeper() {
        return Sweeper.builder(retention)
                .handler("contact.email", disposed::add).handler("order.record", disposed::add)
                .handler("access.log", disposed::add).handler("support.ticket", disposed::add)
                .retryBackoff(Duration.ofMinutes(1), Duration.ofHours(1)).lease(Duration.ofMinutes(5));
    }

    private static long count(List<DisposalRecord> audit, DisposalRecord.Outcome outcome) {
        return audit.stream().filter(r -> r.outcome() == outcome).count();
    }

    @Test
    void anchorsMoveTheDueDateAndTheSweeperDisposesOnlyWhatIsDue() {
        Sweeper sweeper = sweeper().build();
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        clock.advance(Duration.ofDays(400));
        RetentionVerdict v = retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        assertThat(v.dueAt()).contains(Instant.parse("2028-02-14T09:00:00Z"));
        // a late delivery of an older purchase does not move it back
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, Instant.parse("2025-01-10T09:00:00Z"));
        assertThat(retention.verdict(ItemKey.of("alice", "contact.email")).dueAt())
                .contains(Instant.parse("2028-02-14T09:00:00Z"));

        clock.set(Instant.parse("2027-06-01T00:00:00Z"));
        assertThat(retention.plan(clock.instant()).due()).isZero();
        assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).disposed()).isZero();

        clock.set(Instant.parse("2028-02-14T09:00:00Z"));
        DisposalPlan plan = retention.plan(clock.instant());
        assertThat(plan.due()).isEqualTo(1);
        assertThat(plan.dueByRule()).containsEntry("email-2y", 1L);
        assertThat(disposed).isEmpty(); // the plan disposes of nothing

        SweepReport report = sweeper.sweep(100, Duration.ofSeconds(10));
        assertThat(report.disposed()).isEqualTo(1);
        assertThat(disposed).singleElement().satisfies(r -> {
            assertThat(r.item()).isEqualTo(ItemKey.of("alice", "contact.email"));
            assertThat(r.action()).isEqualTo(DisposalAction.DELETE);
            assertThat(r.ruleId()).isEqualTo("email-2y");
            assertThat(r.dueAt()).isEqualTo(Instant.parse("2028-02-14T09:00:00Z"));
            assertThat(r.attempt()).isEqualTo(1);
        });
        DisposalRecord audit = retention.disposals(0, 10).get(0);
        assertThat(audit.outcome()).isEqualTo(DisposalRecord.Outcome.DISPOSED);
        assertThat(audit.ruleId()).isEqualTo("email-2y");
        assertThat(audit.policyVersion()).isEqualTo("7");
        assertThat(audit.anchor()).contains(Anchor.LAST_TRANSACTION);
        assertThat(audit.toString()).doesNotContain("alice"); // PII-free
        assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).claimed()).isZero();
        assertThat(retention.schedule(alice)).isEmpty();

        // a new purchase brings the item back
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        assertThat(retention.schedule(alice)).singleElement()
                .satisfies(s -> assertThat(s.status()).isEqualTo(RetentionVerdict.Status.KEEP));
    }

    @Test
    void erasureIsAnsweredPerItemWithWhatIsKeptWhyAndUntilWhen() {
        Sweeper sweeper = sweeper().build();
        Instant purchase = Instant.parse("2024-11-20T10:00:00Z");
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, purchase);
        retention.recordAnchor(alice, "order.record", Anchor.LAST_TRANSACTION, purchase);
        retention.recordAnchor(alice, "order.record", Anchor.COLLECTED, purchase);
        retention.recordAnchor(alice, "access.log", Anchor.COLLECTED, purchase);
        LegalHold hold = retention.placeHold(alice, Set.of(CategoryId.of("access.log")), "police request 17/25", "dpo");

        ErasureAnswer answer = retention.requestErasure(alice);

        assertThat(answer.entries()).hasSize(3);
        assertThat(answer.entries()).filteredOn(e -> e.item().category().value().equals("contact.email")).singleElement()
                .satisfies(e -> assertThat(e.outcome()).isEqualTo(ErasureAnswer.Outcome.DUE_NOW));
        assertThat(answer.kept()).anySatisfy(e -> {
            assertThat(e.item().category().value()).isEqualTo("order.record");
            assertThat(e.outcome()).isEqualTo(ErasureAnswer.Outcome.KEPT_UNTIL);
            assertThat(e.dueAt()).contains(Instant.parse("2031-12-31T23:00:00Z"));
            assertThat(e.ruleId()).contains("orders-tax-7y");
            assertThat(e.legalReference()).contains("AO §147(1), (4)");
        });
        assertThat(answer.kept()).anySatisfy(e -> {
            assertThat(e.outcome()).isEqualTo(ErasureAnswer.Outcome.HELD);
            assertThat(e.holds()).containsExactly(hold.id());
        });
        assertThat(answer.explain()).contains("order.record: kept until 2031-12-31T23:00:00Z because of rule orders-tax-7y");
        assertThat(retention.wasErased(alice)).isTrue();
        assertThat(retention.erasedAmong(List.of(alice, SubjectId.of("bob")))).containsExactly(alice);

        SweepReport report = sweeper.sweep(100, Duration.ofSeconds(10));
        assertThat(report.disposed()).isEqualTo(1);
        assertThat(report.skippedHeld()).isEqualTo(1);
        assertThat(disposed).extracting(r -> r.item().category().value()).containsExactly("contact.email");

        clock.advance(Duration.ofMinutes(1));
        retention.releaseHold(hold.id(), "dpo", "request withdrawn");
        assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(1);
        assertThat(disposed).extracting(r -> r.item().category().value()).containsExactly("contact.email", "access.log");
        assertThatThrownBy(() -> retention.releaseHold(hold.id(), "dpo", "again")).isInstanceOf(ConflictException.class);

        clock.set(Instant.parse("2031-12-31T23:00:00Z"));
        assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(1);
        assertThat(disposed.get(2).ruleId()).isEqualTo(RetentionVerdict.ERASURE_REQUEST);
    }

    @Test
    void reindexingAppliesAChangedPolicyToDataAlreadyHeld() {
        RetentionService v7 = service().build();
        v7.recordAnchor(alice, "access.log", Anchor.COLLECTED, clock.instant());
        v7.recordAnchor(SubjectId.of("bob"), "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        dev.consent.policy.Policy shorter = dev.consent.policy.Policy.builder("retention-shop", "8")
                .effectiveFrom(java.time.LocalDate.of(2025, 1, 1)).zone(RetentionPolicy.ZONE)
                .category("access.log", "logs").category("contact.email", "email")
                .purpose(dev.consent.policy.Purpose.builder("security").title("Security")
                        .basis(dev.consent.policy.LegalBasis.LEGITIMATE_INTERESTS).categories("access.log").build())
                .purpose(dev.consent.policy.Purpose.builder("orders").title("Orders")
                        .basis(dev.consent.policy.LegalBasis.CONTRACT).categories("contact.email").build())
                .retention(RetentionRule.maximum("logs-30d", "access.log", DisposalAction.DELETE).period("P30D")
                        .after(Anchor.COLLECTED).build())
                .retention(RetentionRule.maximum("email-2y", "contact.email", DisposalAction.DELETE).period("P2Y")
                        .after(Anchor.LAST_TRANSACTION).build())
                .build();
        RetentionService v8 = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(shorter).store(store).clock(clock).build();
        clock.advance(Duration.ofDays(31));
        assertThat(v8.plan(clock.instant()).due()).as("indexed under the old 90 days").isZero();

        assertThat(v8.reindexAll()).isEqualTo(1);
        assertThat(v8.plan(clock.instant()).dueByRule()).containsOnly(Map.entry("logs-30d", 1L));
        assertThat(v8.reindexAll()).isZero();
    }

    @Test
    void unknownCategoriesAreRejected() {
        assertThatThrownBy(() -> retention.recordAnchor(alice, "profiling.data", Anchor.COLLECTED, clock.instant()))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("profiling.data");
        assertThatThrownBy(() -> retention.releaseHold("hold-x", "a", "b")).isInstanceOf(InvalidValueException.class);
    }

    // ----------------------------------------------------------------------------- what outlives an erasure

    /** The unkeyed SHA-256 references of old, which anyone holding a list of emails could compute and match. */
    private static String unkeyedSha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /**
     * Issue 12: tombstones and audit references were unsalted SHA-256 of the subject id (often an email), so anyone
     * holding a list of emails could tell who was erased and which audit entries were about whom. They are now an
     * HMAC under the host's key, with the key's id.
     */
    @Test
    void tombstonesAndAuditEntriesCannotBeMatchedWithoutTheHostsKey() throws Exception {
        SubjectId jane = SubjectId.of("jane.doe@example.com");
        ItemKey logs = ItemKey.of(jane, CategoryId.of("access.log"));
        Sweeper sweeper = sweeper().build();
        retention.recordAnchor(logs, Anchor.COLLECTED, clock.instant().minus(Duration.ofDays(100)));
        retention.requestErasure(jane);
        assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(1);

        // what someone with a list of emails would compute, as the old references were made
        assertThat(store.tombstone(unkeyedSha256("subject\n" + jane.value()))).isEmpty();
        String unkeyedItem = unkeyedSha256(jane.value() + "\naccess.log\n");
        List<DisposalRecord> audit = retention.disposals(0, 10);
        assertThat(audit).singleElement().satisfies(r -> {
            assertThat(r.itemReference()).matches("test:[0-9a-f]{64}").doesNotContain(unkeyedItem);
            assertThat(r.idempotencyKey()).startsWith(r.itemReference() + ":").doesNotContain(unkeyedItem);
            assertThat(r.toString()).doesNotContain("jane");
        });
        assertThat(store.tombstone(ReferenceKey.of(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).subjectReference(jane)))
                .isPresent();
        assertThat(retention.wasErased(jane)).isTrue();
        assertThat(retention.wasErased(alice)).isFalse();
        assertThat(retention.refersTo(audit.get(0), logs)).isTrue();
        assertThat(retention.refersTo(audit.get(0), ItemKey.of(alice, CategoryId.of("access.log")))).isFalse();
        assertThat(retention.itemReference(logs)).isEqualTo(audit.get(0).itemReference());

        // the same key id with another secret (a leaked database without the key) matches nothing
        RetentionService stranger = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID,
                "some-other-secret-of-32-bytes!!!".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .policy(RetentionPolicy.policy()).store(store).clock(clock).build();
        assertThat(stranger.wasErased(jane)).isFalse();
        assertThat(stranger.refersTo(audit.get(0), logs)).isFalse();
    }

    @Test
    void aRotatedKeyStillRecognisesTheTombstonesAndAuditEntriesOfTheOldOne() {
        SubjectId jane = SubjectId.of("jane.doe@example.com");
        SubjectId bob = SubjectId.of("bob");
        ItemKey logs = ItemKey.of(jane, CategoryId.of("access.log"));
        RetentionService before = retention;
        before.recordAnchor(logs, Anchor.COLLECTED, clock.instant().minus(Duration.ofDays(100)));
        before.requestErasure(jane);
        sweeper().build().sweep(100, Duration.ofSeconds(10));
        DisposalRecord old = before.disposals(0, 10).get(0);

        byte[] next = "the-2026-reference-key-32-bytes!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        RetentionService after = service().referenceKey("2026-01", next)
                .retiredReferenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).build();
        assertThat(after.wasErased(jane)).isTrue();
        assertThat(after.refersTo(old, logs)).isTrue();
        after.requestErasure(bob);
        assertThat(store.tombstone(ReferenceKey.of("2026-01", next).subjectReference(bob))).isPresent();
        assertThat(after.itemReference(logs)).startsWith("2026-01:").isNotEqualTo(old.itemReference());

        // a key that is dropped no longer recognises what was made with it
        RetentionService forgetful = service().referenceKey("2026-01", next).build();
        assertThat(forgetful.wasErased(jane)).isFalse();
        assertThat(forgetful.wasErased(bob)).isTrue();
        assertThat(forgetful.refersTo(old, logs)).isFalse();
    }

    @Test
    void theReferenceKeyIsRequiredAndChecked() {
        RetentionService.Builder noKey = RetentionService.builder().policy(RetentionPolicy.policy()).store(store);
        assertThatThrownBy(noKey::build).isInstanceOf(InvalidValueException.class)
                .hasMessageStartingWith("referenceKey: null is required");
        assertThatThrownBy(() -> service().referenceKey("k", new byte[15])).isInstanceOf(InvalidValueException.class)
                .hasMessage("referenceKey.secret: \"15 bytes\" must be at least 16 bytes");
        assertThatThrownBy(() -> service().referenceKey("k", null)).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> service().referenceKey("bad id", new byte[16])).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> service().referenceKey("k".repeat(33), new byte[16]))
                .isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> service().retiredReferenceKey(TestKeys.REFERENCE_ID, new byte[16]).build())
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("is used by two reference keys");
        assertThat(ReferenceKey.of("k", TestKeys.REFERENCE).toString()).isEqualTo("ReferenceKey[k]");
    }

    /**
     * Issue 12: items disposed of after an erasure request kept their rows, with the subject id in clear text. An
     * erased subject's item rows go once they are disposed of (those disposed of before the request go at the
     * request); only what a legal minimum or a hold still keeps remains, until then.
     */
    @Test
    void afterAnErasureOnlyTheItemsStillKeptRemainAndThenTheyGoToo() {
        Sweeper sweeper = sweeper().build();
        Instant purchase = Instant.parse("2024-11-20T10:00:00Z");
        retention.recordAnchor(alice, "access.log", Anchor.COLLECTED, purchase.minus(Duration.ofDays(200)));
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, purchase);
        retention.recordAnchor(alice, "order.record", Anchor.LAST_TRANSACTION, purchase);
        retention.recordAnchor(SubjectId.of("bob"), "access.log", Anchor.COLLECTED, purchase.minus(Duration.ofDays(200)));
        assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(2); // both access logs
        assertThat(store.items(alice)).extracting(i -> i.key().category().value())
                .containsExactly("access.log", "contact.email", "order.record");

        retention.requestErasure(alice);
        assertThat(store.items(alice)).as("the log disposed of before the request goes with it")
                .extracting(i -> i.key().category().value()).containsExactly("contact.email", "order.record");
        assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(1);
        assertThat(store.items(alice)).as("only what the tax minimum keeps").singleElement().satisfies(i -> {
            assertThat(i.key().category().value()).isEqualTo("order.record");
            assertThat(i.state()).isEqualTo(RetainedItem.State.ACTIVE);
        });
        assertThat(store.items(SubjectId.of("bob"))).as("no erasure, nothing removed").singleElement()
                .extracting(RetainedItem::state).isEqualTo(RetainedItem.State.DISPOSED);

        clock.set(Instant.parse("2031-12-31T23:00:00Z"));
        assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(1);
        assertThat(store.items(alice)).isEmpty();
        assertThat(retention.disposals(0, 100)).filteredOn(r -> r.outcome() == DisposalRecord.Outcome.DISPOSED)
                .hasSize(4).allSatisfy(r -> assertThat(r.toString()).doesNotContain("alice"));
        assertThat(retention.wasErased(alice)).isTrue();
        // new data after the erasure is a new item
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        assertThat(store.items(alice)).singleElement().satisfies(i -> assertThat(i.erasureRequestedAt()).isEmpty());
    }
}
