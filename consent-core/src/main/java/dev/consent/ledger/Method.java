package dev.consent.ledger;

/** How a choice was collected; part of the evidence that a grant was informed and unambiguous. */
public enum Method {
    /** A checkbox the subject ticked (or unticked) themselves, never one ticked in advance. */
    CHECKBOX,
    /** A choice in a cookie or consent banner. */
    COOKIE_BANNER,
    /** A web form other than a banner (sign-up, checkout, preference centre). */
    WEB_FORM,
    /** The subject's own account or privacy settings page. */
    ACCOUNT_SETTINGS,
    /** An operating-system or browser permission prompt (location, notifications, camera). */
    DEVICE_PERMISSION,
    /** A call of the host's API by a client acting for the subject. */
    API,
    /** Choices carried over from another system; the evidence says where from. */
    IMPORT,
    /**
     * A signed one-click unsubscribe link (RFC 8058) or the link shown in a mail's footer: a withdrawal as easy as the
     * grant (GDPR Art. 7(3)).
     */
    UNSUBSCRIBE_LINK,
    /** A signed confirmation link of a double opt-in mail. */
    CONFIRMATION_LINK,
    /** A reply to an email, read and recorded by the shop. */
    EMAIL_REPLY,
    /** A telephone call, recorded by the agent who took it. */
    PHONE,
    /** A signed paper form, recorded by whoever entered it. */
    PAPER,
    /** A rights request handled by the shop (erasure, objection, restriction). */
    RIGHTS_REQUEST,
    /** A Global Privacy Control signal ({@code Sec-GPC: 1}); never an explicit choice. */
    GPC
}
