package dev.consent.jdbc;

/** The suppression list and campaign proof on PostgreSQL ({@code CONSENT_PG_URL}). */
class PostgresEmailListStoreContractTest extends JdbcEmailListStoreContract {
    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }
}
