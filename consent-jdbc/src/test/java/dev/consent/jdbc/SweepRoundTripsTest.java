package dev.consent.jdbc;

import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.RetentionService;
import dev.consent.retention.SweepReport;
import dev.consent.retention.Sweeper;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a sweep costs in statements and commits per claimed batch, pinned per database so that a change that adds a
 * round trip per batch, or one per item, fails here: on PostgreSQL and MariaDB the count does not grow with the batch's
 * size. PostgreSQL: the claim (one statement: pick, claim and read back), the holds of the batch's subjects (one
 * query), the finish (one statement: items saved, claims cleared, audit counter advanced, audit rows inserted), two
 * commits. MariaDB: the database's instant, the pick, the claims as one JDBC batch, the holds, the finishing updates as
 * one batch, the counter's update and read, the audit rows as one batch, two commits. H2 (in memory, no round trips)
 * claims optimistically: the candidates read, the database's instant, one conditional update per candidate.
 */
class SweepRoundTripsTest {
    private static final int BATCH = 40;
    private static final int BATCHES = 3;

    @ParameterizedTest
    @EnumSource(Database.class)
    void aBatchCostsAFixedNumberOfStatementsAndCommits(Database dialect) {
        SwitchableDataSource db = new SwitchableDataSource(Databases.shared(dialect));
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        try {
            RetentionService retention = RetentionService.builder()
                    .referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                    .policy(RetentionPolicy.policy()).store(store).build();
            Instant collected = Instant.now().minus(Duration.ofDays(100)).truncatedTo(ChronoUnit.MILLIS);
            for (int i = 0; i < BATCH * BATCHES; i++) {
                retention.recordAnchor(SubjectId.of(String.format("subject-%04d", i)), "access.log", Anchor.COLLECTED,
                        collected);
            }
            // holds and items read once per batch: a batch that outlives refreshHoldsAfter reads them again
            Sweeper sweeper = Sweeper.builder(retention).node("round-trips").batchSize(BATCH)
                    .refreshHoldsAfter(Duration.ofHours(1)).handler("access.log", request -> {
                    }).build();
            db.resetCounts();
            SweepReport report = sweeper.sweep(Integer.MAX_VALUE, Duration.ofHours(1));
            Cost spent = new Cost(db.executions.get(), db.commits.get());

            assertThat(report.disposed()).isEqualTo(BATCH * BATCHES);
            List<DisposalRecord> audit = store.disposals(0, 10 * BATCH * BATCHES);
            assertThat(audit).hasSize(BATCH * BATCHES)
                    .allMatch(r -> r.outcome() == DisposalRecord.Outcome.DISPOSED);
            for (int i = 0; i < audit.size(); i++) {
                assertThat(audit.get(i).sequence()).isEqualTo(i + 1L);
            }
            // per batch, then once more for the claim that finds nothing left
            Cost perBatch = switch (dialect) {
                case POSTGRESQL -> new Cost(3, 2);
                case MARIADB -> new Cost(8, 2);
                case H2 -> new Cost(BATCH + 8, 2);
            };
            Cost lastClaim = dialect == Database.POSTGRESQL ? new Cost(1, 0) : new Cost(2, 0);
            assertThat(spent)
                    .as("statements executed and commits of a sweep of %d batches of %d on %s", BATCHES, BATCH, dialect)
                    .isEqualTo(new Cost(BATCHES * perBatch.statements() + lastClaim.statements(),
                            BATCHES * perBatch.commits() + lastClaim.commits()));
        } finally {
            Databases.dropTables(db, prefix);
        }
    }

    /**
     * A batch whose first handler call takes longer than {@code refreshHoldsAfter} (by the service's clock, moved by
     * the handler) records that outcome and reads the holds and the items of the rest of the batch again: a fixed
     * number of statements more than the same batch that needs no refresh, not one read per item left.
     */
    @ParameterizedTest
    @EnumSource(Database.class)
    void aBatchThatOutlivesRefreshHoldsAfterReadsItsItemsAgainInOneQuery(Database dialect) {
        Cost quick = oneBatch(dialect, Duration.ZERO);
        Cost slow = oneBatch(dialect, Duration.ofSeconds(2));

        // the early finish of the first item (as a batch's finish costs), the holds (one query), the rest's items (one
        // query): whatever the batch's size; read one by one, the items alone were BATCH - 1 statements more
        Cost refresh = switch (dialect) {
            case POSTGRESQL -> new Cost(1 + 1 + 1, 1);
            case MARIADB, H2 -> new Cost(4 + 1 + 1, 1);
        };
        assertThat(new Cost(slow.statements() - quick.statements(), slow.commits() - quick.commits()))
                .as("statements and commits added on %s by one refresh in a batch of %d (quick: %s, slow: %s)",
                        dialect, BATCH, quick, slow)
                .isEqualTo(refresh);
    }

    /** The cost of sweeping one batch of {@code BATCH} due items whose first handler call moves the clock by {@code firstCallTakes}. */
    private static Cost oneBatch(Database dialect, Duration firstCallTakes) {
        SwitchableDataSource db = new SwitchableDataSource(Databases.shared(dialect));
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        try {
            MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
            RetentionService retention = RetentionService.builder()
                    .referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).clock(clock)
                    .policy(RetentionPolicy.policy()).store(store).build();
            Instant collected = clock.instant().minus(Duration.ofDays(100));
            for (int i = 0; i < BATCH; i++) {
                retention.recordAnchor(SubjectId.of(String.format("subject-%04d", i)), "access.log", Anchor.COLLECTED,
                        collected);
            }
            AtomicBoolean first = new AtomicBoolean(true);
            Sweeper sweeper = Sweeper.builder(retention).node("round-trips").batchSize(BATCH)
                    .refreshHoldsAfter(Duration.ofSeconds(1)).handler("access.log", request -> {
                        if (first.getAndSet(false)) {
                            clock.advance(firstCallTakes);
                        }
                    }).build();
            db.resetCounts();
            SweepReport report = sweeper.sweep(BATCH, Duration.ofHours(1));
            Cost spent = new Cost(db.executions.get(), db.commits.get());

            assertThat(report.disposed()).isEqualTo(BATCH);
            assertThat(store.disposals(0, 10 * BATCH)).hasSize(BATCH)
                    .allMatch(r -> r.outcome() == DisposalRecord.Outcome.DISPOSED);
            return spent;
        } finally {
            Databases.dropTables(db, prefix);
        }
    }

    /** Statements executed (each at least one round trip to a server) and commits. */
    private record Cost(int statements, int commits) {
    }
}
