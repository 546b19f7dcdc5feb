package dev.consent.jdbc;

/** The store contract on embedded, in-memory H2: always runs. */
class H2StoreContractTest extends JdbcStoreContract {
    @Override
    protected Database dialect() {
        return Database.H2;
    }
}
