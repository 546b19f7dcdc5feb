package dev.consent.jdbc;

/** The receipt store contract on PostgreSQL ({@code CONSENT_PG_URL}). */
class PostgresReceiptStoreContractTest extends JdbcReceiptStoreContract {
    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }
}
