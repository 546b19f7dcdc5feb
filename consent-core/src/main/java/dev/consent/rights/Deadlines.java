package dev.consent.rights;

import dev.consent.InvalidValueException;

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
 * An extended deadline is one period counted from the same start, moved to a working day once, at its very end
 * ({@link #extended}).
 */
public final class Deadlines {
    private Deadlines() {
    }

    /**
     * The deadline {@code amount} {@code unit} after {@code start}, moved forward to a working day at its end.
     *
     * @param start the day the clock started, not counted
     * @param amount how many units
     * @param unit the unit
     * @param calendar the working days and zone
     * @param rule the rule applied, in words, for {@link Deadline#rule()}
     * @return the deadline, with the days skipped and the steps that derived it
     */
    public static Deadline after(LocalDate start, int amount, DeadlineTerm.Unit unit, BusinessCalendar calendar,
            String rule) {
        List<LocalDate> skipped = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        steps.add(startStep(start));
        LocalDate last = periodEnd(start, amount, unit, calendar, skipped, steps);
        return rolledForward(start, last, calendar, rule, skipped, steps);
    }

    /**
     * The deadline of {@code term}, counted from {@code start}, after the term's extension, as one period from the
     * start with a single roll-forward at its very end:
     * <ul>
     *   <li>extended <b>by</b> N in the term's own unit: the term and the extension are added into one period
     *       counted from {@code start}. GDPR Art. 12(3), "may be extended by two further months": one month plus two
     *       is three months from receipt, ending on the same date of the third month or that month's last day
     *       (Reg. 1182/71 Art. 3(2)(c)); received 31 January 2026, the extended deadline is Thursday 30 April 2026,
     *       not two months after the first deadline once it was moved off a weekend (Monday 2 March, then 4 May).
     *       CCPA (Cal. Civ. Code § 1798.130(a)(2)(A)): 45 days "may be extended once by an additional 45 days", 90
     *       days from receipt.</li>
     *   <li>extended <b>by</b> N in another unit: the extension is counted from where the term's own period ends
     *       before any move to a working day (Art. 3(4) applies only to the end of the whole period), then the end is
     *       moved once.</li>
     *   <li>extended <b>to</b> a total: the total counted from {@code start} (seed 003: "respond within five business
     *       days ... can be extended to 30 days": 30 calendar days from receipt).</li>
     * </ul>
     *
     * @param start the day the term's clock started (receipt or identity verification), not counted (Art. 3(1))
     * @param term the term, with its extension
     * @param calendar the working days and zone
     * @param rule the rule applied, in words
     * @return the extended deadline, with the days skipped and the steps that derived it
     * @throws InvalidValueException if the term has no extension, or a total that would end before the term itself
     */
    public static Deadline extended(LocalDate start, DeadlineTerm term, BusinessCalendar calendar, String rule) {
        DeadlineTerm.Extension ext = term.extension().orElseThrow(() -> new InvalidValueException("term.extension",
                term, "is absent: the term cannot be extended"));
        List<LocalDate> skipped = new ArrayList<>();
        List<String> steps = new ArrayList<>();
        steps.add(startStep(start));
        LocalDate last;
        if (ext.toTotal()) {
            steps.add("extended to a total of " + DeadlineTerm.text(ext.amount(), ext.unit())
                    + ", counted from the same start");
            last = periodEnd(start, ext.amount(), ext.unit(), calendar, skipped, steps);
        } else if (ext.unit() == term.unit()) {
            int total = term.amount() + ext.amount();
            steps.add(DeadlineTerm.text(term.amount(), term.unit()) + " extended by "
                    + DeadlineTerm.text(ext.amount(), ext.unit()) + ": one period of "
                    + DeadlineTerm.text(total, term.unit()) + " from the start");
            last = periodEnd(start, total, term.unit(), calendar, skipped, steps);
        } else {
            LocalDate termEnd = periodEnd(start, term.amount(), term.unit(), calendar, skipped, steps);
            steps.add("extended by " + DeadlineTerm.text(ext.amount(), ext.unit()) + ", counted on from " + termEnd
                    + " (not moved to a working day first)");
            last = periodEnd(termEnd, ext.amount(), ext.unit(), calendar, skipped, steps);
        }
        Deadline extended = rolledForward(start, last, calendar, rule, skipped, steps);
        Deadline original = after(start, term.amount(), term.unit(), calendar, rule);
        if (!extended.lastDay().isAfter(original.lastDay())) {
            throw new InvalidValueException("term.extension", ext, "would end on " + extended.lastDay()
                    + ", not after the unextended deadline " + original.lastDay() + " of " + term);
        }
        return extended;
    }

    private static String startStep(LocalDate start) {
        return "starts " + start + " (" + start.getDayOfWeek() + "), which is not counted";
    }

    /** The last day of {@code amount} {@code unit} after {@code start}, before any move to a working day. */
    private static LocalDate periodEnd(LocalDate start, int amount, DeadlineTerm.Unit unit, BusinessCalendar calendar,
            List<LocalDate> skipped, List<String> steps) {
        switch (unit) {
            case BUSINESS_DAYS -> {
                LocalDate d = start;
                int counted = 0;
                int skippedBefore = skipped.size();
                while (counted < amount) {
                    d = d.plusDays(1);
                    if (calendar.isWorkingDay(d)) {
                        counted++;
                    } else {
                        skipped.add(d);
                    }
                }
                steps.add("counted " + amount + " working days, skipping " + (skipped.size() - skippedBefore)
                        + " weekend days and holidays");
                return d;
            }
            case CALENDAR_DAYS -> {
                LocalDate last = start.plusDays(amount);
                steps.add("counted " + amount + " calendar days to " + last);
                return last;
            }
            case MONTHS -> {
                // java.time clamps a missing day to the month's last day: exactly Art. 3(2)(c)
                LocalDate last = start.plusMonths(amount);
                if (last.getDayOfMonth() != start.getDayOfMonth()) {
                    steps.add(DeadlineTerm.text(amount, unit) + " on, " + last.getMonth() + " has no day "
                            + start.getDayOfMonth() + ": its last day, " + last);
                } else {
                    steps.add(DeadlineTerm.text(amount, unit) + " on: " + last);
                }
                return last;
            }
            default -> throw new IllegalStateException("unit " + unit);
        }
    }

    /** Art. 3(4): a last day that is not a working day moves to the next working day, once, at the end. */
    private static Deadline rolledForward(LocalDate start, LocalDate last, BusinessCalendar calendar, String rule,
            List<LocalDate> skipped, List<String> steps) {
        LocalDate end = last;
        if (!calendar.isWorkingDay(last)) {
            end = calendar.onOrAfter(last);
            for (LocalDate d = last; d.isBefore(end); d = d.plusDays(1)) {
                skipped.add(d);
            }
            steps.add(last + " is not a working day: moves to " + end);
        }
        return new Deadline(start, end, end.plusDays(1).atStartOfDay(calendar.zone()).toInstant(), rule, skipped,
                steps);
    }
}
