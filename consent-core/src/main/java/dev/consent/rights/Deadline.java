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

    public Deadline {
        skipped = List.copyOf(skipped);
        steps = List.copyOf(steps);
    }

    /** Whether the deadline has passed at {@code at}. */
    public boolean passedAt(Instant at) {
        return !at.isBefore(dueBefore);
    }

    public String explain() {
        return "due by the end of " + lastDay + " (" + rule + "): " + String.join("; ", steps);
    }
}
