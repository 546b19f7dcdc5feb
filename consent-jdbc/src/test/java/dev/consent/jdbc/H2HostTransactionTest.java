package dev.consent.jdbc;

/** The store inside the host's transaction on H2 (see {@link HostTransactionContract}). */
class H2HostTransactionTest extends HostTransactionContract {
    @Override
    protected Database dialect() {
        return Database.H2;
    }
}
