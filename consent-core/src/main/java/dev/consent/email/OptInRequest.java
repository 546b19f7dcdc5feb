package dev.consent.email;

import dev.consent.ledger.ConsentEvent;

import java.time.Instant;

/**
 * A pending double opt-in: the grant on record (a check answers {@code PENDING_CONFIRMATION} for it) and the token
 * the confirmation mail carries, valid until {@code expiresAt} (the grant's occurred-at plus the purpose's
 * confirmation window). The token is a bearer secret: put it in the mail only, never in a log.
 *
 * @param grant     the pending grant
 * @param token     the signed confirmation token (URL-safe)
 * @param expiresAt when the token, and the pending grant, run out
 */
public record OptInRequest(ConsentEvent grant, String token, Instant expiresAt) {
    /**
     * @param grant the pending grant
     * @param token the signed confirmation token
     * @param expiresAt when the token and the pending grant run out
     * @throws dev.consent.InvalidValueException when a component is null
     */
    public OptInRequest {
        dev.consent.internal.Checks.required("grant", grant);
        dev.consent.internal.Checks.required("token", token);
        dev.consent.internal.Checks.required("expiresAt", expiresAt);
    }

    /** Names the grant and the expiry, never the token. */
    @Override
    public String toString() {
        return "OptInRequest[grant=" + grant.id() + ", expiresAt=" + expiresAt + "]";
    }
}
