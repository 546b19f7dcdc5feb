package dev.consent.jdbc;

import dev.consent.Reason;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.LegalBasis;
import dev.consent.processing.ProcessingEntry;
import dev.consent.store.ConsentStore;
import dev.consent.store.ConsentStore.ChangeRead;
import dev.consent.store.ConsentStore.FeedCursor;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The change feed without a lock across the writer's transaction, on every database: a host's transaction writes an
 * entry first and commits last, while another writer's entry, written after it, commits and is read. No writer waits
 * for the host's transaction, and a reader that has passed the other entry still reads the host's once it commits;
 * a reader that starts again from where it stood before reads both, each once, in the order they became visible.
 */
class ChangeFeedOrderTest {
    private static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");

    private final ExecutorService other = Executors.newSingleThreadExecutor();
    private DataSource ds;
    private String prefix;

    @AfterEach
    void dropTables() {
        other.shutdownNow();
        if (ds != null) {
            Databases.dropTables(ds, prefix);
        }
    }

    private JdbcStore store(Database dialect) {
        ds = Databases.shared(dialect);
        prefix = Databases.freshPrefix();
        return JdbcStore.builder(ds).tablePrefix(prefix).build();
    }

    @ParameterizedTest
    @MethodSource("dev.consent.jdbc.Databases#all")
    void anEntryWrittenFirstAndCommittedAfterAnotherWasReadIsStillRead(Database dialect) throws Exception {
        JdbcStore store = store(dialect);
        SubjectId late = SubjectId.of("late");
        SubjectId early = SubjectId.of("early");
        FeedCursor before = store.changeCursor();

        try (Connection host = ds.getConnection()) {
            host.setAutoCommit(false);
            try (JoinedTransaction joined = store.join(host)) {
                assertThat(store.append(List.of(firstEvent(late))).appended()).isTrue();
            }
            // The host's transaction is open and holds its entry. Another writer appends and commits meanwhile: it
            // must not wait for the host (the bound is liveness, not speed).
            assertThat(other.submit(() -> store.append(List.of(firstEvent(early))).appended())
                    .get(30, TimeUnit.SECONDS)).as("an append while a host's transaction that appended is open").isTrue();

            ChangeRead first = store.readChanges(before, 100);
            assertThat(subjects(first)).as("what a reader finds before the host commits").containsExactly(early);
            host.commit();
            assertThat(entriesInWritingOrder()).as("the host's entry was written first").containsExactly("late", "early");

            ChangeRead second = store.readChanges(first.next(), 100);
            assertThat(second.continuous()).isTrue();
            assertThat(subjects(second)).as("the host's entry, committed after the reader passed the other one")
                    .containsExactly(late);
            assertThat(second.changes().get(0).position()).isGreaterThan(first.next().position());
            assertThat(store.readChanges(second.next(), 100).changes()).as("each entry is read once").isEmpty();

            ChangeRead restarted = store.readChanges(before, 100);
            assertThat(subjects(restarted)).as("a reader resuming from where it stood before")
                    .containsExactly(early, late);
            assertThat(store.changeCursor()).isEqualTo(second.next());
        }
    }

    /**
     * A host's transaction appends to a visitor and reads no link; the visitor is linked meanwhile; the host commits
     * last. The customer's decisions changed with the host's commit (they include the visitor's events), so a reader
     * that read the link's entry must still find an entry of the customer after the host's commit.
     */
    @ParameterizedTest
    @MethodSource("dev.consent.jdbc.Databases#all")
    void aVisitorsAppendCommittedAfterItsLinkNamesTheCustomer(Database dialect) throws Exception {
        JdbcStore store = store(dialect);
        VisitorId visitor = VisitorId.of("cookie-1");
        SubjectId customer = SubjectId.of("customer-1");
        FeedCursor before = store.changeCursor();

        try (Connection host = ds.getConnection()) {
            host.setAutoCommit(false);
            try (JoinedTransaction joined = store.join(host)) {
                assertThat(store.append(List.of(firstEvent(visitor.subject()))).appended()).isTrue();
            }
            // On MariaDB the link waits for the host's locking read of the visitor's links; elsewhere it commits now.
            Future<ConsentStore.LinkResult> link = other.submit(() -> store.link(visitor, customer, AT));
            ChangeRead whileOpen = readWhenSettled(store, before, link);
            host.commit();
            assertThat(link.get(30, TimeUnit.SECONDS)).isEqualTo(ConsentStore.LinkResult.LINKED);

            ChangeRead after = store.readChanges(whileOpen.next(), 100);
            assertThat(subjects(after)).as("entries read after the host's commit").contains(customer);
        }
    }

