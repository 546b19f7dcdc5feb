package dev.consent.rights;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a rights request stands. The legal transitions are stated here and nowhere else:
 * <pre>
 * RECEIVED ──► IDENTITY_VERIFIED ──► IN_PROGRESS ──► EXTENDED
 *    │               │  │                 │  │           │  │
 *    └──► REFUSED ◄──┘  └──► COMPLETED ◄──┘  └───────────┘  │
 *                               ▲                           │
 *                               └───────────────────────────┘
 * an erasure ({@code erase}) of a subject of whom no retained item is known, from IDENTITY_VERIFIED, IN_PROGRESS
 * or EXTENDED:
 *      ──► AWAITING_HOST_CONFIRMATION ──► COMPLETED (confirmErasure)
 * </pre>
 * A request is refused before verification when the requester cannot be identified (GDPR Art. 12(6)) or the
 * request is manifestly unfounded (Art. 12(5)); it is extended at most once (Art. 12(3): "may be extended by two
 * further months"). An erasure of a subject of whom the library knows no retained item waits in
 * {@link #AWAITING_HOST_CONFIRMATION} until the shop confirms what it erased ({@code confirmErasure}), the only step
 * from there. Each move is made by one {@link RightsService} method, its {@link #action()}; a method called out of
 * turn throws {@link dev.consent.ConflictException} naming the steps allowed next ({@link #nextSteps}).
 */
public enum RequestStatus {
    /** Received and dated; the deadline runs (from receipt, or from verification where the term says so). */
    RECEIVED,
    /** The requester was identified as the subject; the request can be worked on. */
    IDENTITY_VERIFIED,
    /** Being carried out. */
    IN_PROGRESS,
    /** Extended once, with notice to the subject before the original deadline (GDPR Art. 12(3)). */
    EXTENDED,
    /**
     * An erasure request whose subject the library knows no retained item of (a customer from before its anchors
     * were recorded): the library's part is done (consents withdrawn, tombstone left, recipients told), but the
     * shop's own tables may still hold the data, so the request stays open, and on the overdue report once its
     * deadline passes, until the shop confirms what it erased (GDPR Art. 17(1): erasure without undue delay;
     * Art. 5(2): the controller demonstrates it). Reached by erasure requests only.
     */
    AWAITING_HOST_CONFIRMATION,
    /** Carried out and answered; closed. */
    COMPLETED,
    /** Refused, with the reason recorded (GDPR Art. 12(4)); closed. */
    REFUSED;

    /**
     * The statuses this one may move to, for a request of any type ({@link #AWAITING_HOST_CONFIRMATION} only for an
     * erasure: {@link #next(RequestType)}).
     *
     * @return the statuses, a new set the caller may change; empty for a closed request
     */
    public Set<RequestStatus> next() {
        return switch (this) {
            case RECEIVED -> EnumSet.of(IDENTITY_VERIFIED, REFUSED);
            case IDENTITY_VERIFIED -> EnumSet.of(IN_PROGRESS, EXTENDED, AWAITING_HOST_CONFIRMATION, COMPLETED, REFUSED);
            case IN_PROGRESS -> EnumSet.of(EXTENDED, AWAITING_HOST_CONFIRMATION, COMPLETED, REFUSED);
            case EXTENDED -> EnumSet.of(AWAITING_HOST_CONFIRMATION, COMPLETED, REFUSED);
            case AWAITING_HOST_CONFIRMATION -> EnumSet.of(COMPLETED);
            case COMPLETED, REFUSED -> EnumSet.noneOf(RequestStatus.class);
        };
    }

    /**
     * The statuses a request of {@code type} may move to from this one.
     *
     * @param type the request's type
     * @return the statuses, a new set the caller may change
     */
    public Set<RequestStatus> next(RequestType type) {
        Set<RequestStatus> next = next();
        if (type != RequestType.ERASURE) {
            next.remove(AWAITING_HOST_CONFIRMATION);
        }
        return next;
    }

    /**
     * The {@link RightsService} method that moves a request to this status: {@code receive}, {@code verifyIdentity},
     * {@code startWork}, {@code extend}, {@code erase} (to {@link #AWAITING_HOST_CONFIRMATION}), {@code complete}
     * (or the type's own action, or {@code confirmErasure} for a request awaiting it, see {@link #nextSteps}),
     * {@code refuse}.
     *
     * @return the method's name
     */
    public String action() {
        return switch (this) {
            case RECEIVED -> "receive";
            case IDENTITY_VERIFIED -> "verifyIdentity";
            case IN_PROGRESS -> "startWork";
            case EXTENDED -> "extend";
            case AWAITING_HOST_CONFIRMATION -> "erase";
            case COMPLETED -> "complete";
            case REFUSED -> "refuse";
        };
    }

    /**
     * The steps allowed from this status for a request of {@code type}, as the methods to call, e.g.
     * {@code "verifyIdentity (to IDENTITY_VERIFIED), refuse (to REFUSED)"}; {@code "none, it is closed"} for a closed
     * request. Completing an erasure, restriction, objection or withdrawal is named by the method that carries it
     * out ({@code erase}, {@code restrict}, {@code object}, {@code withdrawConsent}), {@code complete} beside it; an
     * erasure awaiting the shop's confirmation is completed by {@code confirmErasure} alone.
     *
     * @param type the request's type
     * @return the steps, for an exception message or an operator
     */
    public String nextSteps(RequestType type) {
        return nextSteps(type, null);
    }

    /** {@link #nextSteps(RequestType)} without the move to {@code ruledOut} (e.g. an extension no longer possible). */
    String nextSteps(RequestType type, RequestStatus ruledOut) {
        Set<RequestStatus> next = EnumSet.noneOf(RequestStatus.class);
        next.addAll(next(type));
        if (ruledOut != null) {
            next.remove(ruledOut);
        }
        if (next.isEmpty()) {
            return "none, it is closed";
        }
        StringBuilder steps = new StringBuilder();
        for (RequestStatus to : next) {
            if (steps.length() > 0) {
                steps.append(", ");
            }
            String action = to.action();
            if (to == COMPLETED && this == AWAITING_HOST_CONFIRMATION) {
                action = CONFIRM_ERASURE;
            } else if (to == COMPLETED && workAction(type) != null) {
                action = workAction(type) + " or complete";
            }
            steps.append(action).append(" (to ").append(to).append(')');
        }
        if (this == RECEIVED && type == RequestType.WITHDRAW_CONSENT) {
            // GDPR Art. 7(3): a withdrawal is carried out from receipt, verifying through the channel it came by
            steps.append(", withdrawConsent (to COMPLETED)");
        }
        return steps.toString();
    }

    /** The RightsService method that completes an erasure awaiting the shop's confirmation. */
    static final String CONFIRM_ERASURE = "confirmErasure";

    /** The RightsService method that carries out and completes a request of this type, if it has one. */
    static String workAction(RequestType type) {
        return switch (type) {
            case ERASURE -> "erase";
            case RESTRICTION -> "restrict";
            case OBJECTION -> "object";
            case WITHDRAW_CONSENT -> "withdrawConsent";
            case ACCESS, RECTIFICATION, PORTABILITY -> null;
        };
    }

    /**
     * Whether a request in this status still needs work (and counts towards the overdue report).
     *
     * @return false for {@link #COMPLETED} and {@link #REFUSED}
     */
    public boolean isOpen() {
        return this != COMPLETED && this != REFUSED;
    }
}
