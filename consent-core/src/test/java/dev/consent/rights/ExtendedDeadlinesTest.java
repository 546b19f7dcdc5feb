package dev.consent.rights;

import dev.consent.store.InMemoryStore;
import dev.consent.ConsentService;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.ledger.SubjectId;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static dev.consent.rights.DeadlineTerm.Unit.BUSINESS_DAYS;
import static dev.consent.rights.DeadlineTerm.Unit.CALENDAR_DAYS;
import static dev.consent.rights.DeadlineTerm.Unit.MONTHS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Extended deadlines are counted from the start as one period and moved to a working day once, at the very end:
 * GDPR Art. 12(3) ("may be extended by two further months") with Regulation 1182/71 Art. 3(2)(c) and 3(4); CCPA,
 * Cal. Civ. Code § 1798.130(a)(2) and 11 CCR § 7021(b) (45 days plus 45, "a maximum total of 90 calendar days from
 * the day the business receives the request"); seed 003 ("respond within five business days ... can be extended to
 * 30 days").
 *
 * <p>Table-driven over every receipt date of 2024 (a leap year), 2025 and 2026, through {@link RightsService} (receive,
 * verify, extend), against an independent computation written here from the regulation's text: it uses neither
 * {@link Deadlines} nor {@link BusinessCalendar} nor {@code LocalDate.plusMonths}.
 */
class ExtendedDeadlinesTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    /** German federal public holidays 2024-2027 (Art. 3(4): "a public holiday, Sunday or Saturday"). */
    private static final Set<LocalDate> HOLIDAYS = Set.of(
            d(2024, 1, 1), d(2024, 3, 29), d(2024, 4, 1), d(2024, 5, 1), d(2024, 5, 9), d(2024, 5, 20), d(2024, 10, 3),
            d(2024, 12, 25), d(2024, 12, 26),
            d(2025, 1, 1), d(2025, 4, 18), d(2025, 4, 21), d(2025, 5, 1), d(2025, 5, 29), d(2025, 6, 9), d(2025, 10, 3),
            d(2025, 12, 25), d(2025, 12, 26),
            d(2026, 1, 1), d(2026, 4, 3), d(2026, 4, 6), d(2026, 5, 1), d(2026, 5, 14), d(2026, 5, 25), d(2026, 10, 3),
            d(2026, 12, 25), d(2026, 12, 26),
            d(2027, 1, 1), d(2027, 3, 26), d(2027, 3, 29), d(2027, 5, 1), d(2027, 5, 6), d(2027, 5, 17));

    private static LocalDate d(int y, int m, int day) {
        return LocalDate.of(y, m, day);
    }

    // ------------------------------------------------------------------ the independent computation

    private static boolean leap(int year) {
        return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    }

    private static int daysIn(int year, int month) {
        return switch (month) {
            case 2 -> leap(year) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /**
     * Reg. 1182/71 Art. 3(2)(c): a period in months "shall end with the expiry of the last hour of the day which, in
     * the last ... month, is the same ... date as the day during which the event ... occurred"; Art. 3(2)(c) second
     * subparagraph: "If, in a period expressed in months ..., the day on which it should expire does not occur in
     * the last month, the period shall end with the expiry of the last hour of the last day of that month."
     */
    private static LocalDate monthsAfter(LocalDate start, int months) {
        int index = start.getYear() * 12 + (start.getMonthValue() - 1) + months;
        int year = index / 12;
        int month = index % 12 + 1;
        return LocalDate.of(year, month, Math.min(start.getDayOfMonth(), daysIn(year, month)));
    }

    /** Art. 3(4): "public holiday, Sunday or Saturday". */
    private static boolean working(LocalDate day) {
        return day.getDayOfWeek() != DayOfWeek.SATURDAY && day.getDayOfWeek() != DayOfWeek.SUNDAY
                && !HOLIDAYS.contains(day);
    }

    /**
     * Art. 3(4): "Where the last day of a period expressed otherwise than in hours is a public holiday, Sunday or
     * Saturday, the period shall end with the expiry of the last hour of the following working day."
     */
    private static LocalDate rolled(LocalDate last) {
        LocalDate day = last;
        while (!working(day)) {
            day = day.plusDays(1);
        }
        return day;
    }

    /** Art. 3(1): the day of the event is not counted; N calendar days end on the N-th day after it. */
    private static LocalDate daysAfter(LocalDate start, int days) {
        return LocalDate.ofEpochDay(start.toEpochDay() + days);
    }

    /** N business days: the N-th working day after the day of the event (which is not counted). */
    private static LocalDate workingDaysAfter(LocalDate start, int days) {
        LocalDate day = start;
        for (int counted = 0; counted < days; ) {
            day = day.plusDays(1);
            if (working(day)) {
                counted++;
            }
        }
        return day;
    }

    // ------------------------------------------------------------------ the cases

    private record Case(String name, Policy policy, RequestType type, java.util.function.Function<LocalDate, LocalDate> first,
            java.util.function.Function<LocalDate, LocalDate> extended) {
    }

    private static Policy policy(String id, DeadlineTerm term) {
        Policy.Builder b = Policy.builder(id, "1").effectiveFrom(d(2023, 1, 1)).zone(BERLIN)
                .holidays(HOLIDAYS.toArray(new LocalDate[0]))
                .category("contact.email", "Email")
                .purpose(Purpose.builder("orders").title("Orders").basis(LegalBasis.CONTRACT).categories("contact.email")
                        .build());
        if (term != null) {
            b.rights(term, RequestType.ACCESS);
        }
        return b.build();
    }

    private static List<Case> cases() {
        return List.of(
                // no term in the policy: the GDPR's, one month extendable by two further months (Art. 12(3))
                new Case("GDPR 1 month + 2 months", policy("gdpr", null), RequestType.ACCESS,
                        s -> rolled(monthsAfter(s, 1)), s -> rolled(monthsAfter(s, 3))),
                // CCPA: 45 days, extended once by 45 more: 90 calendar days from receipt
                new Case("CCPA 45 days + 45 days", policy("ccpa", DeadlineTerm.of(45, CALENDAR_DAYS,
                        DeadlineTerm.Start.RECEIPT).extendable(DeadlineTerm.Extension.by(45, CALENDAR_DAYS))
                        .acknowledgedWithin(10, BUSINESS_DAYS)), RequestType.ACCESS,
                        s -> rolled(daysAfter(s, 45)), s -> rolled(daysAfter(s, 90))),
                // seed 003: five business days, extendable to 30 days, both from receipt
                new Case("seed 003: 5 business days, to 30 days", policy("seed003", DeadlineTerm.of(5, BUSINESS_DAYS,
                        DeadlineTerm.Start.RECEIPT).extendable(DeadlineTerm.Extension.to(30, CALENDAR_DAYS))),
                        RequestType.ACCESS, s -> workingDaysAfter(s, 5), s -> rolled(daysAfter(s, 30))),
                // a business-day term extended by business days: one count of working days
                new Case("10 business days + 10", policy("bd", DeadlineTerm.of(10, BUSINESS_DAYS,
                        DeadlineTerm.Start.RECEIPT).extendable(DeadlineTerm.Extension.by(10, BUSINESS_DAYS))),
                        RequestType.ACCESS, s -> workingDaysAfter(s, 10), s -> workingDaysAfter(s, 20)));
    }

    @Test
    void everyReceiptDateOfThreeYearsAgreesWithTheRegulationText() {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Case c : cases()) {
            MutableClock clock = MutableClock.at("2024-01-01T11:00:00Z");
            try (ConsentService consents = ConsentService.builder().store(new InMemoryStore())
                    .policy(c.policy()).clock(clock).build()) {
                RightsService rights = RightsService.builder().store(new InMemoryStore()).consents(consents).build();
                for (LocalDate received = d(2024, 1, 1); received.isBefore(d(2027, 1, 1));
                        received = received.plusDays(1)) {
                    clock.set(received.atTime(LocalTime.NOON).atZone(BERLIN).toInstant());
                    RightsRequest r = rights.receive(SubjectId.of("s"), c.type(), "test");
                    rights.verifyIdentity(r.id(), "dpo", "test");
                    RightsRequest extended = rights.extend(r.id(), "dpo", "complex", clock.instant());
                    LocalDate first = r.deadline().orElseThrow().lastDay();
                    LocalDate last = extended.deadline().orElseThrow().lastDay();
                    if (!first.equals(c.first().apply(received)) || !last.equals(c.extended().apply(received))) {
                        wrong.add(c.name() + ", received " + received + " (" + received.getDayOfWeek() + "): first "
                                + first + ", expected " + c.first().apply(received) + "; extended " + last
                                + ", expected " + c.extended().apply(received));
                    }
                    assertThat(extended.extensionNotice().orElseThrow().original()).isEqualTo(r.deadline().orElseThrow());
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(4 * 1096);
        assertThat(wrong).as(wrong.size() + " wrong deadlines").isEmpty();
    }

    /** The example, with its explanation: received Saturday 31 January 2026. */
    @Test
    void receivedOn31January2026TheExtendedDeadlineIsThursday30April() {
        BusinessCalendar germany = policy("gdpr", null).calendar();
        Deadline first = Deadlines.after(d(2026, 1, 31), 1, MONTHS, germany, "GDPR");
        Deadline extended = Deadlines.extended(d(2026, 1, 31), RightsService.GDPR_DEFAULT, germany, "GDPR extended");
        assertThat(first.lastDay()).isEqualTo(d(2026, 3, 2)); // 28 February is a Saturday
        assertThat(extended.lastDay()).isEqualTo(d(2026, 4, 30)).isNotEqualTo(d(2026, 5, 4));
        assertThat(extended.start()).isEqualTo(d(2026, 1, 31));
        assertThat(extended.skipped()).isEmpty();
        assertThat(extended.explain()).isEqualTo("due by the end of 2026-04-30 (GDPR extended): starts 2026-01-31"
                + " (SATURDAY), which is not counted; 1 month extended by 2 months: one period of 3 months from the start;"
                + " 3 months on, APRIL has no day 31: its last day, 2026-04-30");
    }

    /**
     * A day or two early before: received 31 January 2025, one month is Friday 28 February, plus two was Monday 28
     * April, not Wednesday 30 April; received 31 May 2027, one month is Wednesday 30 June, plus two was Monday 30
     * August, not Tuesday 31 August.
     */
    @Test
    void theExtensionIsNotCountedFromAShortMonthsLastDay() {
        BusinessCalendar germany = policy("gdpr", null).calendar();
        assertThat(Deadlines.extended(d(2025, 1, 31), RightsService.GDPR_DEFAULT, germany, "").lastDay())
                .isEqualTo(d(2025, 4, 30));
        assertThat(Deadlines.extended(d(2027, 5, 31), RightsService.GDPR_DEFAULT, germany, "").lastDay())
                .isEqualTo(d(2027, 8, 31));
    }

    /** The end of the whole period is moved once: 31 May 2025 plus three months is Sunday 31 August. */
    @Test
    void receivedOn31May2025TheExtendedDeadlineIs1September() {
        BusinessCalendar germany = policy("gdpr", null).calendar();
        Deadline extended = Deadlines.extended(d(2025, 5, 31), RightsService.GDPR_DEFAULT, germany, "GDPR extended");
        // 31 August 2025 is a Sunday: the end moves once, to Monday 1 September
        assertThat(extended.lastDay()).isEqualTo(d(2025, 9, 1));
        assertThat(extended.skipped()).containsExactly(d(2025, 8, 31));
        assertThat(extended.explain()).endsWith("3 months on: 2025-08-31; 2025-08-31 is not a working day: moves to"
                + " 2025-09-01");
    }

    /** CCPA: the 45 days are not moved off a weekend before the next 45 are added. */
    @Test
    void ccpaNinetyDaysFromReceiptNotFromTheMovedFirstDeadline() {
        BusinessCalendar california = BusinessCalendar.of(ZoneId.of("America/Los_Angeles"),
                Set.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), List.of());
        DeadlineTerm ccpa = DeadlineTerm.of(45, CALENDAR_DAYS, DeadlineTerm.Start.RECEIPT)
                .extendable(DeadlineTerm.Extension.by(45, CALENDAR_DAYS));
        // received Thursday 1 May 2025: day 45 is Sunday 15 June (moved to Monday 16 June); day 90 is Wed 30 July
        assertThat(Deadlines.after(d(2025, 5, 1), 45, CALENDAR_DAYS, california, "").lastDay()).isEqualTo(d(2025, 6, 16));
        Deadline extended = Deadlines.extended(d(2025, 5, 1), ccpa, california, "CCPA");
        assertThat(extended.lastDay()).isEqualTo(d(2025, 7, 30));
        assertThat(extended.explain()).contains("45 calendar days extended by 45 calendar days: one period of 90"
                + " calendar days from the start", "counted 90 calendar days to 2025-07-30");
    }

    /** Different units: the extension is counted on from the term's own end, unmoved, and the end moved once. */
    @Test
    void anExtensionInAnotherUnitCountsOnFromTheUnmovedEndOfTheTerm() {
        BusinessCalendar germany = policy("gdpr", null).calendar();
        DeadlineTerm term = DeadlineTerm.of(1, MONTHS, DeadlineTerm.Start.RECEIPT)
                .extendable(DeadlineTerm.Extension.by(30, CALENDAR_DAYS));
        // received 31 January 2026: one month ends Saturday 28 February (not moved), 30 days on is Monday 30 March
        Deadline extended = Deadlines.extended(d(2026, 1, 31), term, germany, "mixed");
        assertThat(extended.lastDay()).isEqualTo(d(2026, 3, 30));
        assertThat(extended.explain()).contains("extended by 30 calendar days, counted on from 2026-02-28");
    }
}
