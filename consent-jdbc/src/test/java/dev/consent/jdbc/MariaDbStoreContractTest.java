package dev.consent.jdbc;

/** The store contract on MariaDB ({@code CONSENT_MARIADB_URL}). */
class MariaDbStoreContractTest extends JdbcStoreContract {
    @Override
    protected Database dialect() {
        return Database.MARIADB;
    }
}
