package dev.consent.jdbc;

/** The processing store contract on MariaDB ({@code CONSENT_MARIADB_URL}). */
class MariaDbProcessingStoreContractTest extends JdbcProcessingStoreContract {
    @Override
    protected Database dialect() {
        return Database.MARIADB;
    }
}
