package dev.consent.jdbc;

/** Double opt-in and one-click unsubscribe on MariaDB ({@code CONSENT_MARIADB_URL}). */
class MariaDbEmailStoreContractTest extends JdbcEmailStoreContract {
    @Override
    protected Database dialect() {
        return Database.MARIADB;
    }
}
