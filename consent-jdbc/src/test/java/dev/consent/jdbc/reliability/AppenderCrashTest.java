package dev.consent.jdbc.reliability;

import com.zaxxer.hikari.HikariDataSource;
import dev.consent.ConsentService;
import dev.consent.jdbc.Databases;
import dev.consent.jdbc.Database;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.testing.ShopPolicy;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Appenders killed with SIGKILL at random points, again and again, against the same tables: every event whose
 * append returned is stored, every batch is stored whole or not at all, every chain verifies and every chain
 * head is its chain's last event. The appender is a child JVM ({@link CrashingAppender}) that prints event ids
 * only after {@code record(...)} returned them.
 *
 * <p>Reproducible: the kill points and the batches depend only on the seed, printed with every result
 * ({@code -Dreliability.seed=N} replays one; {@code -Dreliability.kills=N} kills more often).
 */
@Tag("faults") // kills processes or server sessions, or restarts the server: only with -Pfaults
class AppenderCrashTest {
    static final long SEED = Long.getLong("reliability.seed", 20250417L);
    static final int KILLS = Integer.getInteger("reliability.kills", 10);
    private static final int SUBJECTS = 12;
    private static final int THREADS = 2;

    @Test
    void killedAppendersOnPostgresLoseNothingAndLeaveNoPartialBatch() throws Exception {
        Databases.requireReachable(Database.POSTGRESQL);
        String prefix = Databases.freshPrefix();
        try (HikariDataSource pool = Databases.pool(Database.POSTGRESQL, null, 4)) {
            try {
                killAndCheck("PostgreSQL", Databases.PG_URL, prefix, pool);
            } finally {
                Databases.dropTables(pool, prefix);
            }
        }
    }

    /**
     * Not in the default build: H2 file databases are not crash-safe, even with the settings below. In November 2026,
     * once appends had become faster, 8 of 11 runs (seeds 1-6, 20250417 twice, on this code and on the code before
     * the faster appends alike) left a chain whose head stayed behind events written after it: a transaction
     * half-recovered by H2 after SIGKILL (PostgreSQL, in the same runs: nothing). {@code verify} reports every such
     * chain. Run it with {@code mvn -B verify -pl consent-jdbc -am -Dgroups=h2-file-crash -DexcludedGroups=none}; see RELIABILITY.md.
     */
    @Test
    @Tag("h2-file-crash")
    void killedAppendersOnH2FilesLoseNothingAndLeaveNoPartialBatch() throws Exception {
        Path dir = Path.of("target", "reliability", "h2-crash").toAbsolutePath();
        deleteRecursively(dir);
        Files.createDirectories(dir);
        // The settings consent-jdbc's README asks of a file database that holds a ledger: WRITE_DELAY=0, or a commit
        // reaches the file up to 500 ms after it returned (acknowledged batches were lost to SIGKILL without it);
        // MAX_COMPACT_TIME=0, because H2 2.3.232's compaction when the database is closed after a crash lost
        // every event written since the first restart once here (H2 issue #4247).
        String url = "jdbc:h2:file:" + dir.resolve("ledger") + ";LOCK_TIMEOUT=10000"
                + System.getProperty("reliability.h2.options", ";WRITE_DELAY=0;MAX_COMPACT_TIME=0");
        killAndCheck("H2 (file)", url, "consent_", h2(url));
    }

