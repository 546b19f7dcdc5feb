package dev.consent.retention;

import dev.consent.internal.Checks;

/**
 * The event a retention period counts from: {@code collected}, {@code last_transaction},
 * {@code account_closed}, {@code ticket_resolved}, {@code consent_withdrawn}, {@code session_ended}, or a
 * name the host defines. Lower-case dotted segments of {@code [a-z0-9_-]}, at most 60 characters.
 */
public record Anchor(String name) implements Comparable<Anchor> {
    public static final Anchor COLLECTED = new Anchor("collected");
    public static final Anchor LAST_TRANSACTION = new Anchor("last_transaction");
    public static final Anchor ACCOUNT_CLOSED = new Anchor("account_closed");
    public static final Anchor TICKET_RESOLVED = new Anchor("ticket_resolved");
    public static final Anchor CONSENT_WITHDRAWN = new Anchor("consent_withdrawn");
    public static final Anchor SESSION_ENDED = new Anchor("session_ended");
    public static final Anchor LAST_ACTIVITY = new Anchor("last_activity");
    /**
     * The subject was found below the policy's service-wide minimum age (an age declaration or a capture's declared
     * age): recorded on every item of the subject by {@link RetentionService#minorFound}, it makes the item due at
     * once under a policy with a minimum age (see {@link RetentionEngine}; seed 004, section 8; GDPR Art. 17(1)).
     */
    public static final Anchor MINOR_FOUND = new Anchor("minor_found");

    public Anchor {
        Checks.dottedId("anchor", name, 60);
    }

    public static Anchor of(String name) {
        return new Anchor(name);
    }

    @Override
    public int compareTo(Anchor o) {
        return name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return name;
    }
}
