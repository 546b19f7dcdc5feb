package dev.consent.spring.boot.web;

import dev.consent.ConsentService;
import dev.consent.ledger.SubjectId;
import dev.consent.spring.boot.ConsentAutoConfiguration;
import dev.consent.spring.boot.ConsentConfigurationException;
import dev.consent.spring.boot.StarterTestDatabases;
import dev.consent.web.ConsentWebHandler;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** When the banner's endpoints are served, with what, and whose requests they take. */
class ConsentWebHandlerAutoConfigurationTest {
    private static final String[] PROPERTIES = {"consent.policy=classpath:web-policy.json", "consent.store=in-memory",
            "consent.retention.reference-key.id=2026-01",
            "consent.retention.reference-key.secret=" + StarterTestDatabases.SECRET, "consent.web.default-locale=en"};

    private final WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class,
                    ConsentWebAutoConfiguration.class, ConsentWebHandlerAutoConfiguration.class))
            .withPropertyValues(PROPERTIES);

    @Test
    void theHandlerIsServedAtTheBasePath() {
        web.withPropertyValues("consent.web.base-path=/shop/consent/v2").run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ConsentWebHandler.class);
            ServletRegistrationBean<?> registration = context.getBean("consentWebServletRegistration",
                    ServletRegistrationBean.class);
            assertThat(registration.getUrlMappings()).containsExactly("/shop/consent/v2/*");
            assertThat(context.getBean(ConsentWebHandler.class).basePath()).isEqualTo("/shop/consent/v2");
        });
    }

    @Test
    void turnedOffByPropertyOrWithoutConsentWeb() {
        web.withPropertyValues("consent.web.enabled=false").run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(ConsentWebHandler.class).doesNotHaveBean("consentWebServletRegistration"));
        web.withClassLoader(new FilteredClassLoader("dev.consent.web.")).run(context -> assertThat(context)
                .hasNotFailed().doesNotHaveBean("consentWebServletRegistration"));
    }

    @Test
    void aPolicyWithoutLanguageNeedsTheDefaultLocale() {
        new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class,
                        ConsentWebAutoConfiguration.class, ConsentWebHandlerAutoConfiguration.class))
                .withPropertyValues(java.util.Arrays.copyOf(PROPERTIES, PROPERTIES.length - 1))
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("consent.web.default-locale: is required: policy starter-web-shop"
                                + " version 2026-01 states no language for its own texts"));
        web.withPropertyValues("consent.web.rate-limit.burst=0").run(context -> assertThat(context).hasFailed()
                .getFailure().hasRootCauseInstanceOf(dev.consent.InvalidValueException.class)
                .satisfies(f -> assertThat(f).hasStackTraceContaining(ConsentConfigurationException.class.getName())
                        .hasStackTraceContaining("consent.web.rate-limit.burst")));
    }

    @Test
    void theCustomerIsTheOneTheApplicationsResolverNamesNeverAVisitor() {
        SubjectId alice = SubjectId.of("alice");
        ConsentSubjectResolver resolver = request -> Optional.ofNullable(request.getHeader("X-Test-Login"))
                .map(SubjectId::of);
        web.withBean(ConsentSubjectResolver.class, () -> resolver).run(context -> {
            ConsentWebServlet servlet = (ConsentWebServlet) context.getBean("consentWebServletRegistration",
                    ServletRegistrationBean.class).getServlet();

            MockHttpServletResponse asAlice = serve(servlet, "alice");
            assertThat(asAlice.getStatus()).isEqualTo(200);
            assertThat(asAlice.getHeader("Set-Cookie")).as("a customer needs no visitor cookie").isNull();

            MockHttpServletResponse asVisitor = serve(servlet, "visitor:abcdefghijklmnopqrstuvwxyz");
            assertThat(asVisitor.getHeader("Set-Cookie")).as("a visitor the resolver names is no customer")
                    .startsWith(ConsentWebHandler.DEFAULT_VISITOR_COOKIE + "=");
            assertThat(context.getBean(ConsentService.class).visitorsOf(alice)).isEmpty();
        });
    }

    private static MockHttpServletResponse serve(ConsentWebServlet servlet, String login) throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/consent/v1/purposes");
        request.setServletPath("/consent/v1");
        request.setPathInfo("/purposes");
        request.addHeader("X-Test-Login", login);
        request.setContent("".getBytes(StandardCharsets.UTF_8));
        MockHttpServletResponse response = new MockHttpServletResponse();
        servlet.service(request, response);
        return response;
    }
}