    /**
     * The processing log's guard counts a linked visitor's entry for the customer before it is numbered: a host's
     * transaction appends to a visitor and reads no link, the link commits, the position is read, then the host
     * commits, so only the visitor's entry, not yet numbered, names the change. A use of the customer logged at that
     * position is refused.
     */
    @ParameterizedTest
    @MethodSource("dev.consent.jdbc.Databases#all")
    void theLogsGuardCountsAVisitorsEntryNotYetNumberedForItsCustomer(Database dialect) throws Exception {
        JdbcStore store = store(dialect);
        VisitorId visitor = VisitorId.of("cookie-2");
        SubjectId customer = SubjectId.of("customer-2");

        try (Connection host = ds.getConnection()) {
            host.setAutoCommit(false);
            try (JoinedTransaction joined = store.join(host)) {
                assertThat(store.append(List.of(firstEvent(visitor.subject()))).appended()).isTrue();
            }
            Future<ConsentStore.LinkResult> link = other.submit(() -> store.link(visitor, customer, AT));
            awaitUnlessWaiting(link);
            long position = store.changeCursor().position();
            host.commit();
            assertThat(link.get(30, TimeUnit.SECONDS)).isEqualTo(ConsentStore.LinkResult.LINKED);

            ProcessingEntry use = new ProcessingEntry("use-1", customer.value(), false, ShopPolicy.ORDERS,
                    new TreeSet<>(Set.of(CategoryId.of("order.record"))), "order verification", Optional.empty(), AT,
                    LegalBasis.CONTRACT, Reason.BASIS_CONTRACT, "1", OptionalLong.empty(), Optional.empty());
            assertThat(store.appendUses(List.of(use), position).changedSubjects()).containsExactly(customer);
        }
    }

    /** Reads the feed once the link has committed, or at once if it waits (for the host's transaction). */
    private static ChangeRead readWhenSettled(JdbcStore store, FeedCursor from, Future<?> link) throws Exception {
        awaitUnlessWaiting(link);
        return store.readChanges(from, 100);
    }

    /** Returns once the link has committed, or after two seconds if it waits for the host's transaction (MariaDB). */
    private static void awaitUnlessWaiting(Future<?> link) throws Exception {
        try {
            link.get(2, TimeUnit.SECONDS);
        } catch (TimeoutException waiting) {
            // MariaDB: the link waits for the host's locking read of the visitor's links
        }
    }

    private List<String> entriesInWritingOrder() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); var s = c.createStatement();
                var rs = s.executeQuery("SELECT subject FROM " + prefix + "changes ORDER BY feed_position")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static List<SubjectId> subjects(ChangeRead read) {
        return read.changes().stream().map(ConsentStore.Change::subject).toList();
    }

    private static ConsentEvent firstEvent(SubjectId subject) {
        NewConsentEvent d = new NewConsentEvent(EventId.random(), subject, ShopPolicy.MARKETING, 1, "1", Choice.GRANTED,
                AT, AT, Optional.empty(), Method.API, Actor.SUBJECT, OptionalInt.empty(), Evidence.NONE);
        return ConsentEvent.chain(d, 1, ConsentChain.GENESIS);
    }
}
