package dev.consent.jdbc;

/** The receipt store contract on embedded, in-memory H2: always runs. */
class H2ReceiptStoreContractTest extends JdbcReceiptStoreContract {
    @Override
    protected Database dialect() {
        return Database.H2;
    }
}
