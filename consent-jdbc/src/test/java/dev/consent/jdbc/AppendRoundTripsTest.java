package dev.consent.jdbc;

import dev.consent.ConsentService;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.Choice;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.retention.RetentionService;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RecipientsPolicy;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How many round trips to the database the append path costs, pinned per database: on a busy machine a timing says
 * little, a count says exactly what a change added or saved (issue 15's host transaction, issue 20's batch append).
 * Counted through {@link SwitchableDataSource#roundTrips}: every statement execution (a JDBC batch once), commit,
 * rollback, savepoint and release.
 *
 * <p>The host transaction is {@code HostTransactionBenchmark}'s: inside the host's transaction, record the customer's
 * {@code last_transaction} anchor and grant the newsletter under an event id derived from the order; once for a
 * customer's first order (a new chain and a new item), once for a later order (both continued). The batch is a
 * {@link ConsentService#record} of choices for subjects seen for the first time, in a transaction of the store's own:
 * its cost does not grow with the batch.
 */
class AppendRoundTripsTest {
    private static final Instant T0 = Instant.parse("2025-06-04T08:00:00.123456Z");
    private static final String CATEGORY = "contact.email";

    /** Round trips of {anchor + grant of a customer's first order, of a later order, a record of 50 new subjects}. */
    private static final Map<Database, int[]> PINNED = Map.of(
            Database.H2, new int[] {12, 12, 5},
            Database.POSTGRESQL, new int[] {6, 6, 3},
            Database.MARIADB, new int[] {12, 12, 5});

    private SwitchableDataSource db;
    private String prefix;
    private ConsentService consents;

    @AfterEach
    void drop() {
        if (consents != null) {
            consents.close();
            Databases.dropTables(Databases.shared(dialect), prefix);
            try (Connection c = Databases.shared(dialect).getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + prefix + "orders");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private Database dialect;

    @ParameterizedTest
    @EnumSource(Database.class)
    void theAppendPathCostsThePinnedNumberOfRoundTrips(Database database) throws Exception {
        dialect = database;
        db = new SwitchableDataSource(Databases.shared(database));
        prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        MutableClock clock = new MutableClock(T0);
        consents = ConsentService.builder().policy(RecipientsPolicy.policy()).store(store).clock(clock).build();
        RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .policy(RecipientsPolicy.policy()).store(store).clock(clock).build();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + prefix + "orders (id BIGINT PRIMARY KEY, customer VARCHAR(40) NOT NULL)");
        }
        SubjectId customer = SubjectId.of("customer-1");

        List<String> first = hostOrder(store, retention, 1, customer);
        clock.advance(java.time.Duration.ofSeconds(1));
        List<String> later = hostOrder(store, retention, 2, customer);

        List<ChoiceRecord> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batch.add(new ChoiceRecord(SubjectId.of("subject-" + i), RecipientsPolicy.NEWSLETTER,
                    i % 3 == 0 ? Choice.DENIED : Choice.GRANTED, Capture.by(Method.COOKIE_BANNER)));
        }
        db.roundTrips.clear();
        db.recordRoundTrips = true;
        assertThat(consents.record(batch)).hasSize(50);
        db.recordRoundTrips = false;
        List<String> record = List.copyOf(db.roundTrips);

        assertThat(consents.verify(customer).intact()).isTrue();
        assertThat(consents.history(customer)).hasSize(2);
        int[] pinned = PINNED.get(database);
        String trips = "\nfirst order: " + String.join("\n  ", first) + "\nlater order: " + String.join("\n  ", later)
                + "\nrecord of 50: " + String.join("\n  ", record);
        System.out.printf("[round trips on %s] first order %d, later order %d, record of 50 new subjects %d%s%n",
                database, first.size(), later.size(), record.size(), trips);
        assertThat(new int[] {first.size(), later.size(), record.size()})
                .as("round trips on %s of {anchor + grant, first order; later order; record of 50}: %s", database,
                        trips)
                .containsExactly(pinned);
    }

    /** The benchmark's host transaction; answers the round trips the library's calls made. */
    private List<String> hostOrder(JdbcStore store, RetentionService retention, long order, SubjectId customer)
            throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (JoinedTransaction joined = store.join(c)) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix + "orders VALUES (?, ?)")) {
                    ps.setLong(1, order);
                    ps.setString(2, customer.value());
                    ps.executeUpdate();
                }
                db.roundTrips.clear();
                db.recordRoundTrips = true;
                retention.recordAnchor(customer, CATEGORY, Anchor.LAST_TRANSACTION, T0.plusSeconds(order));
                consents.grant(customer, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX)
                        .withEventId(EventId.of("order-" + order).derive("newsletter")));
                db.recordRoundTrips = false;
                c.commit();
            } finally {
                db.recordRoundTrips = false;
                c.setAutoCommit(true);
            }
        }
        return List.copyOf(db.roundTrips);
    }
}
