package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.logging.Logger;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Configuration is validated in {@code build()}, and what the columns cannot hold exactly is refused before writing. */
class JdbcStoreBuilderTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456Z");

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "Consent_", "1consent", "consent-", "con sent", "_consent", "c\u00e9", "abcdefghijklmnopqrstuv"})
    void aTablePrefixOutsideItsPatternIsRefused(String prefix) {
        assertThatThrownBy(() -> JdbcStore.builder(Databases.shared(Database.H2)).tablePrefix(prefix).build())
                .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                    assertThat(e.field()).isEqualTo("tablePrefix");
                    assertThat(e.value()).isEqualTo(prefix);
                    assertThat(e.rule()).contains("[a-z][a-z0-9_]{0,20}");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "abcdefghijklmnopqrstu", "consent_", "t1_", "shop2"})
    void aValidTablePrefixNamesTheTables(String prefix) {
        JdbcStore store = JdbcStore.builder(Databases.shared(Database.H2)).tablePrefix(prefix).build();
        try {
            assertThat(store.tablePrefix()).isEqualTo(prefix);
            assertThat(store.database()).isEqualTo(Database.H2);
            assertThat(store.changeCursor().position()).isZero();
        } finally {
            Databases.dropTables(Databases.shared(Database.H2), prefix);
        }
    }

    @Test
    void aDataSourceIsRequired() {
        assertThatThrownBy(() -> JdbcStore.builder(null).build())
                .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.field()).isEqualTo("dataSource"));
    }

    @Test
    void anUnsupportedDatabaseIsNamed() {
        assertThatThrownBy(() -> JdbcStore.builder(reporting("Oracle", "19.3.0.0.0")).build())
                .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                    assertThat(e.field()).isEqualTo("database");
                    assertThat(e.value()).isEqualTo("Oracle 19.3.0.0.0");
                    assertThat(e.rule()).contains("database(...)");
                });
    }

    @Test
    void mySqlIsDetectedAsItselfAndRefusedBeforeAnySchemaWork() {
        // the proxy answers nothing but the product's name and version: any DDL would fail otherwise
        assertThatThrownBy(() -> JdbcStore.builder(reporting("MySQL", "8.0.36")).build())
                .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                    assertThat(e.field()).isEqualTo("database");
                    assertThat(e.value()).isEqualTo("MySQL 8.0.36");
                    assertThat(e.rule()).startsWith("is MySQL, which this store does not support yet")
                            .contains("H2, PostgreSQL and MariaDB");
                });
    }

    @Test
    void productNamesMapToDatabases() {
        assertThat(Database.of("H2", "2.3.232")).isEqualTo(Database.H2);
        assertThat(Database.of("PostgreSQL", "15.4")).isEqualTo(Database.POSTGRESQL);
        assertThat(Database.of("MariaDB", "10.11.6-MariaDB")).isEqualTo(Database.MARIADB);
        // MySQL's own driver names a MariaDB server "MySQL"; its version says what it is
        assertThat(Database.of("MySQL", "5.5.5-10.11.6-MariaDB")).isEqualTo(Database.MARIADB);
        assertThatThrownBy(() -> Database.of("MySQL", "8.0.36")).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> Database.of("Microsoft SQL Server", "16.0")).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> Database.of(null, null)).isInstanceOf(InvalidValueException.class);
    }

    @Test
    void anUnreachableDatabaseDuringDetectionIsAStoreFailure() {
        SwitchableDataSource down = new SwitchableDataSource(Databases.shared(Database.H2));
        down.goDown();
        assertThatThrownBy(() -> JdbcStore.builder(down).build())
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.operation()).isEqualTo("detect database"));
    }

    @Test
    void withADialectAndNoSchemaCreationBuildDoesNotTouchTheDatabase() {
        SwitchableDataSource down = new SwitchableDataSource(Databases.shared(Database.H2));
        down.goDown();
        JdbcStore store = JdbcStore.builder(down).database(Database.POSTGRESQL).createSchema(false).build();
        assertThat(store.database()).isEqualTo(Database.POSTGRESQL);
        assertThat(down.connectionRequests).hasValue(0);
        assertThatThrownBy(store::changeCursor)
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.operation()).isEqualTo("changeCursor"));
    }

    @Test
    void withoutSchemaCreationMissingTablesAreAStoreFailureNamingTheOperation() {
        JdbcStore store = JdbcStore.builder(Databases.shared(Database.H2)).tablePrefix(Databases.freshPrefix())
                .createSchema(false).build();
        assertThatThrownBy(() -> store.append(chain(T0, T0)))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.operation()).isEqualTo("append"));
    }

    @Test
    void instantsFinerThanAMicrosecondAreRefusedNotRounded() {
        JdbcStore store = offline(Database.H2);
        ConsentEvent ok = chain(T0, T0).get(0);
        // refused by the event itself, before any store sees it
        assertThatThrownBy(() -> store.append(List.of(new ConsentEvent(ok.id(), ok.subject(), 1, ok.purpose(), 1, "1",
                Choice.GRANTED, T0.plusNanos(1), T0, Optional.empty(), Method.API, Actor.SUBJECT, OptionalInt.empty(),
                Evidence.NONE, ok.previousHash(), ok.hash()))))
                .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.field()).isEqualTo("occurredAt"));
    }

    @Test
    void instantsOutsideTheDatabasesRangeAreRefused() {
        // consent events keep to the ledger's range (LedgerInstants), narrower than every database's
        Instant year999 = Instant.parse("0999-12-31T23:59:59Z");
        assertThatThrownBy(() -> offline(Database.MARIADB).append(chain(year999, T0)))
                .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                    assertThat(e.field()).isEqualTo("occurredAt");
                    assertThat(e.rule()).contains("1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z");
                });
        Instant year10000 = Instant.parse("+10000-01-01T00:00:00Z");
        assertThatThrownBy(() -> offline(Database.POSTGRESQL).append(chain(T0, year10000)))
                .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.field()).isEqualTo("recordedAt"));
    }

    @Test
    void aMalformedHashIsRefused() {
        ConsentEvent ok = chain(T0, T0).get(0);
        assertThatThrownBy(() -> offline(Database.H2).append(List.of(new ConsentEvent(ok.id(), ok.subject(), 1,
                ok.purpose(), 1, "1", Choice.GRANTED, T0, T0, Optional.empty(), Method.API, Actor.SUBJECT,
                OptionalInt.empty(), Evidence.NONE, ok.previousHash(), "not-a-hash"))))
                .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.field()).isEqualTo("hash"));
    }

    /** A store whose database is unreachable: what it refuses, it refuses before connecting. */
    private static JdbcStore offline(Database dialect) {
        SwitchableDataSource down = new SwitchableDataSource(Databases.shared(Database.H2));
        down.goDown();
        return JdbcStore.builder(down).database(dialect).createSchema(false).build();
    }

    private static List<ConsentEvent> chain(Instant occurredAt, Instant recordedAt) {
        NewConsentEvent d = new NewConsentEvent(EventId.random(), SubjectId.of("a"), ShopPolicy.MARKETING, 1, "1",
                Choice.GRANTED, occurredAt, recordedAt, Optional.empty(), Method.API, Actor.SUBJECT,
                OptionalInt.empty(), Evidence.NONE);
        return List.of(ConsentEvent.chain(d, 1, ConsentChain.GENESIS));
    }

    /** A data source whose connections report {@code productName} and nothing else. */
    private static DataSource reporting(String productName, String productVersion) {
        DatabaseMetaData meta = (DatabaseMetaData) Proxy.newProxyInstance(JdbcStoreBuilderTest.class.getClassLoader(),
                new Class<?>[] {DatabaseMetaData.class}, (p, m, a) -> {
                    if (m.getName().equals("getDatabaseProductName")) {
                        return productName;
                    }
                    if (m.getName().equals("getDatabaseProductVersion")) {
                        return productVersion;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        Connection connection = (Connection) Proxy.newProxyInstance(JdbcStoreBuilderTest.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (p, m, a) -> switch (m.getName()) {
                    case "getMetaData" -> meta;
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        return new DataSource() {
            @Override
            public Connection getConnection() {
                return connection;
            }

            @Override
            public Connection getConnection(String username, String password) {
                return connection;
            }

            @Override
            public PrintWriter getLogWriter() {
                return null;
            }

            @Override
            public void setLogWriter(PrintWriter out) {
            }

            @Override
            public void setLoginTimeout(int seconds) {
            }

            @Override
            public int getLoginTimeout() {
                return 0;
            }

            @Override
            public Logger getParentLogger() throws SQLFeatureNotSupportedException {
                throw new SQLFeatureNotSupportedException();
            }

            @Override
            public <T> T unwrap(Class<T> iface) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean isWrapperFor(Class<?> iface) {
                return false;
            }
        };
    }
}