    private static DataSource h2(String url) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(url);
        return ds;
    }

    private static void killAndCheck(String database, String url, String prefix, DataSource verifyWith)
            throws Exception {
        Random random = new Random(SEED ^ database.hashCode());
        Map<String, List<String>> acked = new LinkedHashMap<>();
        Map<String, String> failed = new LinkedHashMap<>();
        int killedBeforeReady = 0;
        long started = System.nanoTime();
        Path stderr = Path.of("target", "reliability", "crashing-appender-" + prefix + ".log").toAbsolutePath();
        for (int run = 0; run < KILLS; run++) {
            long runSeed = random.nextLong();
            boolean duringStartup = random.nextInt(5) == 0;
            int delayMillis = duringStartup ? 200 + random.nextInt(900) : 30 + random.nextInt(600);
            try (ChildJvm child = ChildJvm.start(CrashingAppender.class, stderr, url, prefix, Integer.toString(run),
                    Long.toString(runSeed), Integer.toString(SUBJECTS), Integer.toString(THREADS))) {
                if (!duringStartup) {
                    assertThat(child.awaitLine("READY", 60_000))
                            .as("run %d (seed %d): the appender did not start; see %s", run, SEED, stderr).isTrue();
                }
                Thread.sleep(delayMillis);
                assertThat(child.isAlive()).as("run %d (seed %d): the appender died by itself; see %s", run, SEED,
                        stderr).isTrue();
                child.kill();
                if (!child.lines().contains("READY")) {
                    killedBeforeReady++;
                }
                for (String line : child.lines()) {
                    String[] f = line.split(" ");
                    if (f[0].equals("OK")) {
                        acked.put(f[1], List.of(f).subList(2, f.length));
                    } else if (f[0].equals("FAIL")) {
                        failed.put(f[1], line);
                    }
                }
            }
        }
        long killMillis = (System.nanoTime() - started) / 1_000_000;

        // What the database holds now, read directly.
        Map<String, List<String[]>> byReference = new HashMap<>();
        Set<String> subjects = new TreeSet<>();
        int rows = 0;
        long changes;
        try (Connection c = verifyWith.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT subject, seq, event_id, evidence_reference FROM " + prefix
                    + "events")) {
                while (rs.next()) {
                    rows++;
                    subjects.add(rs.getString(1));
                    byReference.computeIfAbsent(rs.getString(4), k -> new ArrayList<>())
                            .add(new String[] {rs.getString(1), rs.getString(3)});
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + prefix + "changes")) {
                rs.next();
                changes = rs.getLong(1);
            }
        }

        String replay = " (" + database + ", seed " + SEED + ")";
        // 1. Every batch is whole: its size is in its reference, and its events are exactly #0..#size-1.
        long expectedChanges = 0;
        for (Map.Entry<String, List<String[]>> batch : byReference.entrySet()) {
            String reference = batch.getKey();
            int size = Integer.parseInt(reference.substring(reference.indexOf('/') + 1));
            Set<String> ids = new TreeSet<>();
            Set<String> batchSubjects = new HashSet<>();
            for (String[] row : batch.getValue()) {
                ids.add(row[1]);
                batchSubjects.add(row[0]);
            }
            Set<String> expected = new TreeSet<>();
            for (int i = 0; i < size; i++) {
                expected.add(reference + "#" + i);
            }
            assertThat(ids).as("the stored events of batch %s%s", reference, replay).isEqualTo(expected);
            expectedChanges += batchSubjects.size();
        }
        // 2. Every append that returned is stored, as returned.
        for (Map.Entry<String, List<String>> a : acked.entrySet()) {
            assertThat(byReference).as("batch %s was acknowledged but is not stored%s", a.getKey(), replay)
                    .containsKey(a.getKey());
            assertThat(byReference.get(a.getKey()).stream().map(r -> r[1]).sorted().toList())
                    .isEqualTo(a.getValue().stream().sorted().toList());
        }
        // 3. A failed append left nothing, unless the store said its outcome was unknown.
        for (Map.Entry<String, String> f : failed.entrySet()) {
            if (!f.getValue().contains("unknown")) {
                assertThat(byReference).as("%s%s", f.getValue(), replay).doesNotContainKey(f.getKey());
            }
        }
        // 4. One change-feed entry per subject of each stored batch: the feed was written with its batch.
        assertThat(changes).as("change-feed entries%s", replay).isEqualTo(expectedChanges);
        // 5. Every chain verifies, which includes: the head is the last event (sequence and hash).
        JdbcStore store = JdbcStore.builder(verifyWith).tablePrefix(prefix).build();
        try (ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store).build()) {
            for (String s : subjects) {
                ChainVerification v = consents.verify(SubjectId.of(s));
                assertThat(v.intact()).as("chain of %s: %s%s", s, v.firstBreak(), replay).isTrue();
            }
            List<EventId> ackedIds = acked.values().stream().flatMap(List::stream).map(EventId::of).toList();
            Map<EventId, ConsentEvent> found = store.findEvents(ackedIds);
            assertThat(found.keySet()).containsExactlyInAnyOrderElementsOf(ackedIds);
            assertThat(store.heads(subjects.stream().map(SubjectId::of).toList())).hasSize(subjects.size());
        }
        int ackedEvents = acked.values().stream().mapToInt(List::size).sum();
        assertThat(ackedEvents).as("the appenders acknowledged nothing, so the test proved nothing%s", replay)
                .isGreaterThan(KILLS * 5);
        System.out.printf("[reliability] appender crashes on %s: %d SIGKILLs (%d during start-up) in %d ms; "
                        + "%d batches / %d events acknowledged, %d batches / %d events stored, %d appends failed "
                        + "cleanly, %d chains verified, nothing lost (seed %d)%n", database, KILLS, killedBeforeReady,
                killMillis, acked.size(), ackedEvents, byReference.size(), rows, failed.size(), subjects.size(), SEED);
    }

    static void deleteRecursively(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
