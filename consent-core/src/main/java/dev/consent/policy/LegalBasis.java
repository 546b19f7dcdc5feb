package dev.consent.policy;

/**
 * The six lawful bases of GDPR Art. 6(1). Every purpose rests on exactly one; the basis decides how a
 * consent check is answered.
 */
public enum LegalBasis {
    /** Art. 6(1)(a): the subject consented. Needs an unexpired, current-version grant. */
    CONSENT,
    /** Art. 6(1)(b): performance of a contract with the subject. Yields to restriction (Art. 18). */
    CONTRACT,
    /** Art. 6(1)(c): a legal obligation of the controller (e.g. tax records). Survives restriction. */
    LEGAL_OBLIGATION,
    /** Art. 6(1)(d): vital interests of the subject or another person. */
    VITAL_INTERESTS,
    /** Art. 6(1)(e): a task in the public interest. The subject may object (Art. 21(1)). */
    PUBLIC_TASK,
    /** Art. 6(1)(f): legitimate interests. Allowed until the subject objects (Art. 21). */
    LEGITIMATE_INTERESTS
}
