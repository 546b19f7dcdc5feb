package dev.consent;

/** Why a consent check was answered the way it was. */
public enum Reason {
    /** A valid, current, unexpired grant stands. */
    GRANTED(true),
    /** The purpose rests on a contract with the subject (GDPR Art. 6(1)(b)). */
    BASIS_CONTRACT(true),
    /** The purpose rests on a legal obligation (Art. 6(1)(c)); it survives restriction and objection. */
    BASIS_LEGAL_OBLIGATION(true),
    /** The purpose rests on vital interests (Art. 6(1)(d)). */
    BASIS_VITAL_INTERESTS(true),
    /** The purpose rests on a public task (Art. 6(1)(e)) and the subject has not objected. */
    BASIS_PUBLIC_TASK(true),
    /** The purpose rests on legitimate interests (Art. 6(1)(f)) and the subject has not objected. */
    BASIS_LEGITIMATE_INTERESTS(true),
    /**
     * The purpose requires confirmation (double opt-in) and the subject's grant is not confirmed yet; within the
     * purpose's confirmation window. Not allowed (German case law on &sect; 7(2) UWG: BGH I ZR 164/09).
     */
    PENDING_CONFIRMATION(false),
    /** Consent is needed and the subject has never made a choice, or a grant was never confirmed in time. */
    NO_RECORD(false),
    /** The subject (or a parent purpose's choice) refused. */
    DENIED(false),
    /** The subject (or a parent purpose's choice) withdrew an earlier grant. */
    WITHDRAWN(false),
    /** The grant's lifetime has run out. */
    EXPIRED(false),
    /** The grant was given for an older consent version of the purpose; ask again. */
    RECONSENT_REQUIRED(false),
    /** The subject objected (GDPR Art. 21). */
    OBJECTED(false),
    /** Processing is restricted (GDPR Art. 18). */
    RESTRICTED(false),
    /** The grant came from a subject under the purpose's minimum age, or of unknown age (GDPR Art. 8). */
    UNDER_AGE(false),
    /**
     * A Global Privacy Control signal opted the subject out and no explicit choice overrides it (where the policy
     * declares jurisdictions: in one where the signal binds, Cal. Code Regs. tit. 11, &sect; 7025).
     */
    GPC_OPT_OUT(false),
    /**
     * The subject's jurisdiction holds the purpose, which rests on a basis other than consent, to an opt-in, and no
     * grant stands ({@code docs/jurisdictions.md}).
     */
    JURISDICTION_OPT_IN_REQUIRED(false),
    /**
     * The subject's jurisdiction lets the purpose run until the subject opts out (a sale or sharing under Cal. Civ.
     * Code &sect; 1798.120, targeted advertising under C.R.S. &sect; 6-1-1306(1)(a)), and no opt-out stands: no
     * refusal, and no Global Privacy Control signal where it binds.
     */
    JURISDICTION_OPT_OUT(true),
    /**
     * The subject's jurisdiction asks only that the subject be informed of the purpose, and no explicit refusal
     * stands (a refusal on record is honoured all the same).
     */
    JURISDICTION_NOTICE_ONLY(true);

    private final boolean allows;

    Reason(boolean allows) {
        this.allows = allows;
    }

    /**
     * Whether processing may go ahead for this reason.
     *
     * @return true for the reasons that allow processing, false for every refusal
     */
    public boolean allows() {
        return allows;
    }
}
