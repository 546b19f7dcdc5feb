package dev.consent.rights;

/** The data-subject rights a request can exercise (GDPR Art. 15-21, CCPA 1798.100-125). */
public enum RequestType {
    /** Art. 15: a copy of the data and how it is processed. */
    ACCESS,
    /** Art. 16: correct inaccurate data. */
    RECTIFICATION,
    /** Art. 17: erase the data, within legal minimums. */
    ERASURE,
    /** Art. 18: keep the data but stop processing it. */
    RESTRICTION,
    /** Art. 20: the data the subject provided, machine-readable. */
    PORTABILITY,
    /** Art. 21: stop processing on legitimate interests or public task. */
    OBJECTION,
    /** Art. 7(3): take back consent. */
    WITHDRAW_CONSENT
}
