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
 * </pre>
 * A request is refused before verification when the requester cannot be identified (GDPR Art. 12(6)) or the
 * request is manifestly unfounded (Art. 12(5)); it is extended at most once (Art. 12(3): "may be extended by two
 * further months"). Each move is made by one {@link RightsService} method, its {@link #action()}; a method called
 * out of turn throws {@link dev.consent.ConflictException} naming the steps allowed next ({@link #nextSteps}).
 */
public enum RequestStatus {
    RECEIVED, IDENTITY_VERIFIED, IN_PROGRESS, EXTENDED, COMPLETED, REFUSED;

    /** The statuses this one may move to. */
    public Set<RequestStatus> next() {
        return switch (this) {
            case RECEIVED -> EnumSet.of(IDENTITY_VERIFIED, REFUSED);
            case IDENTITY_VERIFIED -> EnumSet.of(IN_PROGRESS, EXTENDED, COMPLETED, REFUSED);
            case IN_PROGRESS -> EnumSet.of(EXTENDED, COMPLETED, REFUSED);
            case EXTENDED -> EnumSet.of(COMPLETED, REFUSED);
            case COMPLETED, REFUSED -> EnumSet.noneOf(RequestStatus.class);
        };
    }

    /**
     * The {@link RightsService} method that moves a request to this status: {@code receive}, {@code verifyIdentity},
     * {@code startWork}, {@code extend}, {@code complete} (or the type's own action, see {@link #nextSteps}),
     * {@code refuse}.
     */
    public String action() {
        return switch (this) {
            case RECEIVED -> "receive";
            case IDENTITY_VERIFIED -> "verifyIdentity";
            case IN_PROGRESS -> "startWork";
            case EXTENDED -> "extend";
            case COMPLETED -> "complete";
            case REFUSED -> "refuse";
        };
    }

    /**
     * The steps allowed from this status for a request of {@code type}, as the methods to call, e.g.
     * {@code "verifyIdentity (to IDENTITY_VERIFIED), refuse (to REFUSED)"}; {@code "none, it is closed"} for a closed
     * request. Completing an erasure, restriction, objection or withdrawal is named by the method that carries it
     * out ({@code erase}, {@code restrict}, {@code object}, {@code withdrawConsent}), {@code complete} beside it.
     */
    public String nextSteps(RequestType type) {
        return nextSteps(type, null);
    }

    /** {@link #nextSteps(RequestType)} without the move to {@code ruledOut} (e.g. an extension no longer possible). */
    String nextSteps(RequestType type, RequestStatus ruledOut) {
        Set<RequestStatus> next = EnumSet.noneOf(RequestStatus.class);
        next.addAll(next());
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
            if (to == COMPLETED && workAction(type) != null) {
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

    public boolean isOpen() {
        return this != COMPLETED && this != REFUSED;
    }
}
