package dev.consent.rights;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static dev.consent.rights.DeadlineTerm.Unit.BUSINESS_DAYS;
import static dev.consent.rights.DeadlineTerm.Unit.CALENDAR_DAYS;
import static dev.consent.rights.DeadlineTerm.Unit.MONTHS;
import static org.assertj.core.api.Assertions.assertThat;

/** Deadlines on business calendars: every seed policy's rights terms, GDPR Art. 12(3) and CCPA. */
class DeadlinesTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final Set<DayOfWeek> WEEKEND = EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY);
    private static final BusinessCalendar GERMANY_2025 = BusinessCalendar.of(BERLIN, WEEKEND, List.of(
            LocalDate.of(2025, 6, 9), LocalDate.of(2025, 12, 25), LocalDate.of(2025, 12, 26), LocalDate.of(2026, 1, 1)));

    private static LocalDate d(int y, int m, int day) {
        return LocalDate.of(y, m, day);
    }

    @Nested
    class Seeds {
        @Test
        void seed000_thirtyBusinessDaysAcrossChristmasAndNewYear() {
            Deadline dl = Deadlines.after(d(2025, 12, 1), 30, BUSINESS_DAYS, GERMANY_2025, "000");
            assertThat(dl.lastDay()).isEqualTo(d(2026, 1, 15));
            assertThat(dl.skipped()).contains(d(2025, 12, 25), d(2025, 12, 26), d(2026, 1, 1), d(2025, 12, 6));
            assertThat(dl.dueBefore()).isEqualTo(Instant.parse("2026-01-15T23:00:00Z"));
            assertThat(dl.explain()).contains("30 working days", "2026-01-15");
        }

        @Test
        void seed003_fifteenWorkingDaysToCheckAnEarlyDeletion() {
            // received Wednesday 4 June 2025; Whit Monday (9 June) is a holiday
            Deadline dl = Deadlines.after(d(2025, 6, 4), 15, BUSINESS_DAYS, GERMANY_2025, "003");
            assertThat(dl.lastDay()).isEqualTo(d(2025, 6, 26));
            assertThat(dl.skipped()).contains(d(2025, 6, 9));
        }

        @Test
        void seed003_fiveBusinessDaysExtendableToThirtyDays() {
            Deadline answer = Deadlines.after(d(2025, 6, 4), 5, BUSINESS_DAYS, GERMANY_2025, "003");
            assertThat(answer.lastDay()).isEqualTo(d(2025, 6, 12)); // 5, 6, (9 holiday), 10, 11, 12
            Deadline extended = Deadlines.extended(answer.start(), DeadlineTerm.of(5, BUSINESS_DAYS,
                    DeadlineTerm.Start.RECEIPT).extendable(DeadlineTerm.Extension.to(30, CALENDAR_DAYS)), GERMANY_2025,
                    "003 extended");
            assertThat(extended.lastDay()).isEqualTo(d(2025, 7, 4));
        }

        @Test
        void seed004_fifteenWorkingDaysAcrossGoldenWeekWithMakeUpDays() {
            BusinessCalendar china2025 = BusinessCalendar.of(ZoneId.of("Asia/Shanghai"), WEEKEND,
                    List.of(d(2025, 10, 1), d(2025, 10, 2), d(2025, 10, 3), d(2025, 10, 6), d(2025, 10, 7),
                            d(2025, 10, 8)),
                    List.of(d(2025, 9, 28), d(2025, 10, 11))); // adjusted working Sunday and Saturday
            Deadline dl = Deadlines.after(d(2025, 9, 29), 15, BUSINESS_DAYS, china2025, "004");
            assertThat(dl.lastDay()).isEqualTo(d(2025, 10, 27));
            assertThat(dl.dueBefore()).isEqualTo(Instant.parse("2025-10-27T16:00:00Z"));
            assertThat(china2025.isWorkingDay(d(2025, 10, 11))).isTrue();
        }

        @Test
        void seeds001and002_noStatedTermMeansTheGdprMonth() {
            assertThat(RightsService.GDPR_DEFAULT.amount()).isEqualTo(1);
            assertThat(RightsService.GDPR_DEFAULT.unit()).isEqualTo(MONTHS);
            assertThat(RightsService.GDPR_DEFAULT.extension()).contains(DeadlineTerm.Extension.by(2, MONTHS));
        }
    }

    @Nested
    class GdprMonths {
        @Test
        void theCorrespondingDateOfTheNextMonth() {
            assertThat(Deadlines.after(d(2025, 9, 3), 1, MONTHS, GERMANY_2025, "").lastDay()).isEqualTo(d(2025, 10, 3));
        }

        @Test
        void aMissingDateMeansTheLastDayOfTheMonth() {
            assertThat(Deadlines.after(d(2025, 1, 31), 1, MONTHS, GERMANY_2025, "").lastDay()).isEqualTo(d(2025, 2, 28));
            assertThat(Deadlines.after(d(2024, 1, 31), 1, MONTHS, GERMANY_2025, "").lastDay()).isEqualTo(d(2024, 2, 29));
            Deadline april = Deadlines.after(d(2025, 3, 31), 1, MONTHS, GERMANY_2025, "");
            assertThat(april.lastDay()).isEqualTo(d(2025, 4, 30));
            assertThat(april.explain()).contains("has no day 31");
        }

        @Test
        void aDeadlineOnANonWorkingDayMovesToTheNextWorkingDay() {
            Deadline weekend = Deadlines.after(d(2025, 2, 1), 1, MONTHS, GERMANY_2025, "");
            assertThat(weekend.lastDay()).isEqualTo(d(2025, 3, 3)); // 1 March is a Saturday
            assertThat(weekend.skipped()).containsExactly(d(2025, 3, 1), d(2025, 3, 2));
            Deadline christmas = Deadlines.after(d(2025, 11, 25), 1, MONTHS, GERMANY_2025, "");
            assertThat(christmas.lastDay()).isEqualTo(d(2025, 12, 29)); // 25, 26 holidays, then the weekend
        }

        @Test
        void extendedByTwoFurtherMonthsIsThreeMonthsFromReceipt() {
            // Art. 12(3) with Reg. 1182/71 Art. 3(2)(c): 31 January + 3 months = 30 April, not 28 February + 2 months
            Deadline extended = Deadlines.extended(d(2025, 1, 31), RightsService.GDPR_DEFAULT, GERMANY_2025, "");
            assertThat(extended.lastDay()).isEqualTo(d(2025, 4, 30));
        }
    }

    @Test
    void ccpa_confirmWithinTenBusinessDaysAnswerWithin45Days() {
        BusinessCalendar california = BusinessCalendar.of(ZoneId.of("America/Los_Angeles"), WEEKEND,
                List.of(d(2025, 6, 19), d(2025, 7, 4)));
        Deadline confirm = Deadlines.after(d(2025, 6, 2), 10, BUSINESS_DAYS, california, "CCPA confirm");
        Deadline answer = Deadlines.after(d(2025, 6, 2), 45, CALENDAR_DAYS, california, "CCPA answer");
        assertThat(confirm.lastDay()).isEqualTo(d(2025, 6, 16));
        assertThat(answer.lastDay()).isEqualTo(d(2025, 7, 17));
        assertThat(answer.dueBefore()).isEqualTo(Instant.parse("2025-07-18T07:00:00Z"));
    }

    @Test
    void theStartDayIsNotCounted() {
        // Regulation 1182/71 Art. 3(1): received on a Monday, one business day is Tuesday
        assertThat(Deadlines.after(d(2025, 6, 2), 1, BUSINESS_DAYS, GERMANY_2025, "").lastDay()).isEqualTo(d(2025, 6, 3));
        // received on a Saturday: the first business day counted is Monday
        assertThat(Deadlines.after(d(2025, 5, 31), 1, BUSINESS_DAYS, GERMANY_2025, "").lastDay()).isEqualTo(d(2025, 6, 2));
    }
}
