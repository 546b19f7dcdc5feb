package dev.consent.bench.jdbc;

import dev.consent.bench.BenchDb;
import dev.consent.jdbc.Database;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.DisposalPlan;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.RetentionRule;
import dev.consent.retention.RetentionService;
import dev.consent.retention.RetentionVerdict;
import dev.consent.retention.SweepReport;
import dev.consent.retention.Sweeper;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A retention sweep of {@code due} items among {@code items} retained items, against the raw SQL that removes the
 * same due set in one statement.
 *
 * <p><b>Measured</b> ({@link #librarySweep}): one {@link Sweeper#sweep} call that claims every due item
 * (batches of {@code batchSize}, the library's default unless {@code -p batchSize=...} says otherwise;
 * {@code FOR UPDATE SKIP LOCKED} on PostgreSQL and MariaDB), reads the holds of each
 * batch's subjects in one query, calls a no-op {@code DisposalHandler} per item, and records the batch's disposals
 * (item states and audit entries) in one transaction per batch. Single shot: each measured invocation is one full sweep, and the due set is restored between
 * iterations (untimed).
 *
 * <p><b>Yardstick</b> ({@link #rawDeleteReturning}): the due set removed by one statement that hands the removed keys
 * back to the client, which reads them all: {@code DELETE ... WHERE active_due_at <= ? RETURNING subject, category,
 * purpose} on PostgreSQL and MariaDB (10.5+); on H2, which has no {@code RETURNING}, the equivalent data change delta
 * table {@code SELECT subject, category, purpose FROM OLD TABLE (DELETE ... WHERE active_due_at <= ?)}. Same tables,
 * same due index, same run; it writes no audit and calls no handler, so it is the floor of what a sweep can cost.
 *
 * <p><b>Target</b>: the library sweep at most 10x the yardstick, and at least 100,000 items per second at full size.
 *
 * <p><b>Data</b>: the library records two template items through {@link RetentionService#recordAnchor} (one due a
 * year ago, one due in a year), and the table is filled by {@code INSERT ... SELECT} copies of those rows under new
 * subject ids ({@code generate_series} / {@code seq_1_to_N} / {@code SYSTEM_RANGE}), so every row is exactly what the
 * library writes; recording a million anchors one by one costs three round trips and a commit each. Setup then reads
 * a sample back through the library and checks that the dry run ({@link RetentionService#plan}) counts exactly
 * {@code due} due items, none held, none without a handler; after each library sweep the report must say {@code due}
 * disposed, and after each raw delete {@code due} rows must have come back.
 *
 * <p><b>Sizes</b>: default {@code items=100000, due=10000}; full size {@code -p items=1000000 -p due=100000}.
 * {@code -p database=h2|mariadb} switches the database (default postgresql).
 *
 * <pre>
 * java -jar consent-benchmarks/target/benchmarks.jar SweepBenchmark -f 1 -wi 1 -i 2
 * java -jar consent-benchmarks/target/benchmarks.jar SweepBenchmark -f 1 -wi 1 -i 3 -p items=1000000 -p due=100000
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SweepBenchmark {
    static final String CATEGORY = "contact.email";
    private static final DateTimeFormatter MARIADB_INSTANT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
    /** The columns the library writes (the claim columns stay NULL, active_due_at is generated). */
    private static final String COLUMNS = "subject, category, purpose, anchors, erasure_requested_at, due_at, state,"
            + " attempts, not_before, version";

    @Param("postgresql")
    public String database;

    @Param("100000")
    public int items;

    @Param("10000")
    public int due;

    /** The sweeper's claim batch (the library's default, 1,000). */
    @Param("1000")
    public int batchSize;

    private BenchDb db;
    private JdbcStore store;
    private RetentionService retention;
    private Sweeper sweeper;
    private Instant cutoff;
    private String itemsTable;
    private String keptDue;
    private SweepReport lastReport;
    private int lastDeleted = -1;

    static Policy policy() {
        return Policy.builder("bench-retention", "1")
                .effectiveFrom(LocalDate.of(2020, 1, 1))
                .zone(ZoneOffset.UTC)
                .category(CATEGORY, "Email address")
                .purpose(Purpose.builder("marketing.email").title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories(CATEGORY).build())
                .retention(RetentionRule.maximum("email-1y", CATEGORY, DisposalAction.DELETE).period("P1Y")
                        .after(Anchor.COLLECTED).build())
                .build();
    }

    @Setup(Level.Trial)
    public void load() throws SQLException {
        if (due < 1 || due > items) {
            throw new IllegalArgumentException("due must be between 1 and items");
        }
        db = BenchDb.open(database, 4);
        store = db.store();
        retention = RetentionService.builder().policy(policy()).store(store)
                .referenceKey("bench", "benchmark-reference-key-32-bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .build();
        sweeper = Sweeper.builder(retention).batchSize(batchSize).node("bench-sweeper").handler(CATEGORY, request -> {
        }).build();
        itemsTable = db.table("items");
        keptDue = db.table("kept_due");
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        cutoff = now;
        // the templates, written by the library itself
        retention.recordAnchor(SubjectId.of("tmpl-due"), CATEGORY, Anchor.COLLECTED, now.minus(Duration.ofDays(800)));
        retention.recordAnchor(SubjectId.of("tmpl-kept"), CATEGORY, Anchor.COLLECTED, now.minus(Duration.ofDays(1)));
        long start = System.nanoTime();
        int step = items / due;
        copy("tmpl-due", "g % " + step + " = 0 AND g <= " + (long) step * due);
        copy("tmpl-kept", "NOT (g % " + step + " = 0 AND g <= " + (long) step * due + ")");
        db.execute("DELETE FROM " + itemsTable + " WHERE subject LIKE 'tmpl-%'");
        db.execute("CREATE TABLE " + keptDue + " AS SELECT " + COLUMNS + " FROM " + itemsTable
                + " WHERE state = 'ACTIVE' AND due_at <= " + literal(cutoff));
        db.analyze();
        System.out.printf("%n[sweep] %s: %d items (%d due) loaded in %d ms%n", database, items, due,
                (System.nanoTime() - start) / 1_000_000);
        verifyLoaded();
    }

    /** Copies a template row to subjects s0000001.. that satisfy {@code where} (over the generated number g). */
    private void copy(String template, String where) {
        String subject = switch (db.dialect) {
            case POSTGRESQL -> "'s' || lpad(g::text, 9, '0')";
            case MARIADB -> "CONCAT('s', LPAD(g, 9, '0'))";
            case H2 -> "CONCAT('s', LPAD(CAST(g AS VARCHAR), 9, '0'))";
        };
        String numbers = switch (db.dialect) {
            case POSTGRESQL -> "generate_series(1, " + items + ") AS n(g)";
            case MARIADB -> "(SELECT seq AS g FROM seq_1_to_" + items + ") n";
            case H2 -> "(SELECT X AS g FROM SYSTEM_RANGE(1, " + items + ")) n";
        };
        db.execute("INSERT INTO " + itemsTable + " (" + COLUMNS + ") SELECT " + subject + ", t.category, t.purpose,"
                + " t.anchors, t.erasure_requested_at, t.due_at, t.state, t.attempts, t.not_before, t.version FROM "
                + itemsTable + " t CROSS JOIN " + numbers + " WHERE t.subject = '" + template + "' AND " + where);
    }

    /** The library's own view of the loaded rows: a due and a kept sample, the item count and the dry run. */
    private void verifyLoaded() throws SQLException {
        int step = items / due;
        ItemKey dueSample = ItemKey.of(subject(step), CATEGORY);
        ItemKey keptSample = ItemKey.of(subject(step == 1 ? items : 1), CATEGORY);
        check(retention.verdict(dueSample).status() == RetentionVerdict.Status.DUE, "the due sample is not DUE");
        if (due < items) {
            RetentionVerdict kept = retention.verdict(keptSample);
            check(kept.status() == RetentionVerdict.Status.KEEP, "the kept sample is " + kept.status());
        }
        Optional<RetainedItem> stored = store.item(dueSample);
        check(stored.isPresent() && stored.get().version() == 1 && stored.get().anchors().size() == 1,
                "the due sample does not read back as the library wrote it: " + stored);
        check(count("SELECT COUNT(*) FROM " + itemsTable) == items, "the item count is not " + items);
        verifyPlan();
    }

    private void verifyPlan() {
        DisposalPlan plan = retention.plan(Instant.now());
        check(plan.due() == due && plan.held() == 0 && sweeper.withoutHandler(plan).isEmpty(),
                "the dry run does not count " + due + " due items: " + plan.due() + " due, " + plan.held() + " held, "
                        + sweeper.withoutHandler(plan) + " without handler");
    }

    static String subject(int n) {
        return String.format("s%09d", n);
    }

    // ------------------------------------------------------------------------------------------ restoring

    @Setup(Level.Iteration)
    public void restoreDueSet() throws SQLException {
        // after a sweep: the disposed items become active again, as loaded (version 1, audit emptied)
        db.execute("UPDATE " + itemsTable + " SET state = 'ACTIVE', version = 1 WHERE state <> 'ACTIVE'");
        // after a raw delete: the deleted rows come back
        if (count("SELECT COUNT(*) FROM " + itemsTable) < items) {
            db.execute("INSERT INTO " + itemsTable + " (" + COLUMNS + ") SELECT " + COLUMNS + " FROM " + keptDue);
        }
        db.execute("DELETE FROM " + db.table("disposals"));
        vacuum();
        check(count("SELECT COUNT(*) FROM " + itemsTable + " WHERE active_due_at IS NOT NULL AND due_at <= "
                + literal(cutoff)) == due, "the due set was not restored");
        check(count("SELECT COUNT(*) FROM " + itemsTable) == items, "the item count was not restored");
        lastReport = null;
        lastDeleted = -1;
    }

    private void vacuum() {
        switch (db.dialect) {
            case POSTGRESQL -> {
                db.execute("VACUUM ANALYZE " + itemsTable);
                db.execute("VACUUM ANALYZE " + db.table("disposals"));
            }
            case MARIADB -> db.execute("ANALYZE TABLE " + itemsTable);
            case H2 -> db.execute("ANALYZE");
        }
    }

    @TearDown(Level.Iteration)
    public void verifyOutcome() {
        if (lastReport != null) {
            check(lastReport.disposed() == due && lastReport.claimed() == due && !lastReport.budgetExhausted(),
                    "the sweep did not dispose of exactly " + due + " items: " + lastReport);
        }
        if (lastDeleted >= 0) {
            check(lastDeleted == due, "the raw delete returned " + lastDeleted + " rows, not " + due);
        }
    }

    @TearDown(Level.Trial)
    public void drop() {
        if (db != null) {
            db.execute("DROP TABLE IF EXISTS " + keptDue);
            db.close();
        }
    }

    // ------------------------------------------------------------------------------------------ measured

    /** The library: one sweep of the whole due set through a no-op handler. */
    @Benchmark
    public SweepReport librarySweep() {
        lastReport = sweeper.sweep(Integer.MAX_VALUE, Duration.ofHours(1));
        return lastReport;
    }

    /** The yardstick: the due set deleted in one statement, the deleted keys read back by the client. */
    @Benchmark
    public int rawDeleteReturning() throws SQLException {
        String where = " WHERE active_due_at <= ?";
        String sql = db.dialect == Database.H2
                ? "SELECT subject, category, purpose FROM OLD TABLE (DELETE FROM " + itemsTable + where + ")"
                : "DELETE FROM " + itemsTable + where + " RETURNING subject, category, purpose";
        int n = 0;
        try (Connection c = db.pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bindInstant(ps, 1, Instant.now());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(1) != null && rs.getString(2) != null && rs.getString(3) != null) {
                        n++;
                    }
                }
            }
        }
        lastDeleted = n;
        return n;
    }

    // ------------------------------------------------------------------------------------------ helpers

    private void bindInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
        if (db.dialect == Database.MARIADB) {
            ps.setString(index, MARIADB_INSTANT.format(LocalDateTime.ofInstant(value, ZoneOffset.UTC)));
        } else {
            ps.setObject(index, value.atOffset(ZoneOffset.UTC));
        }
    }

    /** An instant as an SQL literal for this dialect (UTC). */
    private String literal(Instant t) {
        String text = MARIADB_INSTANT.format(LocalDateTime.ofInstant(t, ZoneOffset.UTC));
        return switch (db.dialect) {
            case MARIADB -> "'" + text + "'";
            default -> "TIMESTAMP WITH TIME ZONE '" + text + "+00:00'";
        };
    }

    private long count(String sql) throws SQLException {
        try (Connection c = db.pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void check(boolean ok, String failure) {
        if (!ok) {
            throw new IllegalStateException(failure);
        }
    }
}
