package dev.consent.bench.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.Reason;
import dev.consent.bench.BenchDb;
import dev.consent.jdbc.Database;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
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
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How soon a withdrawal written on one node is honoured by another node's cached {@code check}.
 *
 * <p><b>Measured</b> ({@link #withdrawSeenByOtherNode}, {@link Mode#SampleTime}, so percentiles): node A (its own
 * {@link ConsentService}, {@link JdbcStore} and connection pool) withdraws a subject's consent; node B (a second
 * service, store and pool on the same tables) has that subject's grant in its cache. The time runs from the
 * <em>start</em> of A's {@code withdraw} call (so it includes A's own append and commit) until B's {@code check}
 * first answers "not allowed"; B is asked every ~20 µs. Untimed, before each invocation: the subject (one of a
 * rotating pool of {@code subjects}, each re-granted on A right after its withdrawal) was granted at least two poll
 * intervals ago, B's check has cached the grant, and a random pause of up to one poll interval puts the withdrawal
 * at a random phase of B's poller (as a real withdrawal would be); after it: B's answer must be {@link Reason#WITHDRAWN}. B's
 * {@code maxStaleness} is set far above the poll interval so that B never bypasses its cache: what is measured is
 * the change feed's propagation alone.
 *
 * <p>Variants ({@code push}): {@code polling}: B's store has {@code changeNotifications(false)} and B learns of the
 * change only by polling the feed every {@code pollMillis}; {@code notify}: B's store listens (PostgreSQL LISTEN/NOTIFY,
 * PostgreSQL only) and polls as well.
 *
 * <p><b>Yardstick</b> ({@link #rawNotifyDelivery}, PostgreSQL only): the transport's floor, a bare
 * {@code SELECT pg_notify(...)} on one pooled connection until a second connection that {@code LISTEN}s receives it
 * (what a push can never beat). The polling variant's floor is the poll interval itself: on average half of it, at
 * worst all of it, plus one feed read.
 *
 * <p><b>Targets</b>: p99 under 1 s with polling (at {@code pollMillis=200}), under 50 ms with LISTEN/NOTIFY.
 *
 * <p><b>Sizes</b>: {@code -p database=postgresql} (default; {@code h2} and {@code mariadb} run the polling variant
 * only), {@code pollMillis=200}, {@code subjects=256}. Smoke: {@code -f 1 -wi 1 -w 5s -i 2 -r 10s}; full: {@code -f 1
 * -wi 1 -w 10s -i 5 -r 30s} (several hundred samples with polling, thousands with notify).
 *
 * <pre>
 * java -jar consent-benchmarks/target/benchmarks.jar ChangeLatencyBenchmark -f 1 -wi 1 -w 5s -i 2 -r 10s
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ChangeLatencyBenchmark {
    static final PurposeId PURPOSE = PurposeId.of("marketing.email");

    static Policy policy() {
        return Policy.builder("bench-latency", "1")
                .effectiveFrom(LocalDate.of(2020, 1, 1))
                .zone(ZoneOffset.UTC)
                .category("contact.email", "Email address")
                .purpose(Purpose.builder("marketing.email").title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .build();
    }

    /** A second pool on the database of {@code db}, as another application node would have. */
    static HikariDataSource secondPool(BenchDb db, int size, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.pool.getJdbcUrl());
        config.setMaximumPoolSize(size);
        config.setPoolName(name);
        return new HikariDataSource(config);
    }

    /** Two nodes on the same tables, and the subjects they take turns on. */
    @State(Scope.Benchmark)
    public static class Nodes {
        @Param("postgresql")
        public String database;

        @Param({"polling", "notify"})
        public String push;

        @Param("200")
        public int pollMillis;

        @Param("256")
        public int subjects;

        BenchDb db;
        HikariDataSource poolB;
        ConsentService a;
        ConsentService b;
        SubjectId[] ids;
        long[] grantedAt;
        long settleNanos;
        int next;
        SubjectId current;
        int currentIndex;

        @Setup(Level.Trial)
        public void start() throws InterruptedException {
            boolean notify = switch (push) {
                case "polling" -> false;
                case "notify" -> true;
                default -> throw new IllegalArgumentException("push: " + push + " is not polling or notify");
            };
            db = BenchDb.open(database, 4);
            if (notify && db.dialect != Database.POSTGRESQL) {
                db.close();
                throw new IllegalArgumentException("push=notify needs PostgreSQL (LISTEN/NOTIFY)");
            }
            JdbcStore storeA = db.store();
            poolB = secondPool(db, 4, "bench-node-b");
            JdbcStore storeB = JdbcStore.builder(poolB).database(db.dialect).tablePrefix(db.prefix)
                    .changeNotifications(notify).build();
            Duration poll = Duration.ofMillis(pollMillis);
            a = ConsentService.builder().policy(policy()).store(storeA).build();
            b = ConsentService.builder().policy(policy()).store(storeB).changeFeedPollInterval(poll)
                    .maxStaleness(Duration.ofMinutes(10)).build();
            settleNanos = poll.multipliedBy(2).plusMillis(100).toNanos();
            ids = new SubjectId[subjects];
            grantedAt = new long[subjects];
            for (int i = 0; i < subjects; i++) {
                ids[i] = SubjectId.of(String.format("lat-%05d", i));
                a.grant(ids[i], PURPOSE, Capture.by(Method.CHECKBOX));
                grantedAt[i] = System.nanoTime();
            }
        }

        /** Untimed: the next subject, granted long enough ago that B has polled past it, and B caching the grant. */
        @Setup(Level.Invocation)
        public void nextSubject() {
            currentIndex = next;
            next = (next + 1) % subjects;
            current = ids[currentIndex];
            long wait = grantedAt[currentIndex] + settleNanos - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!b.check(current, PURPOSE).allowed()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("node B does not see the grant of " + current);
                }
                LockSupport.parkNanos(1_000_000);
            }
            // a random phase against B's poller: back-to-back invocations would otherwise each start just after
            // the poll that ended the previous one and always wait a whole interval
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(TimeUnit.MILLISECONDS.toNanos(pollMillis)));
        }

        /** Untimed: B must say why (the withdrawal), and the subject is granted again for its next turn. */
        @TearDown(Level.Invocation)
        public void regrant() {
            Decision d = b.check(current, PURPOSE);
            if (d.allowed() || d.reason() != Reason.WITHDRAWN) {
                throw new IllegalStateException("node B answers " + d + " after the withdrawal");
            }
            a.grant(current, PURPOSE, Capture.by(Method.CHECKBOX));
            grantedAt[currentIndex] = System.nanoTime();
        }

        @TearDown(Level.Trial)
        public void stop() {
            if (b != null) {
                b.close();
            }
            if (a != null) {
                a.close();
            }
            if (poolB != null) {
                poolB.close();
            }
            if (db != null) {
                db.close();
            }
        }
    }

    /** The library: A withdraws, B's cached check is asked until it says no. */
    @Benchmark
    public Decision withdrawSeenByOtherNode(Nodes n) {
        n.a.withdraw(n.current, PURPOSE, Capture.by(Method.UNSUBSCRIBE_LINK));
        Decision d;
        while ((d = n.b.check(n.current, PURPOSE)).allowed()) {
            LockSupport.parkNanos(20_000);
        }
        return d;
    }

    /** Two bare connections: one notifies, the other listens. */
    @State(Scope.Benchmark)
    public static class RawChannel {
        @Param("postgresql")
        public String database;

        BenchDb db;
        HikariDataSource listenerPool;
        Connection listener;
        PGConnection pg;
        String channel;

        @Setup(Level.Trial)
        public void start() throws SQLException {
            db = BenchDb.open(database, 2);
            if (db.dialect != Database.POSTGRESQL) {
                db.close();
                throw new IllegalArgumentException("the raw notify yardstick needs PostgreSQL");
            }
            channel = db.prefix + "raw";
            listenerPool = secondPool(db, 1, "bench-raw-listener");
            listener = listenerPool.getConnection();
            pg = listener.unwrap(PGConnection.class);
            try (Statement s = listener.createStatement()) {
                s.execute("LISTEN " + channel);
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws SQLException {
            try (Statement s = listener.createStatement()) {
                s.execute("UNLISTEN *");
            }
            listener.close();
            listenerPool.close();
            db.close();
        }
    }

    /** The yardstick: a notification sent on one connection until the listening connection has it. */
    @Benchmark
    public int rawNotifyDelivery(RawChannel r) throws SQLException {
        try (Connection c = r.db.pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_notify('" + r.channel + "', 'x')");
        }
        while (true) {
            PGNotification[] got = r.pg.getNotifications(1_000);
            if (got != null && got.length > 0) {
                return got.length;
            }
        }
    }
}
