package dev.consent.ledger;

import dev.consent.InvalidValueException;

import java.time.Instant;

/**
 * The range of instants the consent ledger records and answers about: from {@link #MIN} (1970-01-01T00:00:00Z) to
 * {@link #MAX} (9999-12-31T23:59:59.999999Z), both included, to the microsecond.
 *
 * <p>Why this range: it includes 9999-12-31, the common way of writing "never" in an expiry, and every date a
 * consent can really have been given on; every supported store keeps all of it exactly (H2 and PostgreSQL
 * {@code TIMESTAMP(6) WITH TIME ZONE} from year 1, MariaDB {@code DATETIME(6)} from year 1000, all to the end of
 * 9999; the in-memory store anything); and a microsecond count since 1970 of any instant in it fits a
 * {@code long} with room to spare (a nanosecond count would not: it ends in April 2262, which is what made choices
 * dated after it throw {@link ArithmeticException} before this range was enforced).
 *
 * <p>What is refused outside it, with an {@link InvalidValueException} naming the field, the value and this range:
 * a capture's occurred-at and expiry ({@link Capture}), every instant of a new event ({@link NewConsentEvent}: also
 * recorded-at, i.e. the service's clock), and the instant a point-in-time check asks about. Events already stored
 * outside it (written before it was enforced, or by another writer) are still read and decided on: an instant before
 * 1970 counts as long past, one after 9999 as never reached.
 */
public final class LedgerInstants {
    /** The earliest instant the ledger records: 1970-01-01T00:00:00Z. */
    public static final Instant MIN = Instant.EPOCH;
    /** The latest instant the ledger records: 9999-12-31T23:59:59.999999Z, so that 9999-12-31 can mean "never". */
    public static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999Z");

    private static final String RULE = "must be between " + MIN + " and " + MAX + ", the range the ledger records";

    private LedgerInstants() {
    }

    /**
     * Whether {@code t} lies in the range the ledger records.
     *
     * @param t any instant, or null
     * @return true when {@code t} is within {@link #MIN} and {@link #MAX}, both included; false for {@code null}
     */
    public static boolean contains(Instant t) {
        return t != null && !t.isBefore(MIN) && !t.isAfter(MAX);
    }

    /**
     * {@code t} itself if it lies in the range.
     *
     * @param field the name the refusal gives the value
     * @param t the instant
     * @return {@code t}
     * @throws InvalidValueException naming {@code field} when {@code t} is null or outside the range
     */
    public static Instant require(String field, Instant t) {
        if (t == null) {
            throw new InvalidValueException(field, null, "is required");
        }
        if (!contains(t)) {
            throw new InvalidValueException(field, t, RULE);
        }
        return t;
    }
}
