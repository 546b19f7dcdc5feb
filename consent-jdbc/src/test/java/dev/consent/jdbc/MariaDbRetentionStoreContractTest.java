package dev.consent.jdbc;

/** The retention store contract on MariaDB ({@code CONSENT_MARIADB_URL}). */
class MariaDbRetentionStoreContractTest extends JdbcRetentionStoreContract {
    @Override
    protected Database dialect() {
        return Database.MARIADB;
    }
}
