package dev.consent.jdbc.reliability;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.StoreException;
import dev.consent.jdbc.Databases;
import dev.consent.jdbc.Database;
import dev.consent.jdbc.JdbcStore;
import dev.consent.jdbc.SwitchableDataSource;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * PostgreSQL failing under a running workload (writers and checkers, see {@link Workload}): its connections
 * dropped by the server, statements running into {@code statement_timeout} behind a lock another session holds,
 * and the server itself restarted. Throughout, checks fail closed (a {@link StoreException}, never "allowed" from a
 * store that cannot be read; cached answers only within the staleness bound), writes throw, and the service
 * recovers by itself once the database is back, with nothing acknowledged lost and nothing stored twice.
 *
 * <p>The restart uses {@code pg_ctlcluster} on the local cluster when it can (root, the command present, the
 * server on this machine); otherwise it falls back to a simulated outage through {@link SwitchableDataSource} and
 * says so on standard output. It always leaves the server running, waiting until it answers.
 */
@Tag("faults") // kills processes or server sessions, or restarts the server: only with -Pfaults
class DatabaseFaultTest {
    private static final long SEED = Long.getLong("reliability.seed", 20250417L);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration STALENESS = Duration.ofMillis(300);
    private static final SubjectId ALICE = SubjectId.of("alice");

    private String prefix;
    private String application;
    private HikariDataSource pool;

    @BeforeEach
    void pool() {
        Databases.requireReachable(Database.POSTGRESQL);
        prefix = Databases.freshPrefix();
        application = "consent-fault-" + prefix;
        HikariConfig config = new HikariConfig();
        // every session of this pool is named, so that only they are terminated; statements never wait forever
        config.setJdbcUrl(Databases.PG_URL + (Databases.PG_URL.contains("?") ? "&" : "?") + "ApplicationName="
                + application + "&connectTimeout=5&socketTimeout=30");
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(2_000);
        config.setValidationTimeout(1_000);
        config.setPoolName("consent-fault");
        config.setConnectionInitSql("SET statement_timeout = '500ms'");
        pool = new HikariDataSource(config);
    }

    @AfterEach
    void drop() {
        if (pool != null) {
            awaitPostgres(); // whatever happened, the server is running again before the next test
            Databases.dropTables(pool, prefix);
            pool.close();
        }
    }

    private ConsentService service(DataSource ds) {
        JdbcStore store = JdbcStore.builder(ds).tablePrefix(prefix).build();
        return ConsentService.builder().policy(ShopPolicy.v1()).store(store).changeFeedPollInterval(POLL)
                .maxStaleness(STALENESS).build();
    }

