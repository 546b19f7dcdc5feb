package dev.consent.retention;

import dev.consent.internal.Checks;

/**
 * The event a retention period counts from: {@code collected}, {@code last_transaction},
 * {@code account_closed}, {@code ticket_resolved}, {@code consent_withdrawn}, {@code session_ended}, or a
 * name the host defines. Lower-case dotted segments of {@code [a-z0-9_-]}, at most 60 characters.
 *
 * @param name the anchor's name, as policies and the store spell it
 */
public record Anchor(String name) implements Comparable<Anchor> {
    /**
     * The data was collected: the default anchor of a rule that names none.
     */
    public static final Anchor COLLECTED = new Anchor("collected");
    /**
     * The subject's last purchase or other transaction; recorded again on each one, so the period restarts.
     */
    public static final Anchor LAST_TRANSACTION = new Anchor("last_transaction");
    /**
     * The subject's account was closed; cleared by {@link RetentionService#clearAnchor} when it is reopened.
     */
    public static final Anchor ACCOUNT_CLOSED = new Anchor("account_closed");
    /**
     * A support ticket of the subject was resolved.
     */
    public static final Anchor TICKET_RESOLVED = new Anchor("ticket_resolved");
    /**
     * The subject withdrew the consent the data was held under (GDPR Art. 7(3), Art. 17(1)(b)).
     */
    public static final Anchor CONSENT_WITHDRAWN = new Anchor("consent_withdrawn");
    /**
     * The subject's session ended (session data, e.g. a basket).
     */
    public static final Anchor SESSION_ENDED = new Anchor("session_ended");
    /**
     * The subject's last activity of any kind (a login, a purchase), for rules on inactive accounts.
     */
    public static final Anchor LAST_ACTIVITY = new Anchor("last_activity");
    /**
     * The subject was found below the policy's service-wide minimum age (an age declaration or a capture's declared
     * age): recorded on every item of the subject by {@link RetentionService#minorFound}, it makes the item due at
     * once under a policy with a minimum age (see {@link RetentionEngine}; seed 004, section 8; GDPR Art. 17(1)).
     */
    public static final Anchor MINOR_FOUND = new Anchor("minor_found");

    /**
     * Checks the name.
     *
     * @param name lower-case dotted segments of {@code [a-z0-9_-]}, at most 60 characters
     * @throws dev.consent.InvalidValueException when {@code name} is null, longer than 60 characters or not
     *     lower-case dotted segments of {@code [a-z0-9_-]}
     */
    public Anchor {
        Checks.dottedId("anchor", name, 60);
    }

    /**
     * The anchor named {@code name}: one of the constants above when it is theirs, or a host-defined one.
     *
     * @param name the anchor's name
     * @return the anchor, equal to a constant of the same name
     * @throws dev.consent.InvalidValueException when {@code name} breaks the rules of the constructor
     */
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
