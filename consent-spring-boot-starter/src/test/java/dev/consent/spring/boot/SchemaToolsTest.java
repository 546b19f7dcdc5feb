package dev.consent.spring.boot;

import dev.consent.ConsentService;
import dev.consent.jdbc.JdbcStore;
import dev.consent.jdbc.SchemaInitializer;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * consent.jdbc.schema=flyway and =liquibase: the library's migrations applied by the tool into a fresh H2 and a fresh
 * PostgreSQL schema, beside an application whose own Flyway migrations (V1, V2 in {@code appmigrations}) run through
 * Boot's Flyway and stay as they are; then a second start, which applies nothing again.
 */
class SchemaToolsTest {
    private static final String APP_DATABASE = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration";
    private static final String APP_FLYWAY = "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration";

    private static ApplicationContextRunner app(String url, String mode, String prefix) throws ClassNotFoundException {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(Class.forName(APP_DATABASE), Class.forName(APP_FLYWAY),
                        ConsentAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=" + url, "spring.flyway.locations=classpath:appmigrations",
                        "consent.policy=classpath:shop-policy.json", "consent.retention.reference-key.id=2026-01",
                        "consent.retention.reference-key.secret=" + StarterTestDatabases.SECRET,
                        "consent.jdbc.table-prefix=" + prefix, "consent.jdbc.schema=" + mode,
                        "consent.service.change-feed-poll-interval=0");
    }

    @ParameterizedTest
    @ValueSource(strings = {"flyway", "liquibase"})
    void migratesAFreshH2BesideTheApplicationsOwnFlyway(String mode) throws Exception {
        String url = StarterTestDatabases.newH2Url();
        migratesAndLeavesTheApplicationAlone(url, mode, "shop_consent_");
    }

