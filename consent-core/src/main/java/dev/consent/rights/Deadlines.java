package dev.consent.rights;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Computes deadlines on a {@link BusinessCalendar}. The rules, after Regulation (EEC, Euratom) No 1182/71
 * determining the rules applicable to periods, dates and time limits, which the EDPB applies to GDPR Art. 12(3):
 * <ul>
 *   <li>Days: the day of the start event is not counted (Art. 3(1)); a period of N days ends at the end of the
 *       N-th day after it; N business days count working days only.</li>
 *   <li>Months: the period ends on the day of the last month with the same date as the start day; if that month
 *       has no such date, on its last day (Art. 3(2)(c)): received 31 January, one month is 28 (or 29) February.
 *       This is the ICO's "day of receipt is day one" rule put the other way round.</li>
 *   <li>A period (other than business days, which only end on working days) whose last day is a weekend day or
 *       holiday ends at the end of the next working day (Art. 3(4)).</li>
 *   <li>The answer is due by the end of the last day in the calendar's zone.</li>
 * </ul>
 */
public final class Deadlines {
    private Deadlines() {
    }

    /** The deadline {@code amount} {@code unit} after {@code start}. */
    public static Deadline after(LocalDate start, int amount, DeadlineTerm.Unit unit, BusinessCalendar calendar,
            String rule) {
        List<LocalDate> skipped = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        steps.add("starts " + start + " (" + start.getDayOfWeek() + "), which is not counted");
        LocalDate last;
        switch (unit) {
            case BUSINESS_DAYS -> {
                LocalDate d = start;
                int counted = 0;
                while (counted < amount) {
                    d = d.plusDays(1);
                    if (calendar.isWorkingDay(d)) {
                        counted++;
                    } else {
                        skipped.add(d);
                    }
                }
                last = d;
                steps.add("counted " + amount + " working days, skipping " + skipped.size()
                        + " weekend days and holidays");
            }
            case CALENDAR_DAYS -> {
                last = start.plusDays(amount);
                steps.add("counted " + amount + " calendar days to " + last);
            }
            case MONTHS -> {
                last = start.plusMonths(amount);
                if (last.getDayOfMonth() != start.getDayOfMonth()) {
                    steps.add(DeadlineTerm.text(amount, unit) + " on, " + last.getMonth() + " has no day "
                            + start.getDayOfMonth() + ": its last day, " + last);
                } else {
                    steps.add(DeadlineTerm.text(amount, unit) + " on: " + last);
                }
            }
            default -> throw new IllegalStateException();
        }
        if (unit != DeadlineTerm.Unit.BUSINESS_DAYS && !calendar.isWorkingDay(last)) {
            LocalDate rolled = calendar.onOrAfter(last);
            for (LocalDate d = last; d.isBefore(rolled); d = d.plusDays(1)) {
                skipped.add(d);
            }
            steps.add(last + " is not a working day: moves to " + rolled);
            last = rolled;
        }
        return new Deadline(start, last, last.plusDays(1).atStartOfDay(calendar.zone()).toInstant(), rule, skipped, steps);
    }
}
