package dev.consent.jdbc;

/** The processing store contract on MariaDB ({@code CONSENT_MARIADB_URL}). */
class MariaDbProcessingStoreContractTest extends JdbcProcessingStoreContract {
    @Override
    protected Dialect dialect() {
        return Dialect.MARIADB;
    }
}
