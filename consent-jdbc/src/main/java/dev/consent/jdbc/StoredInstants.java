package dev.consent.jdbc;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The three ways an instant meets a microsecond column. Facts (when a hold was placed, when erasure was asked) are
 * stored exactly or refused, as consent events are. Schedule instants a service computes from its clock (a due
 * instant, a backoff, a lease's end, the audit's instants) are rounded up to the next microsecond: stored a fraction
 * later, never earlier, so nothing becomes due or claimable before it should. Query bounds ("due at or before
 * now") are rounded down, which selects exactly the same microsecond-precision rows.
 */
final class StoredInstants {
    private StoredInstants() {
    }

    /** {@code t} unchanged, or an {@link InvalidValueException} if it is finer than a microsecond or out of range. */
    static Instant exact(String field, Instant t, Dialect dialect) {
        EventRows.instant(field, Checks.required(field, t), dialect);
        return t;
    }

    /** {@code t} rounded up to the microsecond; an {@link InvalidValueException} if that is out of range. */
    static Instant roundedUp(String field, Instant t, Dialect dialect) {
        Instant floor = Checks.required(field, t).truncatedTo(ChronoUnit.MICROS);
        Instant up = floor.equals(t) ? t : floor.plus(1, ChronoUnit.MICROS);
        return inRange(field, up, dialect);
    }

    /**
     * {@code t} rounded down to the microsecond: a query bound compared with stored instants ("due at or before t")
     * selects exactly the rows it would select unrounded.
     */
    static Instant roundedDown(String field, Instant t, Dialect dialect) {
        return inRange(field, Checks.required(field, t).truncatedTo(ChronoUnit.MICROS), dialect);
    }

    private static Instant inRange(String field, Instant t, Dialect dialect) {
        if (t.isBefore(dialect.minInstant()) || t.isAfter(dialect.maxInstant())) {
            throw new InvalidValueException(field, t, "must be between " + dialect.minInstant() + " and "
                    + dialect.maxInstant() + ", the range " + dialect + " stores");
        }
        return t;
    }
}
