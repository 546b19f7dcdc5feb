package dev.consent.spring.boot;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * The databases of these tests, and access to what they drive by hand. H2 in memory, a new database per call. PostgreSQL at {@code CONSENT_PG_URL} (default
 * the local server's {@code test} database as {@code postgres}), as consent-jdbc's tests use it: unreachable, its tests
 * are skipped with the reason, except on CI ({@code CI=true}), where they fail.
 */
public final class StarterTestDatabases {
    /** A reference key's secret for tests: 32 bytes, Base64. */
    public static final String SECRET = ConsentAutoConfigurationTest.SECRET;
    public static final String PG_URL = env("CONSENT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    private StarterTestDatabases() {
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** A JDBC URL of a new, empty in-memory H2 database that lives as long as the JVM. */
    public static String newH2Url() {
        return "jdbc:h2:mem:starter-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    }

    /** A data source on a new, empty in-memory H2 database. */
    public static DataSource newH2() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(newH2Url());
        return ds;
    }

    /** A random table prefix, so that runs sharing a server keep apart. */
    public static String freshPrefix() {
        StringBuilder b = new StringBuilder("s");
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 8; i++) {
            b.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(r.nextInt(36)));
        }
        return b.append('_').toString();
    }

    /** Runs one sweep of the scheduler now, as its schedule would. */
    public static void runOnce(ConsentSweepScheduler scheduler) {
        scheduler.runOnce();
    }

    /** Skips the test when PostgreSQL cannot be reached, or fails it on CI. */
    public static void requirePostgres() {
        DriverManager.setLoginTimeout(5);
        try (Connection c = DriverManager.getConnection(PG_URL)) {
            return;
        } catch (SQLException e) {
            String reason = "PostgreSQL is not reachable at " + PG_URL + " (" + e.getMessage() + "); start it or point "
                    + "CONSENT_PG_URL at one.";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(reason + " CI=true: every database must be tested.");
            }
            Assumptions.abort(reason);
        }
    }

    /** Drops every table whose name starts with {@code prefix} on PostgreSQL. */
    public static void dropPostgresTables(String prefix) throws SQLException {
        try (Connection c = DriverManager.getConnection(PG_URL)) {
            List<String> tables = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT table_name FROM information_schema.tables WHERE table_name LIKE ?")) {
                ps.setString(1, prefix.replace("_", "\\_") + "%");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                for (String t : tables) {
                    s.execute("DROP TABLE IF EXISTS " + t + " CASCADE");
                }
            }
        }
    }
}
