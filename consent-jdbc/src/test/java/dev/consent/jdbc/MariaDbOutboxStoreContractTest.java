package dev.consent.jdbc;

/** The outbox contract on MariaDB ({@code CONSENT_MARIADB_URL}). */
class MariaDbOutboxStoreContractTest extends JdbcOutboxStoreContract {
    @Override
    protected Database dialect() {
        return Database.MARIADB;
    }
}
