package dev.consent.spring.boot.app;

import dev.consent.ConsentService;
import dev.consent.jdbc.ConnectionBinding;
import dev.consent.jdbc.JdbcStore;
import dev.consent.jdbc.SchemaInitializer;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.retention.RetentionService;
import dev.consent.spring.boot.ConsentHealthIndicator;
import dev.consent.spring.boot.ConsentSweepScheduler;
import dev.consent.spring.boot.SpringConnectionBinding;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.init.DataSourceScriptDatabaseInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The shop started as an application with the starter, its own schema.sql and one database: it signs a customer up and
 * checks the consent, sweeps on request, and shows the library's metrics and health. Run on H2 and PostgreSQL.
 */
abstract class ShopApplicationContract {
    @Autowired
    ShopApplication.SignUp signUp;
    @Autowired
    ConfigurableApplicationContext context;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    ShopApplication.TransactionalSignUp transactionalSignUp;

    /** The table prefix of this run. */
    abstract String prefix();

    @Test
    void aSignUpRecordsTheConsentAndTheCheckAllowsTheNewsletter() {
        String alice = "alice-" + UUID.randomUUID();
        String bob = "bob-" + UUID.randomUUID();
        signUp.signUp(alice, "alice@example.com", true);
        signUp.signUp(bob, "bob@example.com", false);
        assertThat(signUp.mayEmail(alice)).isTrue();
        assertThat(signUp.mayEmail(bob)).isFalse();
        assertThat(context.getBean(ConsentService.class).checkUncached(SubjectId.of(alice),
                dev.consent.policy.PurposeId.of("marketing.email")).allowed()).isTrue();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + prefix() + "events WHERE subject IN (?, ?)",
                Long.class, alice, bob)).isEqualTo(2);
    }

    @Test
    void insideATransactionTheCustomerAndTheConsentCommitTogether() {
        assertThat(context.getBean(ConnectionBinding.class)).isInstanceOf(SpringConnectionBinding.class);
        String dora = "dora-" + UUID.randomUUID();
        transactionalSignUp.signUp(dora, "dora@example.com", true);
        assertThat(customers(dora)).isEqualTo(1);
        assertThat(events(dora)).isEqualTo(1);
        assertThat(signUp.mayEmail(dora)).isTrue();
        assertThat(uncheckedAllowed(dora)).isTrue();
    }

    @Test
    void aRolledBackSignUpLeavesNoCustomerNoConsentAndNoCachedAllow() {
        String erin = "erin-" + UUID.randomUUID();
        ShopApplication.SignUpFailed failed = catchThrowableOfType(ShopApplication.SignUpFailed.class,
                () -> transactionalSignUp.signUpThenFail(erin, "erin@example.com"));
        assertThat(failed).isNotNull();
        assertThat(failed.inTransaction()).isTrue();
        assertThat(failed.allowedBeforeFailure()).as("the check inside the transaction sees its own grant").isTrue();
        assertThat(customers(erin)).isZero();
        assertThat(events(erin)).isZero();
        assertThat(signUp.mayEmail(erin)).as("no cached allow survives the rollback").isFalse();
        assertThat(uncheckedAllowed(erin)).isFalse();
        // and the subject is usable afterwards: a new sign-up records normally
        transactionalSignUp.signUp(erin, "erin@example.com", true);
        assertThat(signUp.mayEmail(erin)).isTrue();
        assertThat(events(erin)).isEqualTo(1);
    }

    @Test
    void outsideATransactionTheLibraryCommitsOnItsOwn() {
        String fred = "fred-" + UUID.randomUUID();
        ShopApplication.SignUpFailed failed = catchThrowableOfType(ShopApplication.SignUpFailed.class,
                () -> signUp.signUpThenFail(fred, "fred@example.com"));
        assertThat(failed).isNotNull();
        assertThat(failed.inTransaction()).isFalse();
        assertThat(failed.allowedBeforeFailure()).isTrue();
        assertThat(customers(fred)).isEqualTo(1);
        assertThat(events(fred)).isEqualTo(1);
        assertThat(signUp.mayEmail(fred)).isTrue();
        assertThat(uncheckedAllowed(fred)).isTrue();
    }

    private long customers(String id) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM starter_shop_customers WHERE id = ?", Long.class, id);
    }

    private long events(String id) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM " + prefix() + "events WHERE subject = ?", Long.class, id);
    }

    private boolean uncheckedAllowed(String id) {
        return context.getBean(ConsentService.class).checkUncached(SubjectId.of(id),
                dev.consent.policy.PurposeId.of("marketing.email")).allowed();
    }

    @Test
    void theStoreWasCreatedAfterTheApplicationsOwnDatabaseInitialisation() {
        JdbcStore store = context.getBean(JdbcStore.class);
        assertThat(store.tablePrefix()).isEqualTo(prefix());
        String[] initializers = context.getBeanNamesForType(DataSourceScriptDatabaseInitializer.class);
        assertThat(initializers).isNotEmpty();
        for (String bean : new String[] {"consentStore", "consentService", "retentionService", "rightsService"}) {
            assertThat(context.getBeanFactory().getBeanDefinition(bean).getDependsOn()).as(bean)
                    .contains(initializers);
        }
        SchemaInitializer.verify(context.getBean(DataSource.class), prefix());
    }

    @Test
    void theScheduledSweeperDisposesThroughTheApplicationsHandler() {
        String carol = "carol-" + UUID.randomUUID();
        signUp.signUp(carol, "carol@example.com", true);
        context.getBean(RetentionService.class).recordAnchor(SubjectId.of(carol), "contact.email",
                Anchor.LAST_TRANSACTION, Instant.now().minus(Duration.ofDays(730)));
        ConsentSweepScheduler scheduler = context.getBean(ConsentSweepScheduler.class);
        assertThat(scheduler.isRunning()).isTrue();
        ShopSweeps.runOnce(scheduler);
        assertThat(jdbc.queryForObject("SELECT email FROM starter_shop_customers WHERE id = ?", String.class, carol))
                .isNull();
        assertThat(scheduler.totals().disposed()).isPositive();
    }

    @Test
    void metricsAndHealthShowTheLibrary() {
        MeterRegistry registry = context.getBean(MeterRegistry.class);
        assertThat(registry.find("consent.cache.subjects").gauge()).isNotNull();
        assertThat(registry.find("consent.sweep.items").tag("outcome", "disposed").functionCounter()).isNotNull();
        assertThat(registry.find("consent.rights.requests").tag("state", "overdue").gauge()).isNotNull();
        assertThat(context.getBean(ConsentHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
        assertThat(Arrays.asList(context.getBeanNamesForType(ConsentHealthIndicator.class)))
                .containsExactly("consentHealthIndicator");
    }
}
