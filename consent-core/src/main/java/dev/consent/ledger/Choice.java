package dev.consent.ledger;

/** What a consent event records. */
public enum Choice {
    /** The subject (or a guardian or agent) agreed to the purpose. */
    GRANTED,
    /** The subject was asked and said no. */
    DENIED,
    /** An earlier grant was taken back; not retroactive (GDPR Art. 7(3)). */
    WITHDRAWN,
    /** The subject objects to processing on legitimate interests or public task (GDPR Art. 21). */
    OBJECTED,
    /** Processing is restricted while a dispute is settled (GDPR Art. 18). */
    RESTRICTED,
    /** A restriction has ended (the subject is told beforehand, GDPR Art. 18(3)). */
    RESTRICTION_LIFTED;

    /** Whether this choice stops processing for a purpose and for the purposes beneath it. */
    public boolean isRefusal() {
        return this == DENIED || this == WITHDRAWN || this == OBJECTED;
    }

    /** Whether this choice is about restriction rather than consent or objection. */
    public boolean isRestriction() {
        return this == RESTRICTED || this == RESTRICTION_LIFTED;
    }
}
