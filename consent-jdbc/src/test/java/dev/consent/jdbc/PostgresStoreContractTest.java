package dev.consent.jdbc;

/** The store contract on PostgreSQL ({@code CONSENT_PG_URL}). */
class PostgresStoreContractTest extends JdbcStoreContract {
    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }
}
