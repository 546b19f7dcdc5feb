package dev.consent.jdbc;

/** The rights store contract on embedded, in-memory H2: always runs. */
class H2RightsStoreContractTest extends JdbcRightsStoreContract {
    @Override
    protected Database dialect() {
        return Database.H2;
    }
}
