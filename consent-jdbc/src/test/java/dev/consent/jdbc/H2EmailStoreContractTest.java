package dev.consent.jdbc;

/** Double opt-in and one-click unsubscribe on embedded, in-memory H2: always runs. */
class H2EmailStoreContractTest extends JdbcEmailStoreContract {
    @Override
    protected Database dialect() {
        return Database.H2;
    }
}
