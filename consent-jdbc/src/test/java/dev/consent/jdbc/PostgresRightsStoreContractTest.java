package dev.consent.jdbc;

/** The rights store contract on PostgreSQL ({@code CONSENT_PG_URL}). */
class PostgresRightsStoreContractTest extends JdbcRightsStoreContract {
    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }
}