    @Test
    void connectionsDroppedByTheServerMidRunLoseNothing() throws Exception {
        int terminated = 0;
        try (ConsentService consents = service(pool)) {
            Workload work = new Workload(consents, 4, 2, SEED, 30_000);
            try (Connection admin = DriverManager.getConnection(Databases.PG_URL);
                 PreparedStatement kill = admin.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM "
                         + "pg_stat_activity WHERE application_name = ? AND pid <> pg_backend_pid()")) {
                kill.setString(1, application);
                for (int round = 0; round < 20; round++) {
                    Thread.sleep(100);
                    try (var rs = kill.executeQuery()) {
                        rs.next();
                        terminated += rs.getInt(1);
                    }
                }
            }
            Thread.sleep(300);
            work.stop();
            assertThat(terminated).as("sessions terminated").isPositive();
            assertThat(work.failedWrites.get() + work.checksRefused.get()).as("the faults reached the service")
                    .isPositive();
            work.assertNothingLost("connections dropped");
            System.out.printf("[reliability] PostgreSQL connections dropped: %d sessions terminated in 20 rounds; "
                    + "%s; nothing lost (seed %d)%n", terminated, work.summary(), SEED);
        }
    }

    @Test
    void statementsTimingOutBehindALockFailClosedAndRecover() throws Exception {
        try (ConsentService consents = service(pool)) {
            consents.grant(ALICE, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(consents.check(ALICE, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();
            Workload work = new Workload(consents, 2, 2, SEED, 30_000);

            // another session locks the ledger's tables for 4 s (statement_timeout of this pool: 500 ms)
            CountDownLatch locked = new CountDownLatch(1);
            CompletableFuture<Void> locker = CompletableFuture.runAsync(() -> {
                try (Connection c = DriverManager.getConnection(Databases.PG_URL); Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    s.execute("LOCK TABLE " + prefix + "events, " + prefix + "heads, " + prefix + "changes IN "
                            + "ACCESS EXCLUSIVE MODE");
                    locked.countDown();
                    s.execute("SELECT pg_sleep(4)");
                    c.commit();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(locked.await(10, TimeUnit.SECONDS)).as("the other session took the lock").isTrue();
            assertThatThrownBy(() -> consents.grant(SubjectId.of("bob"), ShopPolicy.MARKETING_EMAIL,
                    Capture.by(Method.CHECKBOX))).isInstanceOf(StoreException.class);
            assertThatThrownBy(() -> consents.checkUncached(ALICE, ShopPolicy.MARKETING_EMAIL))
                    .isInstanceOf(StoreException.class);
            // the feed cannot be read either: the cached "allowed" lapses after the staleness bound
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (true) {
                Decision d;
                try {
                    d = consents.check(ALICE, ShopPolicy.MARKETING_EMAIL);
                } catch (StoreException expected) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail("a cached answer (" + d + ") was still given 2 s into the lock, staleness bound " + STALENESS);
                }
                Thread.sleep(20);
            }
            locker.get(30, TimeUnit.SECONDS);
            Thread.sleep(300);
            work.stop();

            // by itself again: no restart of the service, no reset of the pool
            consents.grant(SubjectId.of("bob"), ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(consents.check(ALICE, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();
            assertThat(work.failedWrites.get()).as("writes failed during the lock").isPositive();
            work.assertNothingLost("statement timeouts");
            System.out.printf("[reliability] PostgreSQL statement_timeout (500 ms) behind a 4 s ACCESS EXCLUSIVE lock: "
                    + "%s; nothing lost (seed %d)%n", work.summary(), SEED);
        }
    }

    @Test
    void theDatabaseRestartedMidRunLosesNothingAndTheServiceRecoversByItself() throws Exception {
        String cluster = localCluster();
        DataSource ds = cluster == null ? new SwitchableDataSource(pool) : pool;
        try (ConsentService consents = service(ds)) {
            consents.grant(ALICE, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            Workload work = new Workload(consents, 4, 2, SEED, 60_000);
            Thread.sleep(500);
            long outage = System.nanoTime();
            if (cluster != null) {
                try {
                    pgCtl(cluster, "restart");
                } finally {
                    awaitPostgres();
                }
            } else {
                ((SwitchableDataSource) ds).goDown();
                Thread.sleep(2_000);
                ((SwitchableDataSource) ds).comeBack();
            }
            long outageMillis = (System.nanoTime() - outage) / 1_000_000;
            // the service recovers by itself: within 30 s a fresh check and a write succeed
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    consents.checkUncached(ALICE, ShopPolicy.MARKETING_EMAIL);
                    consents.grant(SubjectId.of("bob"), ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
                    break;
                } catch (StoreException e) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the service did not recover within 30 s of the restart", e);
                    }
                    Thread.sleep(100);
                }
            }
            Thread.sleep(500);
            work.stop();
            assertThat(work.failedWrites.get() + work.checksRefused.get()).as("the restart reached the service")
                    .isPositive();
            work.assertNothingLost(cluster != null ? "restart" : "simulated outage");
            assertThat(consents.check(ALICE, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();
            System.out.printf("[reliability] PostgreSQL %s (%d ms until it answered again): %s; nothing lost "
                            + "(seed %d)%n", cluster != null ? "restarted with pg_ctlcluster " + cluster
                            : "NOT restarted (pg_ctlcluster unavailable or the server is not local): outage SIMULATED "
                            + "with a failing DataSource", outageMillis, work.summary(), SEED);
        }
    }

    /**
     * The version of the local cluster to restart ("15"), or null when this test must not or cannot restart the
     * server: the command is missing, /etc/postgresql names no single cluster, the URL does not point to this
     * machine's port 5432, or we are not root.
     */
    private static String localCluster() throws IOException {
        Path etc = Path.of("/etc/postgresql");
        if (!Files.isExecutable(Path.of("/usr/bin/pg_ctlcluster")) || !Files.isDirectory(etc)
                || !"root".equals(System.getProperty("user.name"))
                || !Databases.PG_URL.matches("jdbc:postgresql://(127\\.0\\.0\\.1|localhost)(:5432)?/.*")) {
            return null;
        }
        try (var versions = Files.list(etc)) {
            List<Path> all = versions.filter(p -> Files.isDirectory(p.resolve("main"))).toList();
            return all.size() == 1 ? all.get(0).getFileName().toString() : null;
        }
    }

    private static void pgCtl(String cluster, String action) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", action)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("pg_ctlcluster " + action + " took more than 60 s");
        }
    }

    /** Waits until the server answers, starting it if it is down; fails after 60 s. */
    private static void awaitPostgres() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        boolean startTried = false;
        while (true) {
            try (Connection c = DriverManager.getConnection(Databases.PG_URL); Statement s = c.createStatement()) {
                s.execute("SELECT 1");
                return;
            } catch (SQLException e) {
                try {
                    String cluster = localCluster();
                    if (!startTried && cluster != null && System.nanoTime() > deadline - TimeUnit.SECONDS.toNanos(50)) {
                        startTried = true;
                        pgCtl(cluster, "start");
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("PostgreSQL does not answer 60 s after the fault test", e);
                    }
                    Thread.sleep(200);
                } catch (IOException | InterruptedException x) {
                    throw new IllegalStateException(x);
                }
            }
        }
    }
}
