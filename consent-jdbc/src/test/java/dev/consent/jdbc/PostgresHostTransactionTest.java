package dev.consent.jdbc;

/** The store inside the host's transaction on POSTGRESQL (see {@link HostTransactionContract}). */
class PostgresHostTransactionTest extends HostTransactionContract {
    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }
}
