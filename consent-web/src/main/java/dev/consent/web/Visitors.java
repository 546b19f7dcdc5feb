package dev.consent.web;

import dev.consent.ledger.VisitorId;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The anonymous visitor's id and its cookie. Ids are 24 random bytes from {@link SecureRandom} (192 bits), written
 * as 32 base64url characters. A cookie is trusted as a visitor id only when the request carries exactly one distinct
 * value of that name and it has the shape of an issued id (22 to 128 base64url characters, at least 128 bits);
 * anything else (empty, oversized, other characters, two different values) is replaced by a fresh id, never turned
 * into one. Either way the value only ever names a visitor ({@code visitor:<id>}), never a customer.
 */
final class Visitors {
    static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{22,128}");
    private static final int ID_BYTES = 24;

    private final String cookieName;
    private final boolean secure;
    private final Duration maxAge;
    private final SecureRandom random = new SecureRandom();

    Visitors(String cookieName, boolean secure, Duration maxAge) {
        this.cookieName = cookieName;
        this.secure = secure;
        this.maxAge = maxAge;
    }

    String cookieName() {
        return cookieName;
    }

    /** The visitor the request's cookie names, when it names exactly one well-formed id. */
    Optional<VisitorId> read(WebRequest request) {
        List<String> values = request.cookies().getOrDefault(cookieName, List.of());
        Set<String> distinct = new HashSet<>(values);
        if (distinct.size() != 1) {
            return Optional.empty();
        }
        String v = distinct.iterator().next();
        return v.length() <= VisitorId.MAX_LENGTH && SHAPE.matcher(v).matches() ? Optional.of(VisitorId.of(v))
                : Optional.empty();
    }

    VisitorId issue() {
        byte[] bytes = new byte[ID_BYTES];
        random.nextBytes(bytes);
        return VisitorId.of(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /** The {@code Set-Cookie} value that stores the id: HttpOnly, SameSite=Lax, for the whole site. */
    String setCookie(VisitorId visitor) {
        return cookieName + "=" + visitor.value() + "; Path=/; Max-Age=" + maxAge.toSeconds() + "; HttpOnly; SameSite=Lax"
                + (secure ? "; Secure" : "");
    }
}
