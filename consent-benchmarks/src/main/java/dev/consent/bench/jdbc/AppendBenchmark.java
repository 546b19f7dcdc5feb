package dev.consent.bench.jdbc;

import dev.consent.ConsentService;
import dev.consent.bench.BenchDb;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
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

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Appending consent events in batches, hash chain included.
 *
 * <p><b>Measured:</b> one invocation appends {@code events} events in batches of {@code batchSize} through
 * {@link ConsentService#record(List)}: per batch the service drafts each choice, looks up the event ids (idempotent
 * redelivery), reads the chain heads, hashes the chain, and the store appends in one transaction (locks heads,
 * inserts heads, events and change-feed rows, notifies on PostgreSQL, commits). The workload is the bulk case
 * {@code record(List)} exists for: an import or a banner backend flushing captured choices, every batch for subjects
 * seen for the first time, {@code perSubject} choices each (default 1, the heaviest case per event for the library:
 * one chain head and one change-feed row per event; {@code -p perSubject=3} is a three-purpose banner). The
 * {@link ChoiceRecord}s are built before the timer starts.
 *
 * <p><b>Yardstick:</b> {@link #rawBatchInsert} inserts rows with the same column values (chain position and hash
 * computed before the timer starts) into the same events table with a hand-written {@code PreparedStatement}
 * {@code addBatch}/{@code executeBatch}, one transaction per batch, same batch size, a pooled connection per batch.
 * It writes no chain heads, no change feed and checks nothing: the difference is what the library's guarantees cost.
 *
 * <p><b>Target:</b> library at most 1.5x the yardstick's time, and at least 20,000 events/s.
 *
 * <p><b>Score:</b> milliseconds per invocation, i.e. per {@code events} events: events/s = events x 1000 / score.
 * Each benchmark runs in its own fork on its own fresh tables ({@link BenchDb}).
 *
 * <p><b>Sizes:</b> small (default) {@code -p events=20000}; full {@code -p events=100000}. {@code batchSize}
 * default 1000. Database {@code -p database=postgresql|h2|mariadb}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
@State(Scope.Benchmark)
public class AppendBenchmark {
    @Param("postgresql")
    public String database;

    @Param("20000")
    public int events;

    @Param("1000")
    public int batchSize;

    @Param("1")
    public int perSubject;

    private BenchDb db;
    private JdbcStore store;
    private ConsentService service;
    private final SplittableRandom random = new SplittableRandom(42);
    private long expectedRows;

    /** The library's input for the next invocation. */
    private List<List<ChoiceRecord>> recordBatches;
    /** The yardstick's input for the next invocation: the same rows, chained and hashed. */
    private List<List<ConsentEvent>> rowBatches;
    private SubjectId someSubject;
    private boolean libraryRan;

    @Setup(Level.Trial)
    public void open() {
        if (events % batchSize != 0 || batchSize % perSubject != 0) {
            throw new IllegalArgumentException("events must be a multiple of batchSize, and batchSize of perSubject");
        }
        db = BenchDb.open(database, 4);
        store = db.store();
        service = LedgerFixture.service(store, 100_000, 1_000);
    }

    /** Builds both inputs; only the one the running benchmark uses is consumed. */
    @Setup(Level.Invocation)
    public void prepare() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        recordBatches = new ArrayList<>();
        rowBatches = new ArrayList<>();
        for (int b = 0; b < events / batchSize; b++) {
            List<ChoiceRecord> records = new ArrayList<>(batchSize);
            List<ConsentEvent> rows = new ArrayList<>(batchSize);
            for (int s = 0; s < batchSize / perSubject; s++) {
                SubjectId subject = LedgerFixture.randomSubject(random);
                String previous = ConsentChain.GENESIS;
                for (int k = 0; k < perSubject; k++) {
                    PurposeId purpose = LedgerFixture.PURPOSES.get(k % LedgerFixture.PURPOSES.size());
                    Choice choice = (s + k) % 3 == 0 ? Choice.DENIED : Choice.GRANTED;
                    records.add(new ChoiceRecord(subject, purpose, choice,
                            Capture.by(Method.COOKIE_BANNER).withEvidence(LedgerFixture.EVIDENCE).at(now)));
                    ConsentEvent row = LedgerFixture.chained(subject, purpose, choice, now, now, k + 1, previous);
                    previous = row.hash();
                    rows.add(row);
                }
                someSubject = subject;
            }
            recordBatches.add(records);
            rowBatches.add(rows);
        }
    }

    @Benchmark
    public int library() {
        int appended = 0;
        for (List<ChoiceRecord> batch : recordBatches) {
            appended += service.record(batch).size();
        }
        expectedRows += appended;
        libraryRan = true;
        return appended;
    }

    @Benchmark
    public int rawBatchInsert() throws SQLException {
        int appended = 0;
        String sql = LedgerFixture.insertSql(db.table("events"));
        for (List<ConsentEvent> batch : rowBatches) {
            try (Connection c = db.pool.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    for (ConsentEvent e : batch) {
                        LedgerFixture.bind(ps, e, db.dialect);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                    c.commit();
                } catch (SQLException e) {
                    c.rollback();
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            }
            appended += batch.size();
        }
        expectedRows += appended;
        return appended;
    }

    /** Fails the run if the events table does not hold exactly the rows appended, or a library chain is broken. */
    @TearDown(Level.Iteration)
    public void verify() throws SQLException {
        try (Connection c = db.pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + db.table("events"))) {
            rs.next();
            if (rs.getLong(1) != expectedRows) {
                throw new IllegalStateException("events table holds " + rs.getLong(1) + " rows, expected " + expectedRows);
            }
        }
        if (libraryRan) { // the yardstick writes no chain heads, so its chains do not verify by design
            ChainVerification v = service.verify(someSubject);
            if (!v.intact() || v.eventsChecked() != perSubject) {
                throw new IllegalStateException("library chain broken: " + v);
            }
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        service.close();
        db.close();
    }
}
