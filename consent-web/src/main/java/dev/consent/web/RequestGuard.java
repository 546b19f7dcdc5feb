package dev.consent.web;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a state-changing request must show to be taken as the shop's own page acting for the visitor (cross-site
 * request forgery defence in depth, OWASP CSRF Prevention Cheat Sheet):
 * <ol>
 *   <li>{@code Content-Type: application/json}: no HTML form can send it without a CORS preflight;</li>
 *   <li>the custom header {@value #REQUEST_HEADER}{@code : 1}: likewise only a script can set it, and a cross-origin
 *       script only after a preflight, which this handler never grants (it answers no {@code OPTIONS});</li>
 *   <li>the browser's own statement of where the request comes from: {@code Sec-Fetch-Site}, when sent, must be
 *       {@code same-origin}, and {@code Origin}, when sent, must be an allowed origin (by default the origin whose
 *       host and port are the request's {@code Host}); a request with neither is refused.</li>
 * </ol>
 * The double opt-in and unsubscribe endpoints are not guarded this way: they act on a signed token, not on the
 * visitor's cookie, and mail providers post to them from outside the site (RFC 8058).
 */
final class RequestGuard {
    static final String REQUEST_HEADER = "X-Consent-Request";

    private final Set<String> allowedOrigins;

    /** @param allowedOrigins full origins such as {@code https://shop.example}; empty for the request's own host */
    RequestGuard(Set<String> allowedOrigins) {
        this.allowedOrigins = Set.copyOf(allowedOrigins);
    }

    void checkStateChange(WebRequest r) {
        String type = r.header("Content-Type").orElse("");
        int semi = type.indexOf(';');
        String media = (semi < 0 ? type : type.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json")) {
            throw Problem.of(415, "unsupported-media-type", "The body must be JSON", "Content-Type", type,
                    "must be application/json").exception();
        }
        String marker = r.header(REQUEST_HEADER).orElse(null);
        if (!"1".equals(marker)) {
            throw forbidden(REQUEST_HEADER, marker, "must be 1: state-changing requests come from the shop's own"
                    + " scripts");
        }
        Optional<String> site = r.header("Sec-Fetch-Site");
        if (site.isPresent() && !site.get().equalsIgnoreCase("same-origin")) {
            throw forbidden("Sec-Fetch-Site", site.get(), "must be same-origin");
        }
        Optional<String> origin = r.header("Origin");
        if (origin.isPresent()) {
            if (!allowed(origin.get(), r.header("Host"))) {
                throw forbidden("Origin", origin.get(), "must be the shop's own origin");
            }
        } else if (site.isEmpty()) {
            throw forbidden("Origin", null, "is required (or Sec-Fetch-Site: same-origin): the request's origin"
                    + " must be known");
        }
    }

    private boolean allowed(String origin, Optional<String> host) {
        if (!allowedOrigins.isEmpty()) {
            return allowedOrigins.contains(origin);
        }
        if (host.isEmpty()) {
            return false;
        }
        try {
            URI u = new URI(origin);
            if (u.getHost() == null || u.getScheme() == null || u.getRawPath() != null && !u.getRawPath().isEmpty()) {
                return false;
            }
            String authority = u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
            return authority.equalsIgnoreCase(host.get().strip());
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static Problem.ProblemException forbidden(String field, String value, String rule) {
        return Problem.of(403, "forbidden-origin", "The request does not come from the shop's own page", field, value,
                rule).exception();
    }
}
