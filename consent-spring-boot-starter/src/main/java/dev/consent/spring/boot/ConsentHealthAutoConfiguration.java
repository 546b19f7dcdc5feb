package dev.consent.spring.boot;

import dev.consent.ConsentService;
import dev.consent.store.ConsentStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The library's {@link ConsentHealthIndicator} (health contributor {@code consent}), only when
 * {@code spring-boot-health} is on the class path and the indicator is enabled (turn it off with
 * {@code management.health.consent.enabled=false}); backs off when the application defines one.
 */
@AutoConfiguration(after = ConsentAutoConfiguration.class,
        beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
public class ConsentHealthAutoConfiguration {

    /** Created by Spring. */
    public ConsentHealthAutoConfiguration() {
    }

    /**
     * Probes the store and the sweep schedule.
     *
     * @param store the store to probe
     * @param scheduler the sweep schedule, if this node runs one
     * @param consents the consent service, whose change-feed reads are reported
     * @return the health indicator named {@code consent}
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(ConsentStore.class)
    @ConditionalOnEnabledHealthIndicator("consent")
    public ConsentHealthIndicator consentHealthIndicator(ObjectProvider<ConsentStore> store,
            ObjectProvider<ConsentSweepScheduler> scheduler, ObjectProvider<ConsentService> consents) {
        return new ConsentHealthIndicator(store.getObject(), scheduler.getIfUnique(), consents.getIfUnique());
    }
}
