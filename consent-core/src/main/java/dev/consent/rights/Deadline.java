package dev.consent.rights;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * A computed deadline and how it was derived: the start date, the rule, the days skipped as weekends or holidays
 * and any roll-forward. The answer is due by the end of {@code lastDay} in the calendar's zone, that is before
 * {@code dueBefore}.
 */
public record Deadline(LocalDate start, LocalDate lastDay, Instant dueBefore, String rule, List<LocalDate> skipped,
        List<String> steps) {

    /**
     * Copies both lists, so that the deadline cannot change after it is computed.
     *
     * @param start the date the period starts from
     * @param lastDay the last day to answer on
     * @param dueBefore the end of {@code lastDay} in the calendar's zone
     * @param rule the rule applied, in words
     * @param skipped the dates skipped as weekends or holidays
     * @param steps how the deadline was derived, step by step
     */
    public Deadline {
        skipped = List.copyOf(skipped);
        steps = List.copyOf(steps);
    }

    /**
     * Whether the deadline has passed at {@code at}.
     *
     * @param at any instant
     * @return true from {@code dueBefore} on
     */
    public boolean passedAt(Instant at) {
        return !at.isBefore(dueBefore);
    }

    /**
     * How the deadline was derived, in one line, for a request's history or an operator.
     *
     * @return "due by the end of LAST_DAY (RULE): STEP; STEP; ..."
     */
    public String explain() {
        return "due by the end of " + lastDay + " (" + rule + "): " + String.join("; ", steps);
    }
}
