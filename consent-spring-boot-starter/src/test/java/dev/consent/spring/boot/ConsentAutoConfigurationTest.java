package dev.consent.spring.boot;

import dev.consent.ConsentService;
import dev.consent.jdbc.JdbcStore;
import dev.consent.jdbc.SchemaInitializer;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.InvalidPolicyException;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.PurposeId;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.rights.RightsService;
import dev.consent.rights.SubjectExport;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.stream.Stream;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The auto-configuration in isolation: each property, each back-off, each start-up failure and its analysis. */
class ConsentAutoConfigurationTest {
    static final String SECRET = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes
    static final SubjectId ALICE = SubjectId.of("alice");
    static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class,
                    ConsentObservabilityAutoConfiguration.class, ConsentHealthAutoConfiguration.class))
            .withPropertyValues("consent.policy=classpath:shop-policy.json",
                    "consent.retention.reference-key.id=2026-01", "consent.retention.reference-key.secret=" + SECRET);

    private final ApplicationContextRunner inMemory = runner.withPropertyValues("consent.store=in-memory");

    private static FailureAnalysis analysis(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        FailureAnalysis analysis = new ConsentFailureAnalyzer().analyze(context.getStartupFailure());
        assertThat(analysis).as("the failure is one the analyzer explains: " + context.getStartupFailure()).isNotNull();
        return analysis;
    }

    // ------------------------------------------------------------------------------------------ the store

    @Test
    void theInMemoryStoreOnlyWhenAskedForAndEveryServiceOnIt() {
        inMemory.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(InMemoryStore.class).doesNotHaveBean(JdbcStore.class)
                    .hasSingleBean(ConsentService.class).hasSingleBean(RetentionService.class)
                    .hasSingleBean(Sweeper.class).hasSingleBean(RightsService.class).hasSingleBean(SubjectExport.class)
                    .doesNotHaveBean(ConsentSweepScheduler.class);
            ConsentService consents = context.getBean(ConsentService.class);
            consents.grant(ALICE, NEWSLETTER, Capture.by(Method.CHECKBOX));
            assertThat(consents.check(ALICE, NEWSLETTER).allowed()).isTrue();
            ByteArrayOutputStream export = new ByteArrayOutputStream();
            context.getBean(SubjectExport.class).write(ALICE, export);
            assertThat(export.toString(StandardCharsets.UTF_8)).contains("marketing.email");
        });
        runner.withPropertyValues("consent.store=IN_MEMORY")
                .run(context -> assertThat(context).hasSingleBean(InMemoryStore.class));
    }

    @Test
    void withoutADataSourceTheJdbcStoreFailsStartUpClearly() {
        runner.run(context -> {
            FailureAnalysis analysis = analysis(context);
            assertThat(analysis.getDescription()).contains("consent.store", "no single DataSource bean");
            assertThat(analysis.getAction()).contains("consent.store=in-memory");
        });
    }

    @Test
    void theJdbcStoreRunsOnTheApplicationsDataSourceUnderTheConfiguredPrefix() {
        DataSource ds = StarterTestDatabases.newH2();
        runner.withBean(DataSource.class, () -> ds).withPropertyValues("consent.jdbc.table-prefix=shop_consent_",
                "consent.jdbc.change-notifications=false").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(JdbcStore.class)
                            .doesNotHaveBean(InMemoryStore.class);
                    assertThat(context.getBean(JdbcStore.class).tablePrefix()).isEqualTo("shop_consent_");
                    ConsentService consents = context.getBean(ConsentService.class);
                    consents.grant(ALICE, NEWSLETTER, Capture.by(Method.CHECKBOX));
                    assertThat(consents.checkUncached(ALICE, NEWSLETTER).allowed()).isTrue();
                    assertThat(rows(ds, "SELECT COUNT(*) FROM shop_consent_events")).isEqualTo(1);
                });
    }

    @Test
    void aTablePrefixThatBreaksTheRuleFailsNamingTheProperty() {
        runner.withBean(DataSource.class, StarterTestDatabases::newH2).withPropertyValues("consent.jdbc.table-prefix=Bad-")
                .run(context -> assertThat(analysis(context).getDescription()).contains("consent.jdbc", "tablePrefix",
                        "Bad-"));
    }

    @Test
    void schemaValidateFailsNamingTheMissingMigrationsAndPassesOnACompleteSchema() {
        DataSource ds = StarterTestDatabases.newH2();
        ApplicationContextRunner validating = runner.withBean(DataSource.class, () -> ds)
                .withPropertyValues("consent.jdbc.schema=validate");
        validating.run(context -> {
            assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(
                    SchemaInitializer.IncompatibleSchemaException.class);
            FailureAnalysis analysis = analysis(context);
            assertThat(analysis.getDescription()).contains("consent_schema_version", "V1__consent",
                    "V13__undated_items");
            assertThat(analysis.getAction()).contains("consent.jdbc.schema=create");
            assertThat(rows(ds, "SELECT COUNT(*) FROM information_schema.tables WHERE LOWER(table_name) LIKE "
                    + "'consent\\_%'")).as("validate creates nothing").isZero();
        });
        runner.withBean(DataSource.class, () -> ds).run(context -> assertThat(context).hasNotFailed());
        validating.run(context -> assertThat(context).hasNotFailed().hasSingleBean(JdbcStore.class));
    }

    // ------------------------------------------------------------------------------------------ the policy

    @Test
    void aMissingPolicyFailsNamingTheProperty() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class))
                .withPropertyValues("consent.store=in-memory").run(context -> {
                    FailureAnalysis analysis = analysis(context);
                    assertThat(analysis.getDescription()).contains("consent.policy is not set");
                    assertThat(analysis.getAction()).contains("classpath:privacy-policy.json");
                });
        inMemory.withPropertyValues("consent.policy=classpath:no-such-policy.json").run(context ->
                assertThat(analysis(context).getDescription()).contains("no-such-policy.json", "does not exist"));
    }

    @Test
    void anInvalidPolicyFailsWithItsJsonPathProblems() {
        inMemory.withPropertyValues("consent.policy=classpath:bad-policy.json").run(context -> {
            assertThat(context.getStartupFailure()).hasRootCauseInstanceOf(InvalidPolicyException.class);
            FailureAnalysis analysis = analysis(context);
            assertThat(analysis.getDescription()).contains("$.purposes[0].legalBasis", "\"CONSNET\"", "bad-policy.json");
            assertThat(analysis.getAction()).contains("JSON paths");
        });
    }

    // ------------------------------------------------------------------------------------------ retention

    @Test
    void aMissingReferenceKeyFailsNamingThePropertiesToSet() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class))
                .withPropertyValues("consent.store=in-memory", "consent.policy=classpath:shop-policy.json")
                .run(context -> {
                    FailureAnalysis analysis = analysis(context);
                    assertThat(analysis.getDescription()).contains("consent.retention.reference-key is not set");
                    assertThat(analysis.getAction()).contains("consent.retention.reference-key.id",
                            "consent.retention.reference-key.secret");
                });
    }

    @Test
    void aSecretThatIsNotBase64OrTooShortFailsWithoutRepeatingIt() {
        inMemory.withPropertyValues("consent.retention.reference-key.secret=not*base64*secret").run(context -> {
            assertThat(analysis(context).getDescription()).contains("consent.retention.reference-key.secret",
                    "is not Base64").doesNotContain("not*base64*secret");
        });
        inMemory.withPropertyValues("consent.retention.reference-key.secret=c2hvcnQ=").run(context ->
                assertThat(analysis(context).getDescription()).contains("consent.retention", "referenceKey.secret",
                        "5 bytes").doesNotContain("c2hvcnQ="));
    }

    @Test
    void retiredReferenceKeysAreBound() {
        inMemory.withPropertyValues("consent.retention.retired-reference-keys[0].id=2025-01",
                "consent.retention.retired-reference-keys[0].secret=" + SECRET).run(context -> assertThat(
                context).hasNotFailed());
        inMemory.withPropertyValues("consent.retention.retired-reference-keys[0].id=2026-01",
                "consent.retention.retired-reference-keys[0].secret=" + SECRET).run(context -> assertThat(
                analysis(context).getDescription()).contains("is used by two reference keys"));
    }

    // ------------------------------------------------------------------------------------------ the service

    @Test
    void cacheSizeReachesTheService() {
        inMemory.run(context -> {
            ConsentService consents = context.getBean(ConsentService.class);
            consents.check(ALICE, NEWSLETTER);
            assertThat(consents.cachedSubjects()).as("cached by default").isEqualTo(1);
        });
        inMemory.withPropertyValues("consent.service.cache-size=0").run(context -> assertThat(
                context.getBean(ConsentProperties.class).service().cacheSize()).isZero());
        // the builder's own refusal proves that the value reaches it
        inMemory.withPropertyValues("consent.service.cache-size=-1").run(context ->
                assertThat(analysis(context).getDescription()).contains("consent.service", "cacheSize", "-1"));
    }

    @Test
    void serviceSettingsThatBreakTheirRulesFailNamingThem() {
        inMemory.withPropertyValues("consent.service.bulk-chunk-size=0").run(context ->
                assertThat(analysis(context).getDescription()).contains("consent.service", "bulkChunkSize"));
        inMemory.withPropertyValues("consent.service.future-tolerance=2h").run(context ->
                assertThat(analysis(context).getDescription()).contains("futureTolerance"));
        inMemory.withPropertyValues("consent.service.change-feed-poll-interval=2s", "consent.service.max-staleness=1s")
                .run(context -> assertThat(analysis(context).getDescription()).contains("maxStaleness",
                        "at least the poll interval"));
        inMemory.withPropertyValues("consent.service.change-feed-poll-interval=0", "consent.service.max-staleness=1s")
                .run(context -> assertThat(analysis(context).getDescription()).contains("maxStaleness",
                        "change-feed-poll-interval"));
        inMemory.withPropertyValues("consent.service.change-feed-poll-interval=0", "consent.service.max-staleness=")
                .run(context -> assertThat(context).hasNotFailed());
    }

    // ------------------------------------------------------------------------------------------ the sweeper

    @Test
    void sweeperSettingsAndCustomizersAreApplied() {
        inMemory.withPropertyValues("consent.sweeper.node=node-a").run(context ->
                assertThat(context.getBean(Sweeper.class).node()).isEqualTo("node-a"));
        inMemory.withPropertyValues("consent.sweeper.node=node-a")
                .withBean(SweeperCustomizer.class, () -> b -> b.node("node-b")).run(context ->
                        assertThat(context.getBean(Sweeper.class).node()).as("a customizer overrides a property")
                                .isEqualTo("node-b"));
        inMemory.withPropertyValues("consent.sweeper.lease=1m", "consent.sweeper.handler-timeout=45s").run(context ->
                assertThat(analysis(context).getDescription()).contains("consent.sweeper", "handlerTimeout"));
        inMemory.withPropertyValues("consent.sweeper.batch-size=0").run(context ->
                assertThat(analysis(context).getDescription()).contains("batchSize"));
        inMemory.withBean(SweeperCustomizer.class, () -> b -> b.handler("no.such.category", r -> { }))
                .run(context -> assertThat(analysis(context).getDescription()).contains("no.such.category"));
    }

    @Test
    void theScheduleRunsOnlyWhenEnabled() {
        inMemory.run(context -> assertThat(context).doesNotHaveBean(ConsentSweepScheduler.class));
        inMemory.withPropertyValues("consent.sweeper.enabled=true", "consent.sweeper.initial-delay=1h").run(context -> {
            ConsentSweepScheduler scheduler = context.getBean(ConsentSweepScheduler.class);
            assertThat(scheduler.isRunning()).isTrue();
            assertThat(scheduler.healthThreshold()).as("three fixed delays and the budget")
                    .isEqualTo(java.time.Duration.ofMinutes(15).plusSeconds(30));
            context.close();
            assertThat(scheduler.isRunning()).isFalse();
        });
        inMemory.withPropertyValues("consent.sweeper.enabled=true", "consent.sweeper.cron=0 0 3 * * *").run(context ->
                assertThat(context.getBean(ConsentSweepScheduler.class).healthThreshold())
                        .isEqualTo(java.time.Duration.ofDays(3).plusSeconds(30)));
        inMemory.withPropertyValues("consent.sweeper.enabled=true", "consent.sweeper.cron=every night").run(context ->
                assertThat(analysis(context).getDescription()).contains("consent.sweeper", "cron", "every night"));
        inMemory.withPropertyValues("consent.sweeper.enabled=true", "consent.sweeper.max-items=0").run(context ->
                assertThat(analysis(context).getDescription()).contains("maxItems"));
    }

    // ------------------------------------------------------------------------------------------ back-offs

    static Stream<Arguments> userBeans() {
        Policy policy = PolicyJson.read(ConsentAutoConfigurationTest.class.getResourceAsStream("/shop-policy.json"),
                "shop-policy.json");
        InMemoryStore store = new InMemoryStore();
        ConsentService consents = ConsentService.builder().policy(policy).store(store).build();
        RetentionService retention = RetentionService.builder().policy(policy).store(store)
                .referenceKey("user", new byte[16]).build();
        Sweeper sweeper = Sweeper.builder(retention).build();
        RightsService rights = RightsService.builder().consents(consents).store(store).build();
        return Stream.of(
                Arguments.of(Policy.class, policy),
                Arguments.of(ConsentStore.class, store),
                Arguments.of(ConsentService.class, consents),
                Arguments.of(RetentionService.class, retention),
                Arguments.of(Sweeper.class, sweeper),
                Arguments.of(RightsService.class, rights),
                Arguments.of(SubjectExport.class, SubjectExport.builder().consents(consents).build()),
                Arguments.of(ConsentSweepScheduler.class, new ConsentSweepScheduler(sweeper, new ConsentProperties(
                        null, null, null, null, null, new ConsentProperties.Sweeper(true, java.time.Duration.ofHours(1),
                        null, java.time.Duration.ofHours(1), 10, java.time.Duration.ofSeconds(1), null,
                        java.time.Duration.ofMinutes(5), 10, null, null), null, null).sweeper())),
                Arguments.of(ConsentMetrics.class, new ConsentMetrics(consents, null, null,
                        java.time.Duration.ofMinutes(1))),
                Arguments.of(ConsentHealthIndicator.class, new ConsentHealthIndicator(store, null)),
                Arguments.of(ConsentInfoContributor.class, new ConsentInfoContributor(consents)));
    }

    @ParameterizedTest
    @MethodSource("userBeans")
    <T> void eachBeanBacksOffWhenTheApplicationDefinesOne(Class<T> type, T own) {
        // the JDBC store is the default and there is no DataSource: only a user's store lets this start
        inMemory.withPropertyValues("consent.sweeper.enabled=true", "consent.sweeper.initial-delay=1h")
                .withBean("applicationsOwn", type, () -> own).run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(type)).isSameAs(own);
                });
    }

    @Test
    void aStoreOfTheApplicationsOwnNeedsNoDataSource() {
        InMemoryStore own = new InMemoryStore();
        runner.withBean(InMemoryStore.class, () -> own).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(JdbcStore.class);
            assertThat(context.getBean(ConsentStore.class)).isSameAs(own);
        });
    }

    @Test
    void theFailureAnalyzerLeavesOtherFailuresAlone() {
        assertThat(new ConsentFailureAnalyzer().analyze(new IllegalStateException("other"))).isNull();
    }

    static long rows(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
