package dev.consent.jdbc;

/** The receipt store contract on MariaDB ({@code CONSENT_MARIADB_URL}). */
class MariaDbReceiptStoreContractTest extends JdbcReceiptStoreContract {
    @Override
    protected Database dialect() {
        return Database.MARIADB;
    }
}
