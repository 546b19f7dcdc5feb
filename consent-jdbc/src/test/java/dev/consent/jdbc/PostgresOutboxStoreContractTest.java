package dev.consent.jdbc;

/** The outbox contract on PostgreSQL ({@code CONSENT_PG_URL}). */
class PostgresOutboxStoreContractTest extends JdbcOutboxStoreContract {
    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }
}
