package dev.consent.store;

import dev.consent.InvalidValueException;

import java.time.Duration;

/** The argument checks every in-memory store makes alike, with the messages the JDBC store gives. */
final class InMemoryChecks {
    private InMemoryChecks() {
    }

    /** A page size: 1 or more. */
    static int limit(int limit) {
        if (limit < 1) {
            throw new InvalidValueException("limit", limit, "must be 1 or more");
        }
        return limit;
    }

    /** A lease: a positive duration. */
    static Duration lease(Duration lease) {
        if (lease == null || lease.isNegative() || lease.isZero()) {
            throw new InvalidValueException("lease", lease, "must be a positive duration");
        }
        return lease;
    }
}
