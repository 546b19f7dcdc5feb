package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.store.Claim;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.ReferenceKey;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.retention.SweepReport;
import dev.consent.retention.Tombstone;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.store.RetentionStore;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.TestKeys;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The retention and rights tables when things go wrong: an unreachable database is a {@link StoreException} naming
 * the operation, a write that breaks mid-way leaves nothing behind, and values the columns cannot hold are refused
 * (or, for schedule instants, rounded up) before anything is written.
 */
class RetentionAndRightsFailuresTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456Z");
    private static final ItemKey ITEM = ItemKey.of("alice", "access.log");
    private static final ReferenceKey REFERENCES = ReferenceKey.of(TestKeys.REFERENCE_ID, TestKeys.REFERENCE);

    private static RetainedItem due(ItemKey key, Instant at) {
        return RetainedItem.create(key).withAnchors(Map.of(Anchor.COLLECTED, at)).withDue(at);
    }

    private static DisposalRecord audit(Claim c) {
        return new DisposalRecord(0, T0, REFERENCES.itemReference(c.item().key()), "access.log", "", "logs-90d", "7",
                Optional.of(Anchor.COLLECTED), Optional.of(T0), T0, DisposalAction.DELETE,
                DisposalRecord.Outcome.DISPOSED, c.attempt(), "key", c.owner(), Optional.empty());
    }

    private static RightsRequest request(String subject, long version) {
        return new RightsRequest("req-1", SubjectId.of(subject), RequestType.ERASURE, RequestStatus.RECEIVED, T0,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), List.of(),
                version);
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void anUnreachableDatabaseIsAStoreFailureNamingEachOperation(Database dialect) {
        SwitchableDataSource db = new SwitchableDataSource(Databases.shared(dialect));
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        try {
            assertThat(store.saveItem(due(ITEM, T0))).isTrue();
            Claim claim = store.claimDue(T0, 1, "n", Duration.ofMinutes(1)).get(0);
            db.goDown();
            Map<String, ThrowingCallable> calls = new LinkedHashMap<>();
            calls.put("item", () -> store.item(ITEM));
            calls.put("items", () -> store.items(ITEM.subject()));
            calls.put("allItems", () -> store.allItems(10));
            calls.put("saveItem", () -> store.saveItem(due(ItemKey.of("bob", "access.log"), T0)));
            calls.put("dueItems", () -> store.dueItems(T0, 10));
            calls.put("claimDue", () -> store.claimDue(T0, 10, "n", Duration.ofMinutes(1)));
            calls.put("claimItem", () -> store.claimItem(ITEM, T0, "n", Duration.ofMinutes(1)));
            calls.put("finishClaims", () -> finish(store, claim, claim.item(), audit(claim)));
            calls.put("renewClaims", () -> store.renewClaims(List.of(claim), Duration.ofMinutes(1)));
            calls.put("releaseClaims", () -> store.releaseClaims(List.of(claim)));
            calls.put("saveHold", () -> store.saveHold(new LegalHold("h", ITEM.subject(), Set.of(), "r", "p", T0,
                    Optional.empty())));
            calls.put("hold", () -> store.hold("h"));
            calls.put("holds", () -> store.holds(ITEM.subject()));
            calls.put("disposals", () -> store.disposals(0, 10));
            calls.put("addTombstone", () -> store.addTombstone(new Tombstone("ref", T0)));
            calls.put("tombstone", () -> store.tombstone("ref"));
            calls.put("saveRequest", () -> store.saveRequest(request("alice", 0)));
            calls.put("request", () -> store.request("req-1"));
            calls.put("requests", () -> store.requests(ITEM.subject()));
            calls.put("openRequests", () -> store.openRequests(10));
            calls.forEach((operation, call) -> assertThatThrownBy(call).as(operation)
                    .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.operation()).isEqualTo(operation)));
        } finally {
            db.comeBack();
            Databases.dropTables(db, prefix);
        }
    }

    /** finishClaim writes the item, the claim release, the counter and the audit entry together, or none of them. */
    @ParameterizedTest
    @EnumSource(Database.class)
    void aFinishThatBreaksMidwayOrAtCommitLeavesTheClaimAndTheAuditAsTheyWere(Database dialect) {
        SwitchableDataSource db = new SwitchableDataSource(Databases.shared(dialect));
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        try {
            store.saveItem(due(ITEM, T0));
            Claim claim = store.claimDue(T0, 1, "n", Duration.ofMinutes(1)).get(0);
            RetainedItem disposed = claim.item().withState(RetainedItem.State.DISPOSED);

            // on PostgreSQL the insert is in the statement that advances the counter
            db.failOn(sql -> sql.contains("INSERT INTO " + prefix + "disposals"));
            assertThatThrownBy(() -> finish(store, claim, disposed, audit(claim)))
                    .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.operation()).isEqualTo("finishClaims"));
            db.comeBack();
            assertThat(store.item(ITEM)).contains(claim.item());
            assertThat(store.disposals(0, 10)).isEmpty();
            assertThat(store.claimItem(ITEM, T0, "other", Duration.ofMinutes(1))).as("still claimed").isEmpty();

            db.failCommit();
            assertThatThrownBy(() -> finish(store, claim, disposed, audit(claim)))
                    .isInstanceOf(StoreException.class).hasMessageContaining("unknown");
            db.comeBack();
            assertThat(store.item(ITEM)).contains(claim.item());
            assertThat(store.disposals(0, 10)).isEmpty();

            assertThat(finish(store, claim, disposed, audit(claim))).isTrue();
            assertThat(store.item(ITEM).orElseThrow().state()).isEqualTo(RetainedItem.State.DISPOSED);
            assertThat(store.disposals(0, 10)).extracting(DisposalRecord::sequence).as("no gap where a write failed")
                    .containsExactly(1L);
        } finally {
            db.comeBack();
            Databases.dropTables(db, prefix);
        }
    }

    /**
     * finishClaims writes a whole list in one transaction: a statement failing on any of its batches, or the commit,
     * leaves every item, claim, the counter and the audit as they were; the same list then records in full.
     */
    @ParameterizedTest
    @EnumSource(Database.class)
    void aListThatBreaksOnAnyBatchOrAtCommitRecordsNothing(Database dialect) {
        SwitchableDataSource db = new SwitchableDataSource(Databases.shared(dialect));
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        try {
            ItemKey moved = ItemKey.of("carol", "access.log");
            for (ItemKey k : List.of(ITEM, ItemKey.of("bob", "access.log"), moved)) {
                store.saveItem(due(k, T0));
            }
            List<Claim> claims = store.claimDue(T0, 10, "n", Duration.ofMinutes(1));
            assertThat(claims).hasSize(3);
            // carol's item moves on under the claim, so her finish takes the claim-release path
            assertThat(store.saveItem(store.item(moved).orElseThrow().withDue(T0.plusSeconds(99))))
                    .isTrue();
            Map<ItemKey, RetainedItem> before = new LinkedHashMap<>();
            for (Claim c : claims) {
                before.put(c.item().key(), store.item(c.item().key()).orElseThrow());
            }
            List<RetentionStore.FinishedAttempt> list = claims.stream().map(c -> new RetentionStore.FinishedAttempt(c,
                    c.item().withState(RetainedItem.State.DISPOSED), audit(c))).toList();

            boolean arrays = dialect == Database.POSTGRESQL;
            List<java.util.function.Predicate<String>> breaks = arrays
                    ? List.of(sql -> sql.startsWith("WITH v AS MATERIALIZED (SELECT * FROM unnest(")
                            && sql.contains("UPDATE " + prefix + "items i SET anchors")
                            && sql.contains("INSERT INTO " + prefix + "disposals"))
                    : List.of(
                            sql -> sql.startsWith("UPDATE " + prefix + "items SET anchors"),
                            sql -> sql.startsWith("UPDATE " + prefix + "items SET claim_token = NULL"),
                            sql -> sql.startsWith("UPDATE " + prefix + "disposal_counter"),
                            sql -> sql.startsWith("INSERT INTO " + prefix + "disposals"));
            for (java.util.function.Predicate<String> failing : breaks) {
                db.failOn(failing);
                assertThatThrownBy(() -> store.finishClaims(list)).isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.operation()).isEqualTo("finishClaims"));
                db.comeBack();
                assertNothingRecorded(store, before);
            }
            db.failCommit();
            assertThatThrownBy(() -> store.finishClaims(list)).isInstanceOf(StoreException.class)
                    .hasMessageContaining("unknown");
            db.comeBack();
            assertNothingRecorded(store, before);

            db.resetCounts();
            assertThat(store.finishClaims(list)).containsExactly(true, true, true);
            assertThat(db.connectionRequests.get()).as("one connection, one transaction").isEqualTo(1);
            if (arrays) {
                // one statement over array parameters: item updates, claim releases, the counter and the audit
                assertThat(db.statements.get()).as("items, claims, counter and audit in one statement").isEqualTo(1);
                assertThat(db.executions.get()).isEqualTo(1);
                assertThat(db.batches.get()).isEqualTo(0);
            } else {
                assertThat(db.batches.get()).as("item updates, claim release, audit inserts").isEqualTo(3);
                assertThat(db.singleUpdates.get()).as("only the audit counter, advanced once").isEqualTo(1);
            }
            assertThat(store.disposals(0, 10)).extracting(DisposalRecord::sequence).as("no gap where a write failed")
                    .containsExactly(1L, 2L, 3L);
            assertThat(store.item(ITEM).orElseThrow().state()).isEqualTo(RetainedItem.State.DISPOSED);
            assertThat(store.item(moved).orElseThrow().state()).as("the newer item is kept")
                    .isEqualTo(RetainedItem.State.ACTIVE);
        } finally {
            db.comeBack();
            Databases.dropTables(db, prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void aFinishWithoutTheAuditCounterRowFailsAndRecordsNothing(Database dialect) throws Exception {
        DataSource db = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        try {
            store.saveItem(due(ITEM, T0));
            List<Claim> claims = store.claimDue(T0, 10, "n", Duration.ofMinutes(1));
            assertThat(claims).hasSize(1);
            Map<ItemKey, RetainedItem> before = Map.of(ITEM, store.item(ITEM).orElseThrow());
            Databases.execute(db, "DELETE FROM " + prefix + "disposal_counter");
            List<RetentionStore.FinishedAttempt> list = claims.stream().map(c -> new RetentionStore.FinishedAttempt(c,
                    c.item().withState(RetainedItem.State.DISPOSED), audit(c))).toList();
            assertThatThrownBy(() -> store.finishClaims(list)).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.operation()).isEqualTo("finishClaims"))
                    .hasMessageContaining("audit counter row (id 1) is missing");
            assertNothingRecorded(store, before);
        } finally {
            Databases.dropTables(db, prefix);
        }
    }

    private static void assertNothingRecorded(JdbcStore store, Map<ItemKey, RetainedItem> before) {
        for (Map.Entry<ItemKey, RetainedItem> e : before.entrySet()) {
            assertThat(store.item(e.getKey())).contains(e.getValue());
            assertThat(store.claimItem(e.getKey(), T0, "other", Duration.ofMinutes(1))).as("still claimed").isEmpty();
        }
        assertThat(store.disposals(0, 10)).isEmpty();
    }

    @Test
    void limitsBelowOneAreRefused() {
        JdbcStore store = JdbcStore.builder(Databases.shared(Database.H2)).tablePrefix(Databases.freshPrefix()).build();
        try {
            List<ThrowingCallable> calls = List.of(() -> store.allItems(0),
                    () -> store.dueItems(T0, 0), () -> store.claimDue(T0, 0, "n", Duration.ofMinutes(1)),
                    () -> store.disposals(0, -1), () -> store.openRequests(0));
            for (ThrowingCallable call : calls) {
                assertThatThrownBy(call).isInstanceOfSatisfying(InvalidValueException.class,
                        e -> assertThat(e.field()).isEqualTo("limit"));
            }
        } finally {
            Databases.dropTables(Databases.shared(Database.H2), store.tablePrefix());
        }
    }

    /**
     * Schedule instants computed from a nanosecond clock are stored rounded up to the microsecond (never earlier);
     * facts finer than a microsecond, and instants outside the database's range, are refused before any write.
     */
    @ParameterizedTest
    @EnumSource(Database.class)
    void subMicrosecondScheduleInstantsAreRoundedUpAndFactsRefused(Database dialect) {
        JdbcStore store = JdbcStore.builder(Databases.shared(dialect)).tablePrefix(Databases.freshPrefix()).build();
        try {
            Instant fine = T0.plusNanos(1);
            Instant up = T0.plusNanos(1000);
            assertThat(store.saveItem(due(ITEM, fine).withRetry(1, fine))).isTrue();
            RetainedItem stored = store.item(ITEM).orElseThrow();
            assertThat(stored.dueAt()).contains(up);
            assertThat(stored.notBefore()).contains(up);
            assertThat(stored.anchors()).as("anchors are kept exactly").containsEntry(Anchor.COLLECTED, fine);
            assertThat(store.claimDue(T0, 10, "n", Duration.ofMinutes(1))).as("not due a nanosecond early").isEmpty();

            // leases run on the database's clock; one finer than a microsecond ends on a whole microsecond
            Claim c = store.claimDue(up, 10, "n", Duration.ofNanos(60_000_000_001L)).get(0);
            assertThat(c.leaseUntil().getNano() % 1000).isZero();
            assertThat(store.renewClaims(List.of(c), Duration.ofNanos(60_000_000_001L)).get(0).orElseThrow()
                    .leaseUntil().getNano() % 1000).isZero();

            ItemKey other = ItemKey.of("bob", "access.log");
            assertThatThrownBy(() -> store.saveItem(due(other, T0).withErasureRequestedAt(fine)))
                    .isInstanceOfSatisfying(InvalidValueException.class,
                            e -> assertThat(e.field()).isEqualTo("erasureRequestedAt"));
            assertThat(store.item(other)).isEmpty();
            assertThatThrownBy(() -> store.saveHold(new LegalHold("h", ITEM.subject(), Set.of(), "r", "p", fine,
                    Optional.empty()))).isInstanceOf(InvalidValueException.class);
            assertThat(store.hold("h")).isEmpty();
            assertThatThrownBy(() -> store.addTombstone(new Tombstone("ref", fine)))
                    .isInstanceOf(InvalidValueException.class);
            Instant tooEarly = dialect == Database.MARIADB ? Instant.parse("0999-12-31T23:59:59Z")
                    : Instant.parse("-0001-01-01T00:00:00Z");
            assertThatThrownBy(() -> store.saveItem(due(other, tooEarly)))
                    .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.field()).isEqualTo("dueAt"));
            assertThat(store.item(other)).isEmpty();
        } finally {
            Databases.dropTables(Databases.shared(dialect), store.tablePrefix());
        }
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void aRequestNeverChangesSubject(Database dialect) {
        JdbcStore store = JdbcStore.builder(Databases.shared(dialect)).tablePrefix(Databases.freshPrefix()).build();
        try {
            assertThat(store.saveRequest(request("alice", 0))).isTrue();
            assertThatThrownBy(() -> store.saveRequest(request("mallory", 1)))
                    .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                        assertThat(e.field()).isEqualTo("request.subject");
                        assertThat(e.getMessage()).as("the subject is personal data").doesNotContain("alice", "mallory");
                    });
            assertThat(store.saveRequest(request("mallory", 2))).as("a stale version is a conflict").isFalse();
            assertThat(store.saveRequest(request("alice", 0))).as("req-1 is stored already").isFalse();
            assertThat(store.request("req-1")).contains(request("alice", 1));
        } finally {
            Databases.dropTables(Databases.shared(dialect), store.tablePrefix());
        }
    }

    /**
     * The retention service computes backoffs from its clock without truncating (here a clock with nanoseconds, as
     * {@code Clock.systemUTC()} has on Linux): a failed disposal is still recorded, its retry a microsecond-rounded
     * instant that is never early.
     */
    @ParameterizedTest
    @EnumSource(Database.class)
    void aSweepOnANanosecondClockRecordsFailuresAndRetries(Database dialect) {
        JdbcStore store = JdbcStore.builder(Databases.shared(dialect)).tablePrefix(Databases.freshPrefix()).build();
        try {
            Instant collected = Instant.parse("2025-01-10T09:00:00Z");
            Clock clock = Clock.fixed(collected.plus(Duration.ofDays(91)).plusNanos(123_456_789), ZoneOffset.UTC);
            RetentionService failing = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RetentionPolicy.policy()).store(store)
                    .clock(clock).build();
            Sweeper failingSweeper = Sweeper.builder(failing).retryBackoff(Duration.ofMinutes(1), Duration.ofHours(1)).handler("access.log", r -> {
                        throw new java.io.IOException("host table locked");
                    }).build();
            failing.recordAnchor(ITEM, Anchor.COLLECTED, collected);
            SweepReport report = failingSweeper.sweep(10, Duration.ofSeconds(10));
            assertThat(report.failed()).isEqualTo(1);
            assertThat(store.item(ITEM).orElseThrow().notBefore())
                    // the sweeper computes from "now" truncated to the ledger's microseconds
                    .contains(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS).plus(Duration.ofMinutes(1)));
            assertThat(store.disposals(0, 10)).singleElement()
                    .satisfies(r -> assertThat(r.outcome()).isEqualTo(DisposalRecord.Outcome.FAILED));
        } finally {
            Databases.dropTables(Databases.shared(dialect), store.tablePrefix());
        }
    }

    /** One finished attempt, recorded through the store's only finishing write, {@code finishClaims}. */
    private static boolean finish(RetentionStore store, Claim claim, RetainedItem updated, DisposalRecord audit) {
        return store.finishClaims(List.of(new RetentionStore.FinishedAttempt(claim, updated, audit))).get(0);
    }
}
