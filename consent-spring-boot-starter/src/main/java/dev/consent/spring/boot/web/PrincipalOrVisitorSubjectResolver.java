package dev.consent.spring.boot.web;

import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.spring.boot.ConsentConfigurationException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;

import java.security.Principal;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The default {@link ConsentSubjectResolver}: the authenticated principal's name as the customer's subject id, else
 * the visitor cookie's value as a {@link VisitorId}.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>The principal is {@link HttpServletRequest#getUserPrincipal()}: with Spring Security, the authenticated user
 *       (Spring Security's request wrapper answers null for an anonymous one), otherwise the container's. A name that
 *       is not a valid subject id, or that lies in the visitor namespace ({@code visitor:...}), yields no subject.</li>
 *   <li>The cookie's value is the client's to choose, so it only ever names a visitor ({@code visitor:<value>}), never
 *       a customer, and only when the whole value matches the configured pattern (by default 16 to 128 letters,
 *       digits, hyphens and underscores); anything else (empty, too long, control characters, a colon, a second
 *       cookie of the same name with another value) yields no subject.</li>
 * </ul>
 * Thread-safe and immutable.
 */
public final class PrincipalOrVisitorSubjectResolver implements ConsentSubjectResolver {
    private final String cookieName;
    private final Pattern cookiePattern;

    /**
     * @param cookieName the visitor cookie's name, or null to resolve authenticated requests only
     * @param cookiePattern the whole of an acceptable visitor id, a Java regular expression
     * @throws ConsentConfigurationException when the pattern is missing or not a regular expression
     */
    public PrincipalOrVisitorSubjectResolver(String cookieName, String cookiePattern) {
        this.cookieName = cookieName == null || cookieName.isBlank() ? null : cookieName.strip();
        if (cookiePattern == null || cookiePattern.isBlank()) {
            throw new ConsentConfigurationException("consent.web.visitor-cookie-pattern", "is empty",
                    "Leave it unset for the default, or give the regular expression a visitor id must match");
        }
        try {
            this.cookiePattern = Pattern.compile(cookiePattern);
        } catch (PatternSyntaxException e) {
            throw new ConsentConfigurationException("consent.web.visitor-cookie-pattern", "is not a regular "
                    + "expression (" + e.getDescription() + ")", "Correct it, e.g. [A-Za-z0-9_-]{16,128}", e);
        }
    }

    @Override
    public Optional<SubjectId> resolve(HttpServletRequest request) {
        Principal principal = request.getUserPrincipal();
        if (principal != null) {
            // an authenticated request is the customer's, whatever cookie it also carries
            return customer(principal.getName());
        }
        return cookieName == null ? Optional.empty() : visitor(request.getCookies());
    }

    private static Optional<SubjectId> customer(String name) {
        if (name == null) {
            return Optional.empty();
        }
        try {
            SubjectId subject = SubjectId.of(name);
            return subject.isVisitor() ? Optional.empty() : Optional.of(subject);
        } catch (InvalidValueException e) {
            return Optional.empty();
        }
    }

    private Optional<SubjectId> visitor(Cookie[] cookies) {
        if (cookies == null) {
            return Optional.empty();
        }
        String value = null;
        for (Cookie c : cookies) {
            if (cookieName.equals(c.getName())) {
                if (value != null && !value.equals(c.getValue())) {
                    return Optional.empty(); // two different ids in one request: neither can be told to be the one
                }
                value = c.getValue();
            }
        }
        if (value == null || value.length() > VisitorId.MAX_LENGTH || !cookiePattern.matcher(value).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(VisitorId.of(value).subject());
        } catch (InvalidValueException e) {
            return Optional.empty(); // the pattern let through what a visitor id may not be (e.g. blank)
        }
    }

    @Override
    public String toString() {
        return "PrincipalOrVisitorSubjectResolver[cookie=" + cookieName + ", pattern=" + cookiePattern + "]";
    }
}
