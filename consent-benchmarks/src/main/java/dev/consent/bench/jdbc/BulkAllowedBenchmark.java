package dev.consent.bench.jdbc;

import dev.consent.ConsentService;
import dev.consent.bench.BenchDb;
import dev.consent.jdbc.Database;
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

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Which of N subjects may be sent the newsletter, on a cold cache.
 *
 * <p><b>Measured:</b> {@link ConsentService#filterAllowed} over all {@code subjects} preloaded subjects (in load order,
 * which is random with respect to the key order) for a consent purpose. The service's cache is empty (bulk checks
 * do not fill it), so every subject is read: {@code decisionFacts} in chunks of {@code chunk} subjects
 * ({@code bulkChunkSize}), narrowed on the database's side to the events of the purpose's lineage and those declaring
 * an age (what deciding the purpose reads), read as decision facts, and each subject decided by the full rules.
 *
 * <p><b>Yardstick:</b> {@link #rawSql}: one hand-written query per chunk of the same size, returning the subjects
 * whose latest explicit choice for the purpose, made by now, is a grant under the current consent version that has
 * not expired (PostgreSQL {@code DISTINCT ON}; H2 and MariaDB {@code ROW_NUMBER()}). What it leaves out of the
 * library's rules, none of which the data exercises: refusals of a parent purpose (the purpose has none), restriction
 * (Art. 18), a minimum age (none set), and the events of visitors linked to a customer (no links). Its result is
 * checked equal to the library's in setup.
 *
 * <p><b>Target:</b> library at most 1.3x the yardstick's time, and under 5 s for 1,000,000 subjects.
 *
 * <p><b>Data:</b> two events per subject ({@link LedgerFixture#twoChoices}: three in four may be sent the
 * newsletter), random UUID keys, loaded through {@link ConsentService#record} in batches of 10,000 events in the
 * trial setup (each benchmark method forks and loads its own tables), then {@code ANALYZE}.
 *
 * <p><b>Score:</b> milliseconds per call over all subjects. <b>Sizes:</b> small (default) {@code -p subjects=100000};
 * full {@code -p subjects=1000000}; {@code -p chunk=1000} (the library's default {@code bulkChunkSize}), try 5000.
 * Database {@code -p database=postgresql|h2|mariadb}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Benchmark)
public class BulkAllowedBenchmark {
    @Param("postgresql")
    public String database;

    @Param("100000")
    public int subjects;

    @Param("1000")
    public int chunk;

    private BenchDb db;
    private ConsentService service;
    private List<SubjectId> asked;
    private String sql;

    @Setup(Level.Trial)
    public void load() throws SQLException {
        db = BenchDb.open(database, 4);
        service = LedgerFixture.service(db.store(), 100_000, chunk);
        SubjectId[] keys = LedgerFixture.randomSubjects(subjects, 11);
        int expected = LedgerFixture.preload(service, keys, 10_000);
        db.analyze();
        asked = Collections.unmodifiableList(Arrays.asList(keys));
        sql = sql(db.dialect);

        Set<SubjectId> byLibrary = new HashSet<>(service.filterAllowed(asked, LedgerFixture.NEWSLETTER));
        List<SubjectId> bySql = rawSql();
        if (byLibrary.size() != expected || bySql.size() != expected || !byLibrary.equals(new HashSet<>(bySql))) {
            throw new IllegalStateException("expected " + expected + " allowed subjects; the library found "
                    + byLibrary.size() + ", the query " + bySql.size() + " (sets equal: "
                    + byLibrary.equals(new HashSet<>(bySql)) + ")");
        }
    }

    @Setup(Level.Iteration)
    public void coldCache() {
        service.invalidateCache();
    }

    @Benchmark
    public List<SubjectId> library() {
        return service.filterAllowed(asked, LedgerFixture.NEWSLETTER);
    }

    @Benchmark
    public List<SubjectId> rawSql() throws SQLException {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<SubjectId> out = new ArrayList<>();
        try (Connection c = db.pool.getConnection()) {
            for (int from = 0; from < asked.size(); from += chunk) {
                List<SubjectId> part = asked.subList(from, Math.min(asked.size(), from + chunk));
                String statement = db.dialect == Database.POSTGRESQL ? sql
                        : sql.replace("#", String.join(",", Collections.nCopies(part.size(), "?")));
                try (PreparedStatement ps = c.prepareStatement(statement)) {
                    int i = 1;
                    if (db.dialect == Database.POSTGRESQL) {
                        Array keys = c.createArrayOf("text", part.stream().map(SubjectId::value).toArray());
                        ps.setArray(i++, keys);
                    } else {
                        for (SubjectId s : part) {
                            ps.setString(i++, s.value());
                        }
                    }
                    ps.setString(i++, LedgerFixture.NEWSLETTER.value());
                    LedgerFixture.setInstant(ps, i++, now, db.dialect);
                    ps.setInt(i++, LedgerFixture.POLICY.purpose(LedgerFixture.NEWSLETTER).consentVersion());
                    LedgerFixture.setInstant(ps, i, now, db.dialect);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(SubjectId.of(rs.getString(1)));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The yardstick's query; {@code #} stands for the key placeholders where keys are not passed as one array. */
    private String sql(Database dialect) {
        String events = db.table("events");
        String explicit = "purpose = ? AND choice IN ('GRANTED', 'DENIED', 'WITHDRAWN', 'OBJECTED')"
                + " AND method <> 'GPC' AND occurred_at <= ?";
        String allowed = "choice = 'GRANTED' AND consent_version >= ? AND (expires_at IS NULL OR expires_at > ?)";
        if (dialect == Database.POSTGRESQL) {
            return "SELECT subject FROM (SELECT DISTINCT ON (subject) subject, choice, consent_version, expires_at"
                    + " FROM " + events + " WHERE subject = ANY(?) AND " + explicit
                    + " ORDER BY subject, occurred_at DESC, seq DESC) latest WHERE " + allowed;
        }
        return "SELECT subject FROM (SELECT subject, choice, consent_version, expires_at, ROW_NUMBER() OVER"
                + " (PARTITION BY subject ORDER BY occurred_at DESC, seq DESC) AS n FROM " + events
                + " WHERE subject IN (#) AND " + explicit + ") latest WHERE n = 1 AND " + allowed;
    }

    @TearDown(Level.Trial)
    public void close() {
        service.close();
        db.close();
    }
}
