package dev.consent.spring.boot;

import dev.consent.ConsentService;
import dev.consent.rights.RightsService;
import dev.consent.store.OutboxStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Metrics and info for the library, each only when its module is on the class path: {@link ConsentMetrics} with
 * Micrometer (bound to the registries by Spring Boot's metrics auto-configuration), {@link ConsentInfoContributor}
 * with {@code spring-boot-actuator} (turned off by {@code management.info.consent.enabled=false}). Each backs off when
 * the application defines a bean of its type. The health indicator has its own auto-configuration,
 * {@link ConsentHealthAutoConfiguration}.
 */
@AutoConfiguration(after = ConsentAutoConfiguration.class,
        beforeName = "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration")
public class ConsentObservabilityAutoConfiguration {

    /** Created by Spring. */
    public ConsentObservabilityAutoConfiguration() {
    }

    /** The meters, when Micrometer is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(ConsentService.class)
        ConsentMetrics consentMetrics(ConsentProperties properties, ObjectProvider<ConsentService> consents,
                ObjectProvider<ConsentSweepScheduler> scheduler, ObjectProvider<RightsService> rights,
                ObjectProvider<OutboxStore> outbox) {
            return new ConsentMetrics(consents.getIfUnique(), scheduler.getIfUnique(), rights.getIfUnique(),
                    outbox.getIfUnique(), properties.rights().metricsRefresh());
        }
    }

    /** The info contribution, when Spring Boot's actuator module is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.info.InfoContributor")
    @ConditionalOnProperty(name = "management.info.consent.enabled", havingValue = "true", matchIfMissing = true)
    static class Info {
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(ConsentService.class)
        ConsentInfoContributor consentInfoContributor(ConsentService consents) {
            return new ConsentInfoContributor(consents);
        }
    }
}
