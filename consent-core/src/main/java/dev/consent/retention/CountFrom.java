package dev.consent.retention;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;

/**
 * Where a retention period starts relative to its anchor event. Many statutes count from the end of the
 * calendar year in which the document arose (e.g. German tax law, AO §147(4), HGB §257(5)); the default
 * counts from the anchor instant itself. "The end of" a day, month or year is the start of the next one
 * in the policy's zone, so the period covers the whole last day.
 */
public enum CountFrom {
    /** From the anchor instant. */
    ANCHOR,
    /** From the start of the day after the anchor. */
    END_OF_DAY,
    /** From the start of the month after the anchor. */
    END_OF_MONTH,
    /** From the start of the year after the anchor. */
    END_OF_YEAR;

    /**
     * The instant the period starts for an anchor at {@code anchor}, computed in {@code zone}.
     *
     * @param anchor the instant the anchor event happened
     * @param zone the policy's zone, in which days, months and years end
     * @return the anchor itself for {@link #ANCHOR}, else the start of the next day, month or year in {@code zone}
     */
    public Instant start(Instant anchor, ZoneId zone) {
        if (this == ANCHOR) {
            return anchor;
        }
        LocalDate day = anchor.atZone(zone).toLocalDate();
        LocalDate next = switch (this) {
            case END_OF_DAY -> day.plusDays(1);
            case END_OF_MONTH -> day.with(TemporalAdjusters.firstDayOfNextMonth());
            case END_OF_YEAR -> day.with(TemporalAdjusters.firstDayOfNextYear());
            default -> throw new IllegalStateException();
        };
        return next.atStartOfDay(zone).toInstant();
    }
}
