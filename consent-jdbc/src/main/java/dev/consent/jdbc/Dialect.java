package dev.consent.jdbc;

import java.util.Locale;
import java.util.Optional;

/**
 * The SQL databases {@link JdbcStore} supports. Normally detected from
 * {@link java.sql.DatabaseMetaData#getDatabaseProductName()}; name one explicitly with
 * {@link JdbcStore.Builder#dialect(Dialect)} when detection is not wanted (it opens a connection) or
 * cannot tell (a proxy driver that reports another name).
 */
public enum Dialect {
    /** H2 2.x, embedded or server. */
    H2,
    /** PostgreSQL 15 (tested); the DDL needs 12 or newer (identity and generated columns). */
    POSTGRESQL,
    /**
     * MariaDB 10.6 and newer, on InnoDB. MySQL 8 is detected as this dialect; its DDL needs the
     * collation {@code utf8mb4_0900_bin} in place of {@code utf8mb4_nopad_bin} (see the README).
     */
    MARIADB;

    /** The dialect for a product name as JDBC metadata reports it, if it is one this library supports. */
    static Optional<Dialect> forProductName(String productName) {
        if (productName == null) {
            return Optional.empty();
        }
        String name = productName.toLowerCase(Locale.ROOT);
        if (name.equals("h2")) {
            return Optional.of(H2);
        }
        if (name.contains("postgresql")) {
            return Optional.of(POSTGRESQL);
        }
        if (name.contains("mariadb") || name.contains("mysql")) {
            return Optional.of(MARIADB);
        }
        return Optional.empty();
    }
}
