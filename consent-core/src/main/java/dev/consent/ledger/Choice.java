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
    RESTRICTION_LIFTED,
    /**
     * A Global Privacy Control signal received while the subject's explicit grant stood, which that grant overrides
     * (Cal. Code Regs. tit. 11, &sect; 7025(c)(3): a consumer's consent to a sale or sharing given after, or despite,
     * the signal may be honoured). Recorded only with {@code Method.GPC}, so the history reads "granted, then a
     * signal was received and overridden", not "granted, then denied". It is not a refusal: while an explicit
     * choice stands it changes nothing; like any signal on record it opts out only where no explicit choice exists.
     */
    GPC_OVERRIDDEN,
    /**
     * The subject's age was declared or verified, on its own and with its evidence ({@link AgeDeclaration}): not a
     * choice about any purpose, but what the age rules read (GDPR Art. 8; a policy's service-wide minimum age, seed
     * 004). Recorded under the reserved purpose id {@link AgeDeclaration#PURPOSE}; never a refusal or a grant.
     */
    AGE_DECLARED,
    /**
     * The subject confirmed the grant before it in the chain (the second step of a double opt-in: German case law on
     * &sect; 7(2) UWG, BGH I ZR 164/09). Not a choice of its own: for a purpose that
     * {@link dev.consent.policy.Purpose#requiresConfirmation requires confirmation}, it makes count each grant of that
     * purpose and consent version recorded before it in the same chain whose confirmation window it falls within (the
     * compact ledger keeps no event ids, so it is not tied to the one grant whose token was used); a grant recorded
     * after it needs a confirmation of its own. For any other purpose it changes nothing. Recorded by
     * {@code dev.consent.email.DoubleOptIn}.
     */
    CONFIRMED,
    /**
     * Where the subject is, as evidence of the jurisdiction whose rules hold the subject from the event's occurred-at
     * on ({@link SubjectLocation}): not a choice about any purpose, but what the jurisdiction rules of a policy read
     * ({@code docs/jurisdictions.md}). Recorded under a reserved purpose id beneath {@link SubjectLocation#PURPOSE};
     * never a refusal or a grant.
     */
    LOCATION_RECORDED;

    /**
     * Whether this choice stops processing for a purpose and for the purposes beneath it.
     *
     * @return true for {@link #DENIED}, {@link #WITHDRAWN} and {@link #OBJECTED}
     */
    public boolean isRefusal() {
        return this == DENIED || this == WITHDRAWN || this == OBJECTED;
    }

    /**
     * Whether this choice is about restriction (GDPR Art. 18) rather than consent or objection.
     *
     * @return true for {@link #RESTRICTED} and {@link #RESTRICTION_LIFTED}
     */
    public boolean isRestriction() {
        return this == RESTRICTED || this == RESTRICTION_LIFTED;
    }
}
