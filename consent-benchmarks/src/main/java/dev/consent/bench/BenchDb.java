package dev.consent.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consent.jdbc.Database;
import dev.consent.jdbc.JdbcStore;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The database a JDBC benchmark runs on: a connection pool, and a store under a table prefix of its own that
 * {@link #close()} drops again. The servers are the ones the tests use, named by the same environment variables
 * ({@code CONSENT_PG_URL}, {@code CONSENT_MARIADB_URL}); H2 runs in memory in the benchmark's JVM.
 */
public final class BenchDb implements AutoCloseable {
    public static final String PG_URL = env("CONSENT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    public static final String MARIADB_URL = env("CONSENT_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?user=root");

    /** Every table a store creates, after its prefix. */
    private static final List<String> TABLES = List.of("events", "heads", "links", "changes", "feed_lock",
            "checkpoints", "items", "holds", "disposals", "disposal_counter", "tombstones", "rights_requests",
            "suppression", "campaign_recipients", "schema_version");

    public final Database dialect;
    public final HikariDataSource pool;
    public final String prefix;

    private BenchDb(Database dialect, int poolSize) {
        this.dialect = dialect;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url(dialect));
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("bench-" + dialect.name().toLowerCase());
        this.pool = new HikariDataSource(config);
        this.prefix = "b" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 45), 36) + "_";
    }

    /** Opens a pool of {@code poolSize} connections on the database named {@code h2}, {@code postgresql} or {@code mariadb}. */
    public static BenchDb open(String database, int poolSize) {
        Database d = switch (database) {
            case "h2" -> Database.H2;
            case "postgresql" -> Database.POSTGRESQL;
            case "mariadb" -> Database.MARIADB;
            default -> throw new IllegalArgumentException("database: " + database + " is not h2, postgresql or mariadb");
        };
        return new BenchDb(d, poolSize);
    }

    /** A new store on this pool under this benchmark's prefix, its tables created. */
    public JdbcStore store() {
        return JdbcStore.builder(pool).database(dialect).tablePrefix(prefix).build();
    }

    /** A table's full name. */
    public String table(String name) {
        return prefix + name;
    }

    public void execute(String sql) {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Brings the planner's statistics up to date after a bulk load, as an operator would. */
    public void analyze() {
        switch (dialect) {
            case POSTGRESQL -> TABLES.forEach(t -> execute("ANALYZE " + table(t)));
            case MARIADB -> TABLES.forEach(t -> execute("ANALYZE TABLE " + table(t)));
            case H2 -> execute("ANALYZE");
        }
    }

    static String url(Database dialect) {
        return switch (dialect) {
            case H2 -> "jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
            case POSTGRESQL -> PG_URL;
            case MARIADB -> MARIADB_URL;
        };
    }

    /** Drops this benchmark's tables and closes the pool. */
    @Override
    public void close() {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            for (String t : TABLES) {
                s.execute("DROP TABLE IF EXISTS " + table(t));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("dropping " + prefix + "* tables", e);
        } finally {
            pool.close();
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
