package dev.consent.bench.jdbc;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.bench.BenchDb;
import dev.consent.ledger.SubjectId;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One consent check that misses the cache.
 *
 * <p><b>Measured:</b> {@link ConsentService#check(SubjectId, dev.consent.policy.PurposeId)} of a random preloaded
 * subject on a service built with {@code cacheSize(0)}, so every call takes the miss path of {@code check} itself:
 * the policy lookup, the cache's loader, one {@code decisionFacts} query (the decision columns of the subject's own
 * events and, through a join with the links table, those of visitors linked to it), mapping the rows to a ledger
 * and the decision. Why not {@code checkUncached}: it is a different entry point (it also writes the cache); what an
 * application pays on a miss is {@code check}'s path.
 *
 * <p><b>Yardstick:</b> {@link #rawIndexedSelect}: borrow a pooled connection, one prepared {@code SELECT} of every
 * column of that subject's events by the primary key's leading column ({@code subject}), read every column of every
 * row. It does not look at visitor links and decides nothing; a developer's hand-written lookup.
 *
 * <p><b>Target:</b> library at most 1.2x the yardstick's time.
 *
 * <p><b>Data:</b> {@code subjects} subjects, random UUID keys, two events each (see {@link LedgerFixture#twoChoices}),
 * loaded through the library in batches of 10,000 events, then {@code ANALYZE}. Keys are drawn uniformly at random.
 *
 * <p><b>Sizes:</b> small (default) {@code -p subjects=10000}; full {@code -p subjects=100000}. Database
 * {@code -p database=postgresql|h2|mariadb}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
@State(Scope.Benchmark)
public class MissCheckBenchmark {
    @Param("postgresql")
    public String database;

    @Param("10000")
    public int subjects;

    private BenchDb db;
    private ConsentService service;
    private SubjectId[] keys;
    private String select;

    @State(Scope.Thread)
    public static class Keys {
        private final SplittableRandom random = new SplittableRandom(7);

        SubjectId next(SubjectId[] keys) {
            return keys[random.nextInt(keys.length)];
        }
    }

    @Setup(Level.Trial)
    public void load() throws SQLException {
        db = BenchDb.open(database, 4);
        service = LedgerFixture.service(db.store(), 0, 1_000);
        keys = LedgerFixture.randomSubjects(subjects, 1);
        LedgerFixture.preload(service, keys, 10_000);
        db.analyze();
        select = "SELECT " + String.join(", ", LedgerFixture.COLUMNS) + " FROM " + db.table("events")
                + " WHERE subject = ?";
        // The library and the yardstick must both read each subject's two events, and the library decide right.
        SplittableRandom random = new SplittableRandom(3);
        for (int n = 0; n < 200; n++) {
            int i = random.nextInt(keys.length);
            Decision d = service.check(keys[i], LedgerFixture.NEWSLETTER);
            if (d.allowed() != LedgerFixture.newsletterAllowed(i)) {
                throw new IllegalStateException("library decided " + d + " for preloaded subject #" + i);
            }
            int rows = readEvents(keys[i], null);
            if (rows != 2) {
                throw new IllegalStateException("yardstick read " + rows + " rows for preloaded subject #" + i);
            }
        }
    }

    @Benchmark
    public Decision library(Keys k) {
        return service.check(k.next(keys), LedgerFixture.NEWSLETTER);
    }

    @Benchmark
    public int rawIndexedSelect(Keys k, Blackhole bh) throws SQLException {
        return readEvents(k.next(keys), bh);
    }

    private int readEvents(SubjectId subject, Blackhole bh) throws SQLException {
        int rows = 0;
        try (Connection c = db.pool.getConnection(); PreparedStatement ps = c.prepareStatement(select)) {
            ps.setString(1, subject.value());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    String subjectValue = rs.getString(1);
                    long seq = rs.getLong(2);
                    String eventId = rs.getString(3);
                    String purpose = rs.getString(4);
                    int consentVersion = rs.getInt(5);
                    String policyVersion = rs.getString(6);
                    String choice = rs.getString(7);
                    Object occurredAt = instant(rs, 8);
                    Object recordedAt = instant(rs, 9);
                    Object expiresAt = instant(rs, 10);
                    String method = rs.getString(11);
                    String actor = rs.getString(12);
                    short age = rs.getShort(13);
                    String[] evidence = new String[6];
                    for (int i = 0; i < 6; i++) {
                        evidence[i] = rs.getString(14 + i);
                    }
                    String previousHash = rs.getString(20);
                    String hash = rs.getString(21);
                    if (bh != null) {
                        bh.consume(subjectValue);
                        bh.consume(seq);
                        bh.consume(eventId);
                        bh.consume(purpose);
                        bh.consume(consentVersion);
                        bh.consume(policyVersion);
                        bh.consume(choice);
                        bh.consume(occurredAt);
                        bh.consume(recordedAt);
                        bh.consume(expiresAt);
                        bh.consume(method);
                        bh.consume(actor);
                        bh.consume(age);
                        bh.consume(evidence);
                        bh.consume(previousHash);
                        bh.consume(hash);
                    }
                }
            }
        }
        return rows;
    }

    /** An instant column read the cheapest typed way the driver offers. */
    private Object instant(ResultSet rs, int index) throws SQLException {
        return switch (db.dialect) {
            case MARIADB -> rs.getString(index);
            default -> rs.getObject(index, OffsetDateTime.class);
        };
    }

    @TearDown(Level.Trial)
    public void close() {
        service.close();
        db.close();
    }
}
