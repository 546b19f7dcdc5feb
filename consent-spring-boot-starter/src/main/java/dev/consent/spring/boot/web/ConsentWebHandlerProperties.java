package dev.consent.spring.boot.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;

/**
 * The banner's and preference centre's endpoints ({@code consent-web}'s handler), served when consent-web is on the
 * class path. The visitor cookie's name is {@code consent.web.visitor-cookie} (shared with the Global Privacy
 * Control filter's subject resolver), {@code consent_visitor} when unset.
 *
 * @param enabled whether the endpoints are served
 * @param basePath the path every endpoint lies under, versioned
 * @param defaultLocale the language of the policy's own texts when the policy states none (a BCP 47 tag)
 * @param secureCookie whether the visitor cookie is sent over HTTPS only; turn off for plain-HTTP development only
 * @param cookieMaxAge how long the visitor cookie lives
 * @param allowedOrigins the origins state-changing requests may come from (e.g. {@code https://shop.example});
 *     empty: the request's own host, which holds unless a proxy rewrites {@code Host}
 * @param maxBodyBytes the largest request body taken, in bytes
 * @param rateLimit the per-subject rate limit
 */
@ConfigurationProperties("consent.web")
public record ConsentWebHandlerProperties(@DefaultValue("true") boolean enabled,
        @DefaultValue("/consent/v1") String basePath, String defaultLocale,
        @DefaultValue("true") boolean secureCookie, @DefaultValue("180d") Duration cookieMaxAge,
        @DefaultValue List<String> allowedOrigins, @DefaultValue("16384") int maxBodyBytes,
        @DefaultValue RateLimit rateLimit) {

    /**
     * A token bucket per customer, visitor or (before a visitor id exists) client address.
     *
     * @param burst the most requests at once
     * @param refill how long one request's token takes to come back
     */
    public record RateLimit(@DefaultValue("30") int burst, @DefaultValue("1s") Duration refill) {
    }
}
