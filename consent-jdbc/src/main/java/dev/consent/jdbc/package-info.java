/**
 * The durable store on JDBC: {@link dev.consent.jdbc.JdbcStore} implements every store SPI of consent-core on H2,
 * PostgreSQL and MariaDB through the host's {@link javax.sql.DataSource}, with per-database DDL that a schema
 * initializer applies (or that the host hands to Flyway or Liquibase). Appends are atomic batches; bulk reads are
 * set-based; sweeper claims use {@code FOR UPDATE SKIP LOCKED} where the database has it; a change feed (pushed by
 * LISTEN/NOTIFY on PostgreSQL) keeps every node's cache within its staleness bound. See consent-jdbc's README for
 * the compatibility table and the settings.
 */
package dev.consent.jdbc;
