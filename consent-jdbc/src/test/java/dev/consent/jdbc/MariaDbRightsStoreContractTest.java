package dev.consent.jdbc;

/** The rights store contract on MariaDB ({@code CONSENT_MARIADB_URL}). */
class MariaDbRightsStoreContractTest extends JdbcRightsStoreContract {
    @Override
    protected Database dialect() {
        return Database.MARIADB;
    }
}
