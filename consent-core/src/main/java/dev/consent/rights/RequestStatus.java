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
 * request is manifestly unfounded (Art. 12(5)); it is extended at most once.
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

    public boolean isOpen() {
        return this != COMPLETED && this != REFUSED;
    }
}
