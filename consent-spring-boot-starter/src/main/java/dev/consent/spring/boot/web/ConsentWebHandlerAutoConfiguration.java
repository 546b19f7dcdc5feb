package dev.consent.spring.boot.web;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.email.DoubleOptIn;
import dev.consent.email.OneClickUnsubscribe;
import dev.consent.spring.boot.ConsentAutoConfiguration;
import dev.consent.spring.boot.ConsentConfigurationException;
import dev.consent.spring.boot.ConsentProperties;
import dev.consent.web.ConsentWebHandler;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;

import java.util.HashSet;

/**
 * consent-web's banner and preference-centre endpoints in a servlet web application: the {@link ConsentWebHandler}
 * over the application's {@link ConsentService}, configured from {@code consent.web.*}
 * ({@link ConsentWebHandlerProperties}), and the {@link ConsentWebServlet} mapped at {@code consent.web.base-path}.
 * The customer of a request is the one the application's {@link ConsentSubjectResolver} resolves (by default the
 * authenticated principal); the double opt-in and one-click unsubscribe landings are served when the application
 * defines {@link DoubleOptIn} or {@link OneClickUnsubscribe} beans; the notices and their translations come from the
 * policy ({@code translations} of each purpose, docs/policy-format.md). Only when consent-web is on the class path and
 * {@code consent.web.enabled} is not false; each bean backs off when the application defines one of its type (the
 * registration: one named {@code consentWebServletRegistration}).
 */
@AutoConfiguration(after = {ConsentAutoConfiguration.class, ConsentWebAutoConfiguration.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = {"dev.consent.web.ConsentWebHandler", "jakarta.servlet.http.HttpServlet",
        "org.springframework.boot.web.servlet.ServletRegistrationBean"})
@ConditionalOnBean(ConsentService.class)
@ConditionalOnProperty(name = "consent.web.enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(ConsentWebHandlerProperties.class)
public class ConsentWebHandlerAutoConfiguration {

    /** Created by Spring. */
    public ConsentWebHandlerAutoConfiguration() {
    }

    /**
     * The handler.
     *
     * @param consents the consent service
     * @param web the handler's properties
     * @param properties the {@code consent.*} properties, for the visitor cookie's name
     * @param doubleOptIn the application's double opt-in, if any
     * @param unsubscribe the application's one-click unsubscribe, if any
     * @return the handler
     * @throws ConsentConfigurationException naming the property that breaks a rule
     */
    @Bean
    @ConditionalOnMissingBean
    public ConsentWebHandler consentWebHandler(ConsentService consents, ConsentWebHandlerProperties web,
            ConsentProperties properties, ObjectProvider<DoubleOptIn> doubleOptIn,
            ObjectProvider<OneClickUnsubscribe> unsubscribe) {
        String cookie = properties.web().visitorCookie();
        try {
            ConsentWebHandler.Builder b = ConsentWebHandler.builder(consents).basePath(web.basePath())
                    .visitorCookie(cookie == null || cookie.isBlank() ? ConsentWebHandler.DEFAULT_VISITOR_COOKIE
                            : cookie.strip())
                    .secureCookie(web.secureCookie()).visitorCookieMaxAge(web.cookieMaxAge())
                    .allowedOrigins(new HashSet<>(web.allowedOrigins())).maxBodyBytes(web.maxBodyBytes())
                    .rateLimit(web.rateLimit().burst(), web.rateLimit().refill());
            if (web.defaultLocale() != null) {
                b.defaultLocale(web.defaultLocale());
            }
            doubleOptIn.ifAvailable(b::doubleOptIn);
            unsubscribe.ifAvailable(b::oneClickUnsubscribe);
            return b.build();
        } catch (InvalidValueException e) {
            throw new ConsentConfigurationException("consent.web." + property(e.field()), e.rule(),
                    "Set or correct the property (docs/web.md lists them)", e);
        }
    }

    private static String property(String field) {
        return switch (field) {
            case "rateLimit.burst" -> "rate-limit.burst";
            case "rateLimit.refill" -> "rate-limit.refill";
            case "visitorCookie" -> "visitor-cookie";
            case "visitorCookieMaxAge" -> "cookie-max-age";
            default -> field.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
        };
    }

    /**
     * The servlet at {@code consent.web.base-path/*}.
     *
     * @param handler the handler
     * @param web the handler's properties
     * @param subjects the application's subject resolver, if the web integration defined one; otherwise every
     *     request is anonymous
     * @return the registration
     */
    @Bean
    @ConditionalOnMissingBean(name = "consentWebServletRegistration")
    public ServletRegistrationBean<ConsentWebServlet> consentWebServletRegistration(ConsentWebHandler handler,
            ConsentWebHandlerProperties web, ObjectProvider<ConsentSubjectResolver> subjects) {
        ConsentSubjectResolver resolver = subjects.getIfAvailable(() -> request -> java.util.Optional.empty());
        ServletRegistrationBean<ConsentWebServlet> registration = new ServletRegistrationBean<>(
                new ConsentWebServlet(handler, resolver, web.maxBodyBytes()), handler.basePath() + "/*");
        registration.setName("consentWebServlet");
        return registration;
    }
}
