package dev.consent.ledger;

/** Who expressed the choice. */
public enum Actor {
    /** The data subject. */
    SUBJECT,
    /** A parent or guardian, for a subject under a purpose's minimum age (GDPR Art. 8). */
    GUARDIAN,
    /** Someone authorised to act for the subject (CCPA authorised agent). */
    AGENT,
    /** The shop's own systems: an import, a GPC signal, a rights request carried out. */
    SYSTEM
}
