package dev.consent.retention;

import dev.consent.InvalidValueException;

import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * How long a retention rule runs: a calendar period ({@code P2Y}, {@code P6M}, {@code P30D}) or an exact
 * duration ({@code PT24H}). Calendar periods are added in the policy's time zone to the local date-time of
 * the start, so that "2 years" ends at the same wall-clock time two years on, whatever DST did in between;
 * a start on 29 February plus whole years ends on 28 February when the end year is not a leap year
 * (java.time's rule: the day is clamped to the last valid day of the month). Durations are exact seconds.
 */
public record RetentionPeriod(Period calendar, Duration exact) {

    /**
     * @param calendar a calendar period, or null for an exact duration
     * @param exact an exact duration, or null for a calendar period
     * @throws InvalidValueException when both or neither is given, or the one given is negative
     */
    public RetentionPeriod {
        if ((calendar == null) == (exact == null)) {
            throw new InvalidValueException("period", calendar != null ? calendar : exact,
                    "must be either a calendar period or an exact duration");
        }
        if (calendar != null && calendar.isNegative()) {
            throw new InvalidValueException("period", calendar, "must not be negative");
        }
        if (exact != null && exact.isNegative()) {
            throw new InvalidValueException("period", exact, "must not be negative");
        }
    }

    /**
     * A calendar period.
     *
     * @param p the period, not negative
     * @return the retention period
     * @throws InvalidValueException when {@code p} is null or negative
     */
    public static RetentionPeriod of(Period p) {
        return new RetentionPeriod(p, null);
    }

    /**
     * An exact duration.
     *
     * @param d the duration, not negative
     * @return the retention period
     * @throws InvalidValueException when {@code d} is null or negative
     */
    public static RetentionPeriod of(Duration d) {
        return new RetentionPeriod(null, d);
    }

    /**
     * A period of whole calendar years.
     *
     * @param n how many, not negative
     * @return the retention period
     * @throws InvalidValueException when {@code n} is negative
     */
    public static RetentionPeriod years(int n) {
        return of(Period.ofYears(n));
    }

    /**
     * A period of whole calendar months.
     *
     * @param n how many, not negative
     * @return the retention period
     * @throws InvalidValueException when {@code n} is negative
     */
    public static RetentionPeriod months(int n) {
        return of(Period.ofMonths(n));
    }

    /**
     * A period of calendar days (a day across a DST change is 23 or 25 hours).
     *
     * @param n how many, not negative
     * @return the retention period
     * @throws InvalidValueException when {@code n} is negative
     */
    public static RetentionPeriod days(int n) {
        return of(Period.ofDays(n));
    }

    /**
     * Parses ISO-8601: {@code P2Y}, {@code P1Y6M}, {@code P90D} (calendar) or {@code PT12H} (exact).
     *
     * @param text the ISO-8601 text; one with a {@code T} is an exact duration
     * @return the retention period
     * @throws InvalidValueException when {@code text} is null, not ISO-8601, or negative
     */
    public static RetentionPeriod parse(String text) {
        if (text == null) {
            throw new InvalidValueException("period", null, "is required");
        }
        try {
            if (text.contains("T")) {
                return of(Duration.parse(text));
            }
            return of(Period.parse(text));
        } catch (DateTimeParseException e) {
            throw new InvalidValueException("period", text,
                    "is not an ISO-8601 period (e.g. P2Y, P6M, P30D) or duration (e.g. PT12H)");
        }
    }

    /**
     * The instant this period after {@code start} ends, with calendar arithmetic in {@code zone}.
     *
     * @param start the instant the period starts
     * @param zone the policy's zone; unused by an exact duration
     * @return the end: the same wall-clock time after a calendar period, exact seconds after a duration
     */
    public Instant addTo(Instant start, ZoneId zone) {
        return calendar != null ? start.atZone(zone).plus(calendar).toInstant() : start.plus(exact);
    }

    @Override
    public String toString() {
        return calendar != null ? calendar.toString() : exact.toString();
    }
}
