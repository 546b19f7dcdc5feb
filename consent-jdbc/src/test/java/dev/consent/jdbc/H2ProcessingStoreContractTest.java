package dev.consent.jdbc;

/** The processing store contract on embedded, in-memory H2: always runs. */
class H2ProcessingStoreContractTest extends JdbcProcessingStoreContract {
    @Override
    protected Database dialect() {
        return Database.H2;
    }
}
