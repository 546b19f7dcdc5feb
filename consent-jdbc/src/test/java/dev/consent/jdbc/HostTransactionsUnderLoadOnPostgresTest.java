package dev.consent.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.consent.ConsentService;
import dev.consent.StoreException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.RetentionService;
import dev.consent.testing.RecipientsPolicy;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Host transactions from many threads on PostgreSQL, each joined by the store: insert the host's order row, record
 * the customer's "last transaction" anchor and the order's own retention item, record a consent event, hold the
 * transaction open 5 ms, then commit (one in five rolls back instead). Five customers are shared by all threads, so
 * their chain heads and retention items are contended. Afterwards no chain forks, every committed order has its event
 * and its anchors, and no rolled-back order left either. Prints the throughput with one thread and with eight, and,
 * with eight, of the same host transaction without the consent event and without any of the library's writes (no
 * timed assertion: the figures depend on the machine).
 */
class HostTransactionsUnderLoadOnPostgresTest {
    private static final int THREADS = 8;

    /** The library's writes in a host transaction: anchors and a consent event, anchors only, or none. */
    private enum Work {
        ALL, ANCHORS, PLAIN
    }

    private static final Duration HOLD = Duration.ofMillis(5);
    private static final List<SubjectId> CUSTOMERS = List.of(SubjectId.of("anna"), SubjectId.of("ben"),
            SubjectId.of("cleo"), SubjectId.of("dan"), SubjectId.of("eve"));
    private static final Instant BASE = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS);

    private HikariDataSource db;
    private String prefix;
    private JdbcStore store;
    private ConsentService consents;
    private RetentionService retention;
    private final Set<Integer> committed = ConcurrentHashMap.newKeySet();
    private final Set<Integer> rolledBack = ConcurrentHashMap.newKeySet();
    private final AtomicInteger retried = new AtomicInteger();

    @BeforeEach
    void createStore() throws SQLException {
        db = Databases.pool(Database.POSTGRESQL, null, THREADS + 2);
        prefix = Databases.freshPrefix();
        store = JdbcStore.builder(db).tablePrefix(prefix).build();
        consents = ConsentService.builder().policy(RecipientsPolicy.policy()).store(store).clock(Clock.systemUTC())
                .build();
        retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .policy(RecipientsPolicy.policy()).store(store).clock(Clock.systemUTC()).build();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + prefix + "orders (id INT PRIMARY KEY, customer VARCHAR(40) NOT NULL,"
                    + " work VARCHAR(10) NOT NULL)");
        }
    }

    @AfterEach
    void dropStore() throws SQLException {
        if (db == null) {
            return;
        }
        consents.close();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + prefix + "orders");
        }
        Databases.dropTables(db, prefix);
        db.close();
    }

    @Test
    void eightThreadsOfHostTransactionsForkNoChainAndLoseNothing() throws Exception {
        double alone = run(1, 60, 0, Work.ALL);
        double eight = run(THREADS, 40, 1_000, Work.ALL);
        double anchorsOnly = run(THREADS, 40, 2_000, Work.ANCHORS);
        double plain = run(THREADS, 40, 3_000, Work.PLAIN);

        System.out.printf("[host transactions on PostgreSQL] order row + 2 anchors + 1 consent event, held %d ms:"
                        + " 1 thread %.0f tx/s, %d threads %.0f tx/s (%.2fx). %d threads without the consent event"
                        + " (order row + 2 anchors): %.0f tx/s; without any of the library's writes: %.0f tx/s."
                        + " Whole transactions retried: %d%n",
                HOLD.toMillis(), alone, THREADS, eight, eight / alone, THREADS, anchorsOnly, plain, retried.get());

        assertThat(committed).as("orders committed").hasSizeGreaterThan(200);
        assertThat(rolledBack).as("orders rolled back").hasSizeGreaterThan(50);
        assertThat(ordersInTable()).as("the host's rows: the committed orders, none rolled back")
                .isEqualTo(new TreeMap<>(committed.stream().collect(Collectors.toMap(n -> n, this::customerOf))));

        Map<SubjectId, Set<String>> expectedEvents = new TreeMap<>();
        for (int n : committed) {
            if (work(n) == Work.ALL) {
                expectedEvents.computeIfAbsent(SubjectId.of(customerOf(n)), s -> new HashSet<>()).add(eventId(n).value());
            }
        }
        for (SubjectId customer : CUSTOMERS) {
            ChainVerification verification = consents.verify(customer);
            assertThat(verification.intact()).as("%s's chain: %s", customer, verification.firstBreak()).isTrue();
            List<ConsentEvent> history = consents.history(customer);
            assertThat(verification.eventsChecked()).as("%s: every stored event is on the one chain", customer)
                    .isEqualTo(history.size());
            for (int i = 0; i < history.size(); i++) {
                assertThat(history.get(i).sequence()).as("%s: sequences without a gap or a twin", customer)
                        .isEqualTo(i + 1L);
                if (i > 0) {
                    assertThat(history.get(i).previousHash()).as("%s: event %d follows the one before", customer, i + 1)
                            .isEqualTo(history.get(i - 1).hash());
                }
            }
            assertThat(history.stream().map(e -> e.id().value()).collect(Collectors.toSet()))
                    .as("%s: an event for each committed order, none for a rolled-back one", customer)
                    .isEqualTo(expectedEvents.getOrDefault(customer, Set.of()));

            Optional<Instant> last = committed.stream().filter(n -> work(n) != Work.PLAIN && customerOf(n).equals(customer.value()))
                    .map(HostTransactionsUnderLoadOnPostgresTest::orderedAt).max(Instant::compareTo);
            assertThat(store.item(ItemKey.of(customer.value(), "contact.email")).map(i -> i.anchors()
                    .get(Anchor.LAST_TRANSACTION))).as("%s: the last committed order's anchor, no later one", customer)
                    .isEqualTo(last);
        }
        for (int n = 0; n < 3_000; n++) {
            boolean kept = committed.contains(n);
            Optional<RetainedItem> item = store.item(orderItem(n));
            if (kept || rolledBack.contains(n)) {
                assertThat(item.isPresent()).as("order %d (%s): its retention item", n, kept ? "committed"
                        : "rolled back").isEqualTo(kept);
            }
            item.ifPresent(i -> assertThat(i.anchors()).containsEntry(Anchor.COLLECTED, orderedAt(i)));
        }
    }

    /** Runs {@code perThread} host transactions on each of {@code threads} threads; answers the commits per second. */
    private double run(int threads, int perThread, int firstOrder, Work work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = firstOrder + t * perThread;
                done.add(pool.submit(() -> {
                    start.await();
                    int commits = 0;
                    for (int n = from; n < from + perThread; n++) {
                        commits += hostTransaction(n) ? 1 : 0;
                    }
                    return commits;
                }));
            }
            long began = System.nanoTime();
            start.countDown();
            int commits = 0;
            for (Future<Integer> f : done) {
                commits += f.get();
            }
            return commits / ((System.nanoTime() - began) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One host transaction for order {@code n}, retried whole when the store reports that the database gave it up (a
     * deadlock or serialization failure). Answers whether it committed.
     */
    private boolean hostTransaction(int n) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = db.getConnection()) {
                c.setAutoCommit(false);
                try {
                    boolean commit = once(c, n);
                    (commit ? committed : rolledBack).add(n);
                    return commit;
                } catch (StoreException e) {
                    c.rollback();
                    if (attempt == 5) {
                        throw e;
                    }
                    retried.incrementAndGet();
                } finally {
                    c.setAutoCommit(true);
                }
            }
        }
    }

    private boolean once(Connection c, int n) throws SQLException, InterruptedException {
        boolean commit = n % 5 != 3;
        Work work = work(n);
        try (JoinedTransaction joined = work != Work.PLAIN ? store.join(c) : null) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix + "orders VALUES (?, ?, ?)")) {
                ps.setInt(1, n);
                ps.setString(2, customerOf(n));
                ps.setString(3, work.name());
                ps.executeUpdate();
            }
            SubjectId customer = SubjectId.of(customerOf(n));
            if (work != Work.PLAIN) {
                retention.recordAnchor(customer, "contact.email", Anchor.LAST_TRANSACTION, orderedAt(n));
                retention.recordAnchor(orderItem(n), Anchor.COLLECTED, orderedAt(n));
            }
            if (work == Work.ALL) {
                consents.grant(customer, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX)
                        .withEventId(eventId(n)));
            }
            Thread.sleep(HOLD.toMillis());
            if (commit) {
                c.commit();
            } else {
                c.rollback();
            }
        } catch (RuntimeException | SQLException | InterruptedException e) {
            c.rollback();
            throw e;
        }
        return commit;
    }

    private Map<Integer, String> ordersInTable() throws SQLException {
        Map<Integer, String> orders = new TreeMap<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, customer FROM " + prefix + "orders")) {
            while (rs.next()) {
                orders.put(rs.getInt(1), rs.getString(2));
            }
        }
        return orders;
    }

    /** What order {@code n}'s transaction writes besides the order row: decided by its number's thousands. */
    private static Work work(int n) {
        return n < 2_000 ? Work.ALL : n < 3_000 ? Work.ANCHORS : Work.PLAIN;
    }

    private String customerOf(int n) {
        return CUSTOMERS.get(n % CUSTOMERS.size()).value();
    }

    private static EventId eventId(int n) {
        return EventId.of("order-" + n).derive("newsletter");
    }

    /** Each order's own retention item: the order as the item's subject, in the category of orders. */
    private static ItemKey orderItem(int n) {
        return ItemKey.of("order-" + n, "order.record");
    }

    private static Instant orderedAt(int n) {
        return BASE.plusSeconds(n);
    }

    private static Instant orderedAt(RetainedItem item) {
        return orderedAt(Integer.parseInt(item.key().subject().value().substring("order-".length())));
    }
}
