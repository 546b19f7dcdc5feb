package dev.consent.jdbc;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetainedItem;
import dev.consent.rights.BusinessCalendar;
import dev.consent.rights.Deadline;
import dev.consent.rights.DeadlineTerm;
import dev.consent.rights.Deadlines;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RecipientsPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The store's writes and reads inside the host application's own transaction, joined by hand
 * ({@link JdbcStore#join}) or found through a {@link ConnectionBinding}: the host's commit makes the host's row and
 * the library's rows visible together, to every thread; the host's rollback leaves none of them (no event, feed entry,
 * outbox notice, retained item or rights request) and no cached allow, not even from a check made inside the
 * transaction; and a consent record written after the host's commit under a derived event id is recorded once.
 */
abstract class HostTransactionContract {
    static final Instant T0 = Instant.parse("2025-06-04T08:00:00.123456Z");
    static final SubjectId ALICE = SubjectId.of("alice");
    static final SubjectId BOB = SubjectId.of("bob");

    /** How the host's transaction reaches the store. */
    enum Way {
        JOIN, BINDING
    }

    protected abstract Database dialect();

    final ThreadLocalConnectionBinding binding = new ThreadLocalConnectionBinding();
    final ExecutorService otherThread = Executors.newSingleThreadExecutor();
    String prefix;
    DataSource db;
    JdbcStore store;
    ConsentService consents;

    @BeforeEach
    void createStore() throws SQLException {
        db = Databases.shared(dialect());
        prefix = Databases.freshPrefix();
        store = JdbcStore.builder(db).tablePrefix(prefix).connectionBinding(binding).build();
        consents = ConsentService.builder().policy(RecipientsPolicy.policy()).store(store)
                .clock(new MutableClock(T0)).build();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + prefix + "orders (id VARCHAR(40) PRIMARY KEY)");
        }
    }

    @AfterEach
    void dropStore() throws SQLException {
        otherThread.shutdownNow();
        consents.close();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE " + prefix + "orders");
        }
        Databases.dropTables(db, prefix);
    }

    /** The host's transaction, begun the given way on a connection of its own. */
    final class HostTransaction implements AutoCloseable {
        final Connection connection;
        private final Way way;
        private JoinedTransaction joined;

        HostTransaction(Way way) throws SQLException {
            this(way, UnaryOperator.identity());
        }

        HostTransaction(Way way, UnaryOperator<Connection> wrap) throws SQLException {
            this.way = way;
            this.connection = wrap.apply(db.getConnection());
            if (way == Way.JOIN) {
                connection.setAutoCommit(false);
                joined = store.join(connection);
            } else {
                binding.begin(db, connection);
            }
        }

        void insertOrder(String id) throws SQLException {
            try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + prefix + "orders VALUES (?)")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
        }

        void commit() throws SQLException {
            if (way == Way.JOIN) {
                connection.commit();
                joined.close();
            } else {
                binding.commit();
            }
        }

        void rollback() throws SQLException {
            if (way == Way.JOIN) {
                connection.rollback();
                joined.close();
            } else {
                binding.rollback();
            }
        }

        @Override
        public void close() throws SQLException {
            connection.setAutoCommit(true);
            connection.close();
        }
    }

    <T> T onOtherThread(Supplier<T> work) throws Exception {
        Future<T> f = otherThread.submit(work::get);
        return f.get();
    }

    long orders() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + prefix + "orders")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static RetainedItem anchored(SubjectId subject) {
        return RetainedItem.create(ItemKey.of(subject.value(), "orders"))
                .withAnchors(Map.of(Anchor.COLLECTED, T0)).withDue(T0.plusSeconds(86_400));
    }

    static RightsRequest request(String id, SubjectId subject) {
        BusinessCalendar calendar = BusinessCalendar.of(ZoneId.of("Europe/Berlin"),
                EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), List.of());
        Deadline deadline = Deadlines.after(LocalDate.of(2025, 6, 4), 5, DeadlineTerm.Unit.BUSINESS_DAYS, calendar,
                "ACCESS: 5 business days from receipt");
        return new RightsRequest(id, subject, RequestType.ACCESS, RequestStatus.RECEIVED, T0, Optional.empty(),
                Optional.of(deadline), Optional.of(deadline), Optional.empty(), Optional.empty(),
                List.of(new RightsRequest.Transition(RequestStatus.RECEIVED, T0, "subject", "received")), 0);
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void theHostsCommitMakesItsRowAndEveryWriteOfTheStoreVisibleTogether(Way way) throws Exception {
        consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        assertThat(consents.check(ALICE, RecipientsPolicy.NEWSLETTER).allowed()).as("cached").isTrue();
        long position = store.changeCursor().position();

        try (HostTransaction host = new HostTransaction(way)) {
            assertThat(store.inHostTransaction()).isTrue();
            host.insertOrder("order-1");
            consents.withdraw(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.UNSUBSCRIBE_LINK));
            store.saveItem(anchored(ALICE));
            store.saveRequest(request("request-1", ALICE));
            assertThat(consents.check(ALICE, RecipientsPolicy.NEWSLETTER).allowed())
                    .as("inside the transaction, its own withdrawal is read").isFalse();
            assertThat(onOtherThread(() -> consents.check(ALICE, RecipientsPolicy.NEWSLETTER).allowed()))
                    .as("another thread sees the committed grant only").isTrue();
            assertThat(onOtherThread(() -> store.item(ItemKey.of("alice", "orders")))).isEmpty();
            host.commit();
        }

        assertThat(store.inHostTransaction()).isFalse();
        assertThat(orders()).isEqualTo(1);
        assertThat(onOtherThread(() -> consents.check(ALICE, RecipientsPolicy.NEWSLETTER).allowed()))
                .as("the grant another thread cached during the transaction is dropped at its completion").isFalse();
        assertThat(consents.check(ALICE, RecipientsPolicy.NEWSLETTER).allowed()).isFalse();
        assertThat(consents.history(ALICE)).hasSize(2);
        assertThat(store.notices(ALICE)).hasSize(1);
        assertThat(store.item(ItemKey.of("alice", "orders"))).isPresent();
        assertThat(store.request("request-1")).isPresent();
        assertThat(store.changeCursor().position()).isGreaterThan(position);
        assertThat(consents.verify(ALICE).intact()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void theHostsRollbackLeavesNothingOfTheStoreAndNoCachedAllow(Way way) throws Exception {
        consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        assertThat(consents.check(BOB, RecipientsPolicy.NEWSLETTER).allowed()).as("a cached refusal").isFalse();
        long position = store.changeCursor().position();

        try (HostTransaction host = new HostTransaction(way)) {
            host.insertOrder("order-1");
            consents.grant(BOB, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
            consents.withdraw(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.UNSUBSCRIBE_LINK));
            store.saveItem(anchored(BOB));
            store.saveRequest(request("request-1", BOB));
            assertThat(consents.check(BOB, RecipientsPolicy.NEWSLETTER).allowed())
                    .as("a check inside the transaction reads its grant").isTrue();
            assertThat(consents.checkUncached(BOB, RecipientsPolicy.NEWSLETTER).allowed()).isTrue();
            assertThat(onOtherThread(() -> consents.check(BOB, RecipientsPolicy.NEWSLETTER).allowed()))
                    .as("what the transaction read is not served to other threads").isFalse();
            assertThat(store.notices(ALICE)).hasSize(1);
            host.rollback();
        }

        assertThat(orders()).isZero();
        assertThat(consents.check(BOB, RecipientsPolicy.NEWSLETTER).reason())
                .as("no allow cached from inside the transaction, on the thread that rolled back")
                .isEqualTo(Reason.NO_RECORD);
        assertThat(onOtherThread(() -> consents.check(BOB, RecipientsPolicy.NEWSLETTER).allowed())).isFalse();
        assertThat(consents.check(ALICE, RecipientsPolicy.NEWSLETTER).allowed()).isTrue();
        assertThat(consents.history(BOB)).isEmpty();
        assertThat(consents.history(ALICE)).hasSize(1);
        assertThat(store.heads(List.of(BOB))).isEmpty();
        assertThat(store.notices(ALICE)).isEmpty();
        assertThat(store.item(ItemKey.of("bob", "orders"))).isEmpty();
        assertThat(store.request("request-1")).isEmpty();
        assertThat(store.changeCursor().position()).as("no change-feed entry").isEqualTo(position);
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aConflictAnsweredInsideTheHostsTransactionLeavesItUsable(Way way) throws Exception {
        consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        try (HostTransaction host = new HostTransaction(way)) {
            host.insertOrder("order-1");
            // the same event id with another content: the store's insert fails on the events' key, the store
            // answers a conflict, and the service refuses it
            ConsentEvent first = consents.history(ALICE).get(0);
            assertThat(store.append(List.of(first)).appended()).as("a redelivered event").isFalse();
            host.insertOrder("order-2");
            host.commit();
        }
        assertThat(orders()).isEqualTo(2);
    }

    /**
     * Refusals that need no error: an append onto a head that moved (its compare-and-set moves nothing, and on
     * PostgreSQL the events and feed entries of the same statement are then not inserted either), an item saved at a
     * stale version; and one that is an error, the first save of an item another writer saved first (a unique
     * violation, undone to the savepoint that on PostgreSQL travels in the statement's round trip). Each answers a
     * refusal, writes nothing, and the host's transaction goes on and commits.
     */
    @ParameterizedTest
    @EnumSource(Way.class)
    void refusedAppendsAndItemSavesInsideTheHostsTransactionWriteNothingAndLeaveItUsable(Way way) throws Exception {
        consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        ConsentEvent head = consents.history(ALICE).get(0);
        assertThat(store.saveItem(anchored(ALICE))).isTrue();
        RetainedItem stored = store.item(anchored(ALICE).key()).orElseThrow();
        assertThat(store.saveItem(stored.withDue(T0.plusSeconds(7_200)))).isTrue();
        long position = store.changeCursor().position();
        dev.consent.ledger.NewConsentEvent draft = new dev.consent.ledger.NewConsentEvent(EventId.of("off-chain"), ALICE,
                RecipientsPolicy.NEWSLETTER, 1, "1", dev.consent.ledger.Choice.WITHDRAWN, T0, T0, Optional.empty(),
                Method.API, dev.consent.ledger.Actor.SUBJECT, java.util.OptionalInt.empty(),
                dev.consent.ledger.Evidence.NONE);
        ConsentEvent offChain = ConsentEvent.chain(draft, 2, "0".repeat(64)); // not on the stored head's hash

        try (HostTransaction host = new HostTransaction(way)) {
            host.insertOrder("order-1");
            var refused = store.append(List.of(offChain));
            assertThat(refused.appended()).isFalse();
            assertThat(refused.headConflicts()).containsExactly(ALICE);
            assertThat(store.saveItem(stored)).as("a stale version").isFalse();
            assertThat(store.saveItem(anchored(ALICE))).as("a first save of a stored item").isFalse();
            host.insertOrder("order-2");
            host.commit();
        }
        assertThat(orders()).as("the host's transaction was not aborted").isEqualTo(2);
        assertThat(consents.history(ALICE)).containsExactly(head);
        assertThat(store.heads(List.of(ALICE)).get(ALICE).sequence()).isEqualTo(1);
        assertThat(store.item(stored.key()).orElseThrow().version()).isEqualTo(stored.version() + 1);
        assertThat(store.changeCursor().position()).as("no change-feed entry").isEqualTo(position);
    }

    /**
     * Another writer commits the subject's first event just before the host's transaction inserts that chain's head:
     * the insert is a unique violation. The store undoes its write to its savepoint (on PostgreSQL the host's
     * transaction would otherwise be aborted) and answers a conflict; the service re-reads the head and appends again,
     * which inside a host's transaction is a locking read, so it sees the other writer's commit. The host's
     * transaction goes on and commits. On MariaDB that locking read (REPEATABLE READ) locks the gap where the new head
     * goes, so the other writer waits for the host's commit instead, then conflicts and appends after it: the race is
     * not awaited there, and the outcome is the same, one chain of two events.
     */
    @ParameterizedTest
    @EnumSource(Way.class)
    void aUniqueViolationInsideTheHostsTransactionIsUndoneToASavepointAndRetried(Way way) throws Exception {
        SubjectId dave = SubjectId.of("dave");
        AtomicBoolean raced = new AtomicBoolean();
        AtomicReference<Future<ConsentEvent>> race = new AtomicReference<>();
        UnaryOperator<Connection> raceOnHeadInsert = c -> (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("prepareStatement") && args[0] instanceof String sql
                            && sql.contains("INSERT INTO " + prefix + "heads") && raced.compareAndSet(false, true)) {
                        race.set(otherThread.submit(() -> consents.grant(dave, RecipientsPolicy.ADS,
                                Capture.by(Method.CHECKBOX))));
                        if (dialect() != Database.MARIADB) {
                            race.get().get();
                        }
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (HostTransaction host = new HostTransaction(way, raceOnHeadInsert)) {
            host.insertOrder("order-1");
            consents.grant(dave, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
            assertThat(raced).isTrue();
            host.insertOrder("order-2");
            host.commit();
        }
        race.get().get();
        assertThat(orders()).as("the host's transaction was not aborted").isEqualTo(2);
        assertThat(consents.history(dave)).hasSize(2);
        assertThat(consents.verify(dave).intact()).as("one chain, not forked").isTrue();
    }

    @Test
    void aJoinNeedsAnOpenTransactionAndBelongsToItsThread() throws Exception {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(true);
            assertThatThrownBy(() -> store.join(c)).isInstanceOf(InvalidValueException.class)
                    .hasMessageContaining("connection").hasMessageContaining("auto-commit");
            c.setAutoCommit(false);
            JoinedTransaction joined = store.join(c);
            assertThatThrownBy(() -> store.join(c)).isInstanceOf(InvalidValueException.class)
                    .hasMessageContaining("already");
            assertThat(onOtherThread(store::inHostTransaction)).as("the join is this thread's only").isFalse();
            assertThat(onOtherThread(() -> {
                try {
                    joined.close();
                    return "closed";
                } catch (IllegalStateException e) {
                    return e.getMessage();
                }
            })).contains("thread that joined");
            joined.close();
            assertThat(store.inHostTransaction()).isFalse();
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    @Test
    void recordingAfterTheHostsCommitUnderADerivedIdIsRecordedOnceAndAbsentUntilThen() throws Exception {
        // the host's own transaction, on a connection the store does not share (another data source, a consumer)
        EventId orderEvent = EventId.of("order-7");
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + prefix + "orders VALUES (?)")) {
            ps.setString(1, "order-7");
            ps.executeUpdate();
        }
        // a crash here leaves the order without its consent: checks fail closed
        assertThat(consents.check(ALICE, RecipientsPolicy.NEWSLETTER).reason()).isEqualTo(Reason.NO_RECORD);
        Capture capture = Capture.by(Method.CHECKBOX).withEventId(orderEvent.derive("newsletter"));
        ConsentEvent recorded = consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, capture);
        ConsentEvent redelivered = consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, capture);
        assertThat(redelivered).isEqualTo(recorded);
        assertThat(consents.history(ALICE)).hasSize(1);
        assertThat(consents.check(ALICE, RecipientsPolicy.NEWSLETTER).allowed()).isTrue();
    }
}
