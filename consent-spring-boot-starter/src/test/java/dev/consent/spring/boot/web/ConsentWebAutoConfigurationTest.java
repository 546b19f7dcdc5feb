package dev.consent.spring.boot.web;

import dev.consent.ledger.SubjectId;
import dev.consent.spring.boot.ConsentAutoConfiguration;
import dev.consent.spring.boot.StarterTestDatabases;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** When the web integration is configured, with what, and how it backs off. */
class ConsentWebAutoConfigurationTest {
    private static final String[] PROPERTIES = {"consent.policy=classpath:web-policy.json", "consent.store=in-memory",
            "consent.retention.reference-key.id=2026-01",
            "consent.retention.reference-key.secret=" + StarterTestDatabases.SECRET};

    private final WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class,
                    ConsentWebAutoConfiguration.class))
            .withPropertyValues(PROPERTIES);

    @Test
    void aServletWebApplicationGetsTheFilterRegisteredAfterSecurityAndTheDefaultResolver() {
        web.withPropertyValues("consent.web.visitor-cookie=vid").run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ConsentGpcFilter.class)
                    .hasSingleBean(PrincipalOrVisitorSubjectResolver.class);
            FilterRegistrationBean<?> registration = context.getBean("consentGpcFilterRegistration",
                    FilterRegistrationBean.class);
            assertThat(registration.getFilter()).isSameAs(context.getBean(ConsentGpcFilter.class));
            assertThat(registration.getOrder()).isEqualTo(ConsentGpcFilter.ORDER).isGreaterThan(-100);
            assertThat(context.getBean(ConsentSubjectResolver.class)).hasToString(
                    "PrincipalOrVisitorSubjectResolver[cookie=vid, pattern=[A-Za-z0-9_-]{16,128}]");
        });
    }

    @Test
    void notInAnApplicationThatIsNoServletWebApplication() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class,
                        ConsentWebAutoConfiguration.class))
                .withPropertyValues(PROPERTIES)
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(ConsentGpcFilter.class)
                        .doesNotHaveBean(ConsentSubjectResolver.class));
    }

    @Test
    void turnedOffByProperty() {
        web.withPropertyValues("consent.web.gpc.enabled=false").run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(ConsentGpcFilter.class).doesNotHaveBean(FilterRegistrationBean.class));
    }

    @Test
    void theApplicationsResolverIsTheOneTheFilterUses() {
        ConsentSubjectResolver own = request -> Optional.of(SubjectId.of("from-the-shop"));
        web.withBean(ConsentSubjectResolver.class, () -> own).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(PrincipalOrVisitorSubjectResolver.class);
            assertThat(context.getBean(ConsentGpcFilter.class)).hasToString("ConsentGpcFilter[resolver=" + own + "]");
        });
    }

    @Test
    void theCountsAreMetersWithFixedTags() {
        web.run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean("consentGpcMetrics", MeterBinder.class).bindTo(registry);
            assertThat(registry.get("consent.gpc.signals").tag("result", "applied").functionCounter().count())
                    .isZero();
            assertThat(registry.get("consent.gpc.signals").tag("result", "failed").functionCounter().count())
                    .isZero();
        });
    }

    @Test
    void settingsBindFromProperties() {
        web.withPropertyValues("consent.web.gpc.cache-size=0").run(context -> assertThat(context).hasFailed()
                .getFailure().hasStackTraceContaining("consent.web.gpc.cache-size"));
    }
}
