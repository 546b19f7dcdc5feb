package dev.consent.jdbc;

/** The retention store contract on PostgreSQL ({@code CONSENT_PG_URL}). */
class PostgresRetentionStoreContractTest extends JdbcRetentionStoreContract {
    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }
}
