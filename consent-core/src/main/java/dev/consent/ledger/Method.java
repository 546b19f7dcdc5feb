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
    UNSUBSCRIBE_LINK,
    EMAIL_REPLY,
    PHONE,
    PAPER,
    /** A rights request handled by the shop (erasure, objection, restriction). */
    RIGHTS_REQUEST,
    /** A Global Privacy Control signal ({@code Sec-GPC: 1}); never an explicit choice. */
    GPC
}
