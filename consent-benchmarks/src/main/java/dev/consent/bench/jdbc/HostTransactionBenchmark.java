package dev.consent.bench.jdbc;

import dev.consent.ConsentService;
import dev.consent.bench.BenchDb;
import dev.consent.jdbc.JdbcStore;
import dev.consent.jdbc.JoinedTransaction;
import dev.consent.ledger.Capture;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionRule;
import dev.consent.retention.RetentionService;
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

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * A shop's order transaction, with and without the library's writes joined to it (issue 15).
 *
 * <p><b>Measured:</b> {@link #withLibrary}: one host transaction on a pooled connection, joined by the store
 * ({@link JdbcStore#join}): insert the order row, record the customer's {@code last_transaction} retention anchor
 * ({@link RetentionService#recordAnchor}: the item and its due instant), grant the newsletter with an event id derived
 * from the order ({@link ConsentService#grant}: the head read, the event, its chain head and its change-feed entry),
 * commit. The customer is drawn at random from {@code customers}, so most orders are a customer's first (a new chain
 * and a new item) and later ones continue them.
 *
 * <p><b>Yardstick:</b> {@link #orderOnly}: the same host transaction without the library: insert the order row,
 * commit, on a pooled connection from the same pool. The difference is what recording the order's consent and
 * retention evidence in the shop's own transaction costs.
 *
 * <p><b>Target:</b> the library at most 1.5x the yardstick's time (issue 15).
 *
 * <p><b>Score:</b> microseconds per host transaction. One thread; the benchmark leaves the feed's numbering to the
 * readers (none runs here), as a node whose poller reads the feed elsewhere would. Each run checks afterwards that
 * every committed library transaction left its order, its event and its item.
 *
 * <p><b>Sizes:</b> {@code -p customers=100000} (default). Database {@code -p database=postgresql|h2|mariadb}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
@State(Scope.Benchmark)
public class HostTransactionBenchmark {
    private static final String CATEGORY = "contact.email";
    private static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");

    @Param("postgresql")
    public String database;

    @Param("100000")
    public int customers;

    private BenchDb db;
    private JdbcStore store;
    private ConsentService consents;
    private RetentionService retention;
    private String orders;
    private final SplittableRandom random = new SplittableRandom(42);
    private long nextOrder;
    private long libraryOrders;

    static Policy policy() {
        return Policy.builder("bench-host-transaction", "1")
                .effectiveFrom(LocalDate.of(2020, 1, 1))
                .zone(ZoneOffset.UTC)
                .category(CATEGORY, "Email address")
                .purpose(Purpose.builder(NEWSLETTER.value()).title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories(CATEGORY).build())
                .retention(RetentionRule.maximum("email-2y", CATEGORY, DisposalAction.DELETE).period("P2Y")
                        .after(Anchor.LAST_TRANSACTION).build())
                .build();
    }

    @Setup(Level.Trial)
    public void open() {
        db = BenchDb.open(database, 4);
        store = db.store();
        consents = ConsentService.builder().policy(policy()).store(store).build();
        retention = RetentionService.builder().policy(policy()).store(store)
                .referenceKey("bench", "benchmark-reference-key-32-bytes".getBytes(StandardCharsets.US_ASCII))
                .build();
        orders = db.table("orders");
        db.execute("CREATE TABLE " + orders + " (id BIGINT NOT NULL PRIMARY KEY, customer VARCHAR(40) NOT NULL,"
                + " total_cents BIGINT NOT NULL)");
    }

    @Benchmark
    public long withLibrary() throws SQLException {
        long order = ++nextOrder;
        SubjectId customer = customer();
        try (Connection c = db.pool.getConnection()) {
            c.setAutoCommit(false);
            try (JoinedTransaction joined = store.join(c)) {
                insertOrder(c, order, customer);
                retention.recordAnchor(customer, CATEGORY, Anchor.LAST_TRANSACTION,
                        Instant.now().truncatedTo(ChronoUnit.MICROS));
                consents.grant(customer, NEWSLETTER, Capture.by(Method.CHECKBOX)
                        .withEventId(EventId.of("order-" + order).derive("newsletter")));
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
        libraryOrders++;
        return order;
    }

    @Benchmark
    public long orderOnly() throws SQLException {
        long order = ++nextOrder;
        SubjectId customer = customer();
        try (Connection c = db.pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                insertOrder(c, order, customer);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
        return order;
    }

    private SubjectId customer() {
        return SubjectId.of("customer-" + random.nextInt(customers));
    }

    private void insertOrder(Connection c, long order, SubjectId customer) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + orders + " VALUES (?, ?, ?)")) {
            ps.setLong(1, order);
            ps.setString(2, customer.value());
            ps.setLong(3, 1_000 + order % 9_000);
            ps.executeUpdate();
        }
    }

    /** Fails the run unless every order committed and each library order left its event. */
    @TearDown(Level.Iteration)
    public void verify() throws SQLException {
        long stored = count("SELECT COUNT(*) FROM " + orders);
        if (stored != nextOrder) {
            throw new IllegalStateException(orders + " holds " + stored + " rows, expected " + nextOrder);
        }
        long events = count("SELECT COUNT(*) FROM " + db.table("events"));
        if (events != libraryOrders) {
            throw new IllegalStateException("events holds " + events + " rows, expected " + libraryOrders);
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection c = db.pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        consents.close();
        db.execute("DROP TABLE IF EXISTS " + orders);
        db.close();
    }
}
