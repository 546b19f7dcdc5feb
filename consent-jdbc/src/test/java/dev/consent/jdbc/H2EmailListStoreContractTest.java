package dev.consent.jdbc;

/** The suppression list and campaign proof on embedded, in-memory H2: always runs. */
class H2EmailListStoreContractTest extends JdbcEmailListStoreContract {
    @Override
    protected Database dialect() {
        return Database.H2;
    }
}
