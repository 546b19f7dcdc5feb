package dev.consent.ledger;

/** How a choice was collected; part of the evidence that a grant was informed and unambiguous. */
public enum Method {
    CHECKBOX,
    COOKIE_BANNER,
    WEB_FORM,
    ACCOUNT_SETTINGS,
    DEVICE_PERMISSION,
    API,
    IMPORT,
    /** A signed one-click unsubscribe link (RFC 8058) or the link shown in a mail's footer. */
    UNSUBSCRIBE_LINK,
    /** A signed confirmation link of a double opt-in mail. */
    CONFIRMATION_LINK,
    EMAIL_REPLY,
    PHONE,
    PAPER,
    /** A rights request handled by the shop (erasure, objection, restriction). */
    RIGHTS_REQUEST,
    /** A Global Privacy Control signal ({@code Sec-GPC: 1}); never an explicit choice. */
    GPC
}
