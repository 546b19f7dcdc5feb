package dev.consent.jdbc;

/** The store inside the host's transaction on MARIADB (see {@link HostTransactionContract}). */
class MariaDbHostTransactionTest extends HostTransactionContract {
    @Override
    protected Database dialect() {
        return Database.MARIADB;
    }
}
