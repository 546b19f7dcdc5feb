package dev.consent.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * The databases the tests run on. H2 is in memory and always there. PostgreSQL and MariaDB are servers
 * named by {@code CONSENT_PG_URL} and {@code CONSENT_MARIADB_URL}; a server that cannot be reached skips
 * its tests with the reason, except on CI ({@code CI=true}), where it fails them: CI must test every
 * database.
 */
public final class Databases {
    public static final String PG_URL = env("CONSENT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    public static final String MARIADB_URL = env("CONSENT_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?user=root");
    /** One in-memory H2 database per JVM; tests keep apart by table prefix. Writers wait up to 10 s for locks. */
    public static final String H2_URL = "jdbc:h2:mem:consent;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";

    /** Every table a store creates, after its prefix. */
    static final List<String> TABLES = List.of("events", "heads", "links", "changes", "feed_lock", "checkpoints",
            "items", "holds", "disposals", "disposal_counter", "tombstones", "rights_requests", "notices", "deliveries",
            "delivery_counter", "processing_log", "receipts", "suppression", "campaign_recipients", "schema_version");

    private static final Map<Database, DataSource> SHARED = new ConcurrentHashMap<>();
    private static final Map<Database, String> UNREACHABLE = new ConcurrentHashMap<>();

    private Databases() {
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** The dialects to run parameterized tests on. */
    public static List<Database> all() {
        return List.of(Database.H2, Database.POSTGRESQL, Database.MARIADB);
    }

    /** A shared pooled data source for the database, or the test is skipped (failed on CI) when it is down. */
    public static DataSource shared(Database dialect) {
        requireReachable(dialect);
        return SHARED.computeIfAbsent(dialect, d -> d == Database.H2 ? h2() : pool(d, null, 16));
    }

    /**
     * A new pool whose connections run {@code initSql} when opened (e.g. to set the session time zone). The
     * caller closes it.
     */
    public static HikariDataSource pool(Database dialect, String initSql, int size) {
        return pool(dialect, initSql, size, "");
    }

    /** As {@link #pool(Database, String, int)}, with {@code urlSuffix} appended to the JDBC URL. */
    public static HikariDataSource pool(Database dialect, String initSql, int size, String urlSuffix) {
        requireReachable(dialect);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url(dialect) + urlSuffix);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        config.setPoolName("consent-test-" + dialect.name().toLowerCase());
        if (initSql != null) {
            config.setConnectionInitSql(initSql);
        }
        return new HikariDataSource(config);
    }

    private static JdbcDataSource h2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(H2_URL);
        return ds;
    }

    public static String url(Database dialect) {
        return switch (dialect) {
            case H2 -> H2_URL;
            case POSTGRESQL -> PG_URL;
            case MARIADB -> MARIADB_URL;
        };
    }

    public static void requireReachable(Database dialect) {
        if (dialect == Database.H2) {
            return;
        }
        String reason = UNREACHABLE.computeIfAbsent(dialect, d -> {
            DriverManager.setLoginTimeout(5);
            try (Connection c = DriverManager.getConnection(url(d))) {
                return "";
            } catch (SQLException e) {
                String r = d + " is not reachable at " + url(d) + " (" + e.getMessage() + "); its tests are skipped. "
                        + "Start it or point " + (d == Database.POSTGRESQL ? "CONSENT_PG_URL" : "CONSENT_MARIADB_URL")
                        + " at one.";
                System.err.println("[consent-jdbc tests] " + r);
                return r;
            }
        });
        if (reason.isEmpty()) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail(reason + " CI=true: every database must be tested.");
        }
        Assumptions.abort(reason);
    }

    /** A table prefix no other test uses: {@code t}, eight random letters or digits, {@code _}. */
    public static String freshPrefix() {
        StringBuilder b = new StringBuilder("t");
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 8; i++) {
            b.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(r.nextInt(36)));
        }
        return b.append('_').toString();
    }

    /** Deletes every row of the named tables (after the prefix), keeping the tables. */
    static void emptyTables(DataSource ds, String prefix, List<String> tables) throws SQLException {
        for (String t : tables) {
            execute(ds, "DELETE FROM " + prefix + t);
        }
    }

    /** Runs one statement on its own connection and commits it. */
    static void execute(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    /**
     * Moves every stored lease end in the prefix's items table back by {@code d}: as if {@code d} had passed on the
     * database's clock, the only clock leases are judged by (tests cannot move the database's own).
     */
    public static void passLeaseTime(DataSource ds, Database dialect, String prefix, Duration d) {
        long micros = d.toNanos() / 1000;
        String sql = "UPDATE " + prefix + "items SET lease_until = " + switch (dialect) {
            case POSTGRESQL -> "lease_until - CAST(? AS interval)";
            case MARIADB -> "lease_until - INTERVAL ? MICROSECOND";
            case H2 -> "DATEADD(MICROSECOND, ?, lease_until)";
        } + " WHERE lease_until IS NOT NULL";
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            switch (dialect) {
                case POSTGRESQL -> ps.setString(1, micros + " microseconds");
                case MARIADB -> ps.setLong(1, micros);
                case H2 -> ps.setLong(1, -micros);
            }
            ps.executeUpdate();
            if (!c.getAutoCommit()) {
                c.commit();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not move the lease ends of " + prefix, e);
        }
    }

    /** Drops every table a store with this prefix creates. */
    public static void dropTables(DataSource ds, String prefix) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            for (String t : TABLES) {
                s.execute("DROP TABLE IF EXISTS " + prefix + t);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop the test tables of " + prefix, e);
        }
    }
}
