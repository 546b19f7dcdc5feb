package dev.consent.jdbc;

/** The processing store contract on PostgreSQL ({@code CONSENT_PG_URL}). */
class PostgresProcessingStoreContractTest extends JdbcProcessingStoreContract {
    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }
}
