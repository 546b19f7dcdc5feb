package dev.consent.jdbc.reliability;

import com.zaxxer.hikari.HikariDataSource;
import dev.consent.jdbc.Databases;
import dev.consent.jdbc.Database;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.ReferenceKey;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.RetentionService;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sweepers killed with SIGKILL mid-batch on PostgreSQL, and started again, until one finishes. The handler of the
 * child JVM ({@link CrashingSweeper}) appends each idempotency key it is given to a file and forces it to disk
 * before returning. Afterwards: no due item was missed, no item is DISPOSED twice in the audit, every disposal in
 * the audit was handled with its key, and the only keys handled more than once are those of batches in flight when
 * a sweeper died, at most one batch per kill, each time with the same key for the same item.
 */
@Tag("faults") // kills processes or server sessions, or restarts the server: only with -Pfaults
class SweeperCrashTest {
    private static final int ITEMS = 200;
    private static final int KILLS = Integer.getInteger("reliability.sweeper.kills", 5);
    private static final int BATCH = 8;
    private static final long LEASE_MILLIS = 1_000;

    @Test
    void sweepersKilledMidBatchMissNothingAndDisposeOfEachItemOnce() throws Exception {
        Databases.requireReachable(Database.POSTGRESQL);
        String prefix = Databases.freshPrefix();
        Path dir = Path.of("target", "reliability", "sweeper-" + prefix).toAbsolutePath();
        AppenderCrashTest.deleteRecursively(dir);
        Files.createDirectories(dir);
        try (HikariDataSource pool = Databases.pool(Database.POSTGRESQL, null, 4)) {
            try {
                JdbcStore store = JdbcStore.builder(pool).tablePrefix(prefix).build();
                RetentionService writer = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RetentionPolicy.policy()).store(store).build();
                Instant collected = Instant.now().minus(Duration.ofDays(100)).truncatedTo(ChronoUnit.MILLIS);
                for (int i = 0; i < ITEMS; i++) {
                    writer.recordAnchor(SubjectId.of("subject-" + i), "access.log", Anchor.COLLECTED, collected);
                }
                run(store, prefix, dir);
            } finally {
                Databases.dropTables(pool, prefix);
            }
        }
    }

    private static void run(JdbcStore store, String prefix, Path dir) throws Exception {
        Random random = new Random(AppenderCrashTest.SEED);
        Path stderr = dir.resolve("children.log");
        int killedMidRun = 0;
        long began = System.nanoTime();
        for (int run = 0; run <= KILLS; run++) {
            boolean last = run == KILLS;
            String[] args = {Databases.PG_URL, prefix, dir.resolve("keys-" + run + ".txt").toString(), "node-" + run,
                    Long.toString(LEASE_MILLIS), Integer.toString(BATCH)};
            try (ChildJvm child = ChildJvm.start(CrashingSweeper.class, stderr, args)) {
                assertThat(child.awaitLine("READY", 60_000)).as("sweeper %d started; see %s", run, stderr).isTrue();
                if (last) {
                    assertThat(child.awaitLine("DONE", 90_000)).as("the last sweeper finished; see %s", stderr)
                            .isTrue();
                    assertThat(child.awaitExit(30_000)).isTrue();
                    assertThat(child.exitValue()).isZero();
                } else {
                    Thread.sleep(100 + random.nextInt(300));
                    if (child.isAlive() && !child.lines().contains("DONE")) {
                        killedMidRun++;
                    }
                    child.kill();
                }
            }
        }
        long millis = (System.nanoTime() - began) / 1_000_000;

        // the handlers' keys, whole lines only (a kill may cut the last one)
        Map<String, Integer> handled = new HashMap<>();
        List<Set<String>> perRun = new ArrayList<>();
        for (int run = 0; run <= KILLS; run++) {
            Path file = dir.resolve("keys-" + run + ".txt");
            String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
            String whole = text.substring(0, text.lastIndexOf('\n') + 1);
            Set<String> keys = new HashSet<>();
            for (String k : whole.split("\n")) {
                if (!k.isEmpty()) {
                    handled.merge(k, 1, Integer::sum);
                    keys.add(k);
                }
            }
            perRun.add(keys);
        }
        List<DisposalRecord> audit = store.disposals(0, 10 * ITEMS);
        List<DisposalRecord> disposed = audit.stream().filter(r -> r.outcome() == DisposalRecord.Outcome.DISPOSED)
                .toList();

        // no due item missed, none disposed twice
        assertThat(store.dueItems(Instant.now(), 10)).as("items still due").isEmpty();
        assertThat(disposed).hasSize(ITEMS);
        assertThat(disposed).extracting(DisposalRecord::itemReference).doesNotHaveDuplicates();
        Set<String> references = new HashSet<>();
        for (int i = 0; i < ITEMS; i++) {
            ItemKey key = ItemKey.of("subject-" + i, "access.log");
            references.add(ReferenceKey.of(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).itemReference(key));
            assertThat(store.item(key)).get().extracting(RetainedItem::state).isEqualTo(RetainedItem.State.DISPOSED);
        }
        assertThat(disposed.stream().map(DisposalRecord::itemReference).collect(Collectors.toSet()))
                .isEqualTo(references);
        // every disposal was handled, with the key the audit records; one key per item, whoever handled it
        Set<String> auditKeys = disposed.stream().map(DisposalRecord::idempotencyKey).collect(Collectors.toSet());
        assertThat(handled.keySet()).as("keys handled").isEqualTo(auditKeys);
        assertThat(auditKeys.stream().map(k -> k.substring(0, k.lastIndexOf(':', k.lastIndexOf(':') - 1)))
                .collect(Collectors.toSet()))
                .hasSize(ITEMS);
        // handled twice only when a sweeper died with the item's batch in flight: at most one batch per kill, and
        // never twice by the same sweeper
        List<String> repeated = handled.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .toList();
        assertThat(repeated.size()).as("items handled more than once").isLessThanOrEqualTo(KILLS * BATCH);
        assertThat(handled.values()).allMatch(n -> n <= KILLS + 1);
        for (String k : repeated) {
            long runs = perRun.stream().filter(keys -> keys.contains(k)).count();
            assertThat(runs).as("sweepers that handled %s", k).isEqualTo((long) handled.get(k));
        }
        for (int run = 0; run < KILLS; run++) {
            // what sweeper `run` left unrecorded when it died: its keys that a later sweeper handled too (keys it
            // took over from an earlier sweeper's batch count for that one)
            Set<String> handledLater = new HashSet<>();
            for (int later = run + 1; later <= KILLS; later++) {
                handledLater.addAll(perRun.get(later));
            }
            Set<String> inFlight = new HashSet<>(perRun.get(run));
            inFlight.retainAll(handledLater);
            assertThat(inFlight.size()).as("keys of sweeper %d handled again by a later one", run)
                    .isLessThanOrEqualTo(BATCH);
        }
        long invocations = handled.values().stream().mapToLong(Integer::longValue).sum();
        System.out.printf("[reliability] sweepers on PostgreSQL: %d SIGKILLs (%d mid-sweep) and a last run, %d ms; "
                        + "%d items disposed once each in the audit, %d handler calls, %d items handled again after a "
                        + "kill with the same idempotency key, none missed (seed %d)%n", KILLS, killedMidRun, millis,
                disposed.size(), invocations, repeated.size(), AppenderCrashTest.SEED);
    }
}
