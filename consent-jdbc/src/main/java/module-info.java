/**
 * consent-jdbc: the durable store on JDBC (H2, PostgreSQL, MariaDB), with per-database DDL and a schema initializer.
 *
 * <p>What this descriptor guarantees: {@code dev.consent.jdbc} is the only exported package; the schema migrations
 * are resources of this module, read by its own classes; no package is open to deep reflection. The module reads
 * consent-core's {@code dev.consent.internal}, which consent-core exports to it alone.
 *
 * <p>JDBC drivers are never required: the host brings its {@link javax.sql.DataSource} and its driver.
 * {@code org.postgresql.jdbc} (pgjdbc) is read when present, for LISTEN/NOTIFY change notifications on PostgreSQL;
 * without it, or with another driver, changes are polled.
 */
// pgjdbc ships no descriptor; org.postgresql.jdbc is the stable name in its manifest (Automatic-Module-Name)
@SuppressWarnings("requires-automatic")
module dev.consent.jdbc {
    // JdbcStore implements consent-core's store SPI and is built over a javax.sql.DataSource
    requires transitive dev.consent.core;
    requires transitive java.sql;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires static org.postgresql.jdbc;

    exports dev.consent.jdbc;
}
