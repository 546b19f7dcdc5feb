package dev.consent.jdbc;

/** The suppression list and campaign proof on MariaDB ({@code CONSENT_MARIADB_URL}). */
class MariaDbEmailListStoreContractTest extends JdbcEmailListStoreContract {
    @Override
    protected Database dialect() {
        return Database.MARIADB;
    }
}
