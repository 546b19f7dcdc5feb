package dev.consent.policy;

/** How the subject's choice is collected for a purpose. */
public enum Mechanism {
    /** Nothing happens until the subject says yes. The only mechanism valid for {@link LegalBasis#CONSENT}. */
    OPT_IN,
    /** Processing happens until the subject objects or opts out (legitimate interests, public task). */
    OPT_OUT,
    /** The subject is informed; there is no choice to record (contract, legal obligation, vital interests). */
    NOTICE_ONLY
}
