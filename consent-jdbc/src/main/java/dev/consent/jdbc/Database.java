package dev.consent.jdbc;

import dev.consent.InvalidValueException;

import java.util.Locale;

/**
 * The SQL databases {@link JdbcStore} supports. Normally detected from
 * {@link java.sql.DatabaseMetaData#getDatabaseProductName()}; name one explicitly with
 * {@link JdbcStoreBuilder#database(Database)} when detection is not wanted (it opens a connection) or
 * cannot tell (a proxy driver that reports another name). Any other product, MySQL included, is refused.
 */
public enum Database {
    /** H2 2.x, embedded or server. */
    H2,
    /** PostgreSQL 15 (tested); the DDL needs 12 or newer (identity and generated columns). */
    POSTGRESQL,
    /** MariaDB 10.6 and newer, on InnoDB. MySQL is not this database: its DDL differs (see the README). */
    MARIADB;

    /**
     * The database a driver's metadata names, or an {@link InvalidValueException} naming the product and version when
     * it is not one this store supports: MySQL (whose DDL differs from MariaDB's: it has no {@code utf8mb4_nopad_bin}
     * collation) and anything else.
     */
    static Database of(String productName, String productVersion) {
        String name = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
        if (name.equals("h2")) {
            return H2;
        }
        if (name.contains("postgresql")) {
            return POSTGRESQL;
        }
        // MySQL's own driver reports a MariaDB server as "MySQL" with a version such as 5.5.5-10.6.12-MariaDB
        String version = productVersion == null ? "" : productVersion.toLowerCase(Locale.ROOT);
        if (name.contains("mariadb") || name.contains("mysql") && version.contains("mariadb")) {
            return MARIADB;
        }
        String product = productName + " " + productVersion;
        if (name.contains("mysql")) {
            throw new InvalidValueException("database", product, "is MySQL, which this store does not support yet: "
                    + "the MariaDB schema does not run on it (it lacks the collation utf8mb4_nopad_bin); supported are "
                    + "H2, PostgreSQL and MariaDB");
        }
        throw new InvalidValueException("database", product, "is not supported: supported are H2, PostgreSQL and "
                + "MariaDB; if it speaks one of their dialects, name it with JdbcStore.builder(...).database(...)");
    }
}
