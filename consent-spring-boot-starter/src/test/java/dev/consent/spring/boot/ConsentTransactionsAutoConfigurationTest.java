package dev.consent.spring.boot;

import dev.consent.ConsentService;
import dev.consent.jdbc.ConnectionBinding;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Connection;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import static dev.consent.spring.boot.ConsentAutoConfigurationTest.ALICE;
import static dev.consent.spring.boot.ConsentAutoConfigurationTest.NEWSLETTER;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code consent.jdbc.join-spring-transactions}: the binding wired onto the JDBC store, turned off, or replaced. */
class ConsentTransactionsAutoConfigurationTest {
    private final DataSource dataSource = StarterTestDatabases.newH2();
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class))
            .withBean(DataSource.class, () -> dataSource)
            .withBean(PlatformTransactionManager.class, () -> new DataSourceTransactionManager(dataSource))
            .withPropertyValues("consent.policy=classpath:shop-policy.json", "consent.jdbc.table-prefix=tx_",
                    "consent.retention.reference-key.id=2026-01",
                    "consent.retention.reference-key.secret=" + ConsentAutoConfigurationTest.SECRET);

    /** Grants inside a Spring transaction that then rolls back; answers the subject's events left. */
    private long grantRolledBack(ConsentService consents, PlatformTransactionManager tm) throws Exception {
        new TransactionTemplate(tm).executeWithoutResult(status -> {
            consents.grant(ALICE, NEWSLETTER, Capture.by(Method.CHECKBOX));
            status.setRollbackOnly();
        });
        return ConsentAutoConfigurationTest.rows(dataSource, "SELECT COUNT(*) FROM tx_events");
    }

    @Test
    void byDefaultTheStoreJoinsTheSpringTransaction() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(SpringConnectionBinding.class);
            ConsentService consents = context.getBean(ConsentService.class);
            assertThat(grantRolledBack(consents, context.getBean(PlatformTransactionManager.class))).isZero();
            assertThat(consents.check(ALICE, NEWSLETTER).allowed()).isFalse();
        });
    }

    @Test
    void turnedOffTheStoreCommitsOnItsOwnInsideASpringTransaction() {
        runner.withPropertyValues("consent.jdbc.join-spring-transactions=false").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(ConnectionBinding.class);
            ConsentService consents = context.getBean(ConsentService.class);
            assertThat(grantRolledBack(consents, context.getBean(PlatformTransactionManager.class))).isEqualTo(1);
            assertThat(consents.check(ALICE, NEWSLETTER).allowed()).isTrue();
        });
    }

    @Test
    void anApplicationsOwnBindingReplacesSpringsAndIsUsedByTheStore() {
        AtomicInteger asked = new AtomicInteger();
        ConnectionBinding own = new ConnectionBinding() {
            @Override
            public Connection connection(DataSource ds) {
                asked.incrementAndGet();
                return null;
            }

            @Override
            public void afterCompletion(DataSource ds, Runnable action) {
                throw new AssertionError("never called while connection answers null");
            }
        };
        runner.withBean("applicationsBinding", ConnectionBinding.class, () -> own).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(SpringConnectionBinding.class)
                    .getBean(ConnectionBinding.class).isSameAs(own);
            ConsentService consents = context.getBean(ConsentService.class);
            asked.set(0);
            assertThat(grantRolledBack(consents, context.getBean(PlatformTransactionManager.class))).isEqualTo(1);
            assertThat(asked.get()).isPositive();
        });
    }
}