    @ParameterizedTest
    @ValueSource(strings = {"flyway", "liquibase"})
    void migratesAFreshPostgresSchemaBesideTheApplicationsOwnFlyway(String mode) throws Exception {
        StarterTestDatabases.requirePostgres();
        String schema = StarterTestDatabases.freshPrefix().replace("_", "");
        try (Connection c = DriverManager.getConnection(StarterTestDatabases.PG_URL); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        try {
            migratesAndLeavesTheApplicationAlone(StarterTestDatabases.PG_URL + "&currentSchema=" + schema, mode,
                    "consent_");
        } finally {
            try (Connection c = DriverManager.getConnection(StarterTestDatabases.PG_URL);
                 Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    private static void migratesAndLeavesTheApplicationAlone(String url, String mode, String prefix) throws Exception {
        String history = prefix + "schema_history";
        ApplicationContextRunner app = app(url, mode, prefix);
        app.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(JdbcStore.class);
            DataSource ds = context.getBean(DataSource.class);
            assertThat(strings(ds, "SELECT \"version\" FROM \"" + table(ds, "flyway_schema_history")
                    + "\" WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"")).as("the application's own history").containsExactly("1", "2");
            assertThat(rows(ds, "SELECT COUNT(total_cents) FROM app_orders")).isZero();
            assertThat(strings(ds, "SELECT version FROM " + prefix + "schema_version ORDER BY version"))
                    .as("the library's history, which SchemaInitializer.verify read")
                    .hasSize(SchemaInitializer.requiredMigrations().size());
            assertThat(toolHistory(ds, mode, history)).as("the tool's history of the library's migrations")
                    .containsExactlyElementsOf(SchemaInitializer.requiredMigrations());
            ConsentService consents = context.getBean(ConsentService.class);
            consents.grant(ConsentAutoConfigurationTest.ALICE, ConsentAutoConfigurationTest.NEWSLETTER,
                    Capture.by(Method.CHECKBOX));
            assertThat(consents.checkUncached(ConsentAutoConfigurationTest.ALICE,
                    ConsentAutoConfigurationTest.NEWSLETTER).allowed()).isTrue();
        });
        app.run(context -> {
            assertThat(context).as("a restart applies nothing again").hasNotFailed();
            DataSource ds = context.getBean(DataSource.class);
            assertThat(toolHistory(ds, mode, history)).containsExactlyElementsOf(SchemaInitializer.requiredMigrations());
            assertThat(rows(ds, "SELECT COUNT(*) FROM \"" + table(ds, "flyway_schema_history")
                    + "\" WHERE \"version\" IS NOT NULL")).isEqualTo(2);
            assertThat(rows(ds, "SELECT COUNT(*) FROM " + prefix + "events")).as("the ledger kept").isEqualTo(1);
        });
        app(url, "validate", prefix).run(context -> assertThat(context).hasNotFailed());
    }

    /** Unset, the schema mode follows the class path: Flyway is on this module's test class path. */
    @Test
    void unsetTheModeIsFlywayWhenFlywayIsOnTheClassPath() throws Exception {
        String url = StarterTestDatabases.newH2Url();
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(Class.forName(APP_DATABASE),
                        ConsentAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=" + url, "consent.policy=classpath:shop-policy.json",
                        "consent.retention.reference-key.id=2026-01",
                        "consent.retention.reference-key.secret=" + StarterTestDatabases.SECRET)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(toolHistory(context.getBean(DataSource.class), "flyway", "consent_schema_history"))
                            .containsExactlyElementsOf(SchemaInitializer.requiredMigrations());
                });
        assertThat(ConsentAutoConfiguration.schemaMode(null, getClass().getClassLoader()))
                .isEqualTo(ConsentProperties.SchemaMode.FLYWAY);
        assertThat(ConsentAutoConfiguration.schemaMode(ConsentProperties.SchemaMode.CREATE,
                getClass().getClassLoader())).isEqualTo(ConsentProperties.SchemaMode.CREATE);
    }

    /** The rule of an unset mode, and a mode whose tool is missing, as the application's class loader sees them. */
    @Test
    void theModeFollowsTheClassPathAndAMissingToolFailsNamingTheProperty() throws Exception {
        ClassLoader noFlyway = new FilteredClassLoader("org.flywaydb.");
        ClassLoader neither = new FilteredClassLoader("org.flywaydb.", "liquibase.");
        assertThat(ConsentAutoConfiguration.schemaMode(null, noFlyway)).isEqualTo(ConsentProperties.SchemaMode.LIQUIBASE);
        assertThat(ConsentAutoConfiguration.schemaMode(null, neither)).isEqualTo(ConsentProperties.SchemaMode.CREATE);
        assertThat(ConsentAutoConfiguration.schemaMode(ConsentProperties.SchemaMode.VALIDATE, neither))
                .isEqualTo(ConsentProperties.SchemaMode.VALIDATE);

        app(StarterTestDatabases.newH2Url(), "flyway", "consent_").withClassLoader(noFlyway).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new ConsentFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("consent.jdbc.schema", "flyway", "not on the class path");
            assertThat(analysis.getAction()).contains("flyway-core", "flyway-database-postgresql");
        });
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(Class.forName(APP_DATABASE),
                        ConsentAutoConfiguration.class)).withClassLoader(neither)
                .withPropertyValues("spring.datasource.url=" + StarterTestDatabases.newH2Url(),
                        "consent.policy=classpath:shop-policy.json", "consent.retention.reference-key.id=2026-01",
                        "consent.retention.reference-key.secret=" + StarterTestDatabases.SECRET,
                        "consent.jdbc.schema=liquibase")
                .run(context -> assertThat(new ConsentFailureAnalyzer().analyze(context.getStartupFailure())
                        .getDescription()).contains("consent.jdbc.schema", "liquibase", "not on the class path"));
    }

    /** Names a tool would write into SQL are checked before it runs: nothing is created. */
    @ParameterizedTest
    @ValueSource(strings = {"flyway", "liquibase"})
    void aBadPrefixOrHistoryTableFailsBeforeTheToolRuns(String mode) throws Exception {
        String url = StarterTestDatabases.newH2Url();
        app(url, mode, "Bad-").run(context -> {
            FailureAnalysis analysis = new ConsentFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("consent.jdbc", "tablePrefix", "Bad-");
        });
        app(url, mode, "consent_").withPropertyValues("consent.jdbc.history-table=x; DROP TABLE app_orders").run(
                context -> assertThat(new ConsentFailureAnalyzer().analyze(context.getStartupFailure())
                        .getDescription()).contains("consent.jdbc", "historyTable", "must match [a-z][a-z0-9_]{0,59}"));
        org.h2.jdbcx.JdbcDataSource ds = new org.h2.jdbcx.JdbcDataSource();
        ds.setURL(url);
        ds.setUser("sa"); // the user Boot's DataSource created the database as
        assertThat(rows(ds, "SELECT COUNT(*) FROM information_schema.tables WHERE LOWER(table_name) LIKE 'consent%' "
                + "OR LOWER(table_name) LIKE 'bad%'")).as("no tool ran").isZero();
    }

    /** The starter's changelog lists exactly the migrations this version of consent-jdbc needs, in order. */
    @Test
    void theLiquibaseChangelogListsEveryMigration() throws Exception {
        String xml;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(LiquibaseConsentSchema.CHANGELOG)) {
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> ids = new ArrayList<>();
        Matcher m = Pattern.compile("<changeSet id=\"([^\"]+)\"").matcher(xml);
        while (m.find()) {
            ids.add(m.group(1));
        }
        assertThat(ids).containsExactlyElementsOf(SchemaInitializer.requiredMigrations());
    }

    private static List<String> toolHistory(DataSource ds, String mode, String history) throws SQLException {
        if (mode.equals("flyway")) {
            return strings(ds, "SELECT 'V' || \"version\" || '__' || REPLACE(REPLACE(\"script\", 'V' || \"version\" || "
                    + "'__', ''), '.sql', '') FROM \"" + table(ds, history) + "\" WHERE \"version\" <> '0' "
                    + "AND \"success\" ORDER BY \"installed_rank\"");
        }
        return strings(ds, "SELECT ID FROM " + history + " ORDER BY ORDEREXECUTED");
    }

    /** A table's name as the database stores it (Flyway quotes its history table's name as given). */
    private static String table(DataSource ds, String name) throws SQLException {
        try (Connection c = ds.getConnection(); ResultSet rs = c.getMetaData().getTables(null, null, null,
                new String[] {"TABLE"})) {
            while (rs.next()) {
                if (rs.getString("TABLE_NAME").equalsIgnoreCase(name)) {
                    return rs.getString("TABLE_NAME");
                }
            }
        }
        throw new AssertionError("no table " + name.toLowerCase(Locale.ROOT));
    }

    private static List<String> strings(DataSource ds, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static long rows(DataSource ds, String sql) throws SQLException {
        return ConsentAutoConfigurationTest.rows(ds, sql);
    }
}
