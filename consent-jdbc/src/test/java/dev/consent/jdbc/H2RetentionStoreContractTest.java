package dev.consent.jdbc;

/** The retention store contract on embedded, in-memory H2: always runs. */
class H2RetentionStoreContractTest extends JdbcRetentionStoreContract {
    @Override
    protected Database dialect() {
        return Database.H2;
    }
}
