package dev.consent.spring.boot.web;

import dev.consent.ConsentService;
import dev.consent.spring.boot.ConsentAutoConfiguration;
import dev.consent.spring.boot.ConsentProperties;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The web integration of a servlet web application: the {@link ConsentSubjectResolver} (by default
 * {@link PrincipalOrVisitorSubjectResolver} from {@code consent.web.visitor-cookie}) and the {@link ConsentGpcFilter},
 * registered for every request at {@link ConsentGpcFilter#ORDER} unless {@code consent.web.gpc.enabled=false}.
 * With Micrometer, the meter {@code consent.gpc.signals{result=applied|failed}} counts the signals applied and those
 * that could not be (no personal data, fixed tag values). Each bean backs off when the application defines one of its
 * type (for the filter: a {@code ConsentGpcFilter} bean, which is then registered by this configuration, or a
 * registration bean named {@code consentGpcFilterRegistration}).
 */
@AutoConfiguration(after = ConsentAutoConfiguration.class,
        beforeName = "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = {"jakarta.servlet.Filter", "org.springframework.web.filter.OncePerRequestFilter",
        "org.springframework.boot.web.servlet.FilterRegistrationBean"})
@ConditionalOnBean(ConsentService.class)
public class ConsentWebAutoConfiguration {

    /** Created by Spring. */
    public ConsentWebAutoConfiguration() {
    }

    /**
     * The principal, else the visitor cookie.
     *
     * @param properties the bound {@code consent.*} properties, for the visitor cookie
     * @return the resolver
     */
    @Bean
    @ConditionalOnMissingBean
    public ConsentSubjectResolver consentSubjectResolver(ConsentProperties properties) {
        return new PrincipalOrVisitorSubjectResolver(properties.web().visitorCookie(),
                properties.web().visitorCookiePattern());
    }

    /** The Global Privacy Control filter and its registration. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "consent.web.gpc.enabled", havingValue = "true", matchIfMissing = true)
    static class Gpc {
        @Bean
        @ConditionalOnMissingBean
        ConsentGpcFilter consentGpcFilter(ConsentProperties properties, ConsentService consents,
                ConsentSubjectResolver resolver) {
            ConsentProperties.Gpc gpc = properties.web().gpc();
            return new ConsentGpcFilter(consents, resolver, gpc.cacheSize(), gpc.recheckAfter());
        }

        @Bean
        @ConditionalOnMissingBean(name = "consentGpcFilterRegistration")
        FilterRegistrationBean<ConsentGpcFilter> consentGpcFilterRegistration(ConsentGpcFilter filter) {
            FilterRegistrationBean<ConsentGpcFilter> registration = new FilterRegistrationBean<>(filter);
            registration.setName("consentGpcFilter");
            registration.setOrder(ConsentGpcFilter.ORDER);
            return registration;
        }

        /** The filter's counts as meters, when Micrometer is present. */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
        static class Metrics {
            @Bean
            @ConditionalOnMissingBean(name = "consentGpcMetrics")
            MeterBinder consentGpcMetrics(ConsentGpcFilter filter) {
                return registry -> {
                    FunctionCounter.builder("consent.gpc.signals", filter, ConsentGpcFilter::applications)
                            .tag("result", "applied").description("Global Privacy Control signals applied")
                            .register(registry);
                    FunctionCounter.builder("consent.gpc.signals", filter, ConsentGpcFilter::failures)
                            .tag("result", "failed")
                            .description("Global Privacy Control signals not applied because the store or the "
                                    + "subject resolver failed").register(registry);
                };
            }
        }
    }
}
