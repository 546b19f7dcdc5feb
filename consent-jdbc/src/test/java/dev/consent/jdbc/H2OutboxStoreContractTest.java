package dev.consent.jdbc;

/** The outbox contract on embedded, in-memory H2: always runs. */
class H2OutboxStoreContractTest extends JdbcOutboxStoreContract {
    @Override
    protected Database dialect() {
        return Database.H2;
    }
}
