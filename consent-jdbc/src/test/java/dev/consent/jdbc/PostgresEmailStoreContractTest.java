package dev.consent.jdbc;

/** Double opt-in and one-click unsubscribe on PostgreSQL ({@code CONSENT_PG_URL}). */
class PostgresEmailStoreContractTest extends JdbcEmailStoreContract {
    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }
}
