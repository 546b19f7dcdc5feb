package dev.consent.rights;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;
import dev.consent.policy.PolicyLimits;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which days are working days, in which time zone: weekend days, listed holidays, and optionally a host's
 * {@link HolidaySource}. Immutable and thread-safe.
 */
public final class BusinessCalendar {
    private final ZoneId zone;
    private final Set<DayOfWeek> weekend;
    private final SortedSet<LocalDate> holidays;
    private final SortedSet<LocalDate> extraWorkingDays;
    private final HolidaySource source;

    private BusinessCalendar(ZoneId zone, Set<DayOfWeek> weekend, Collection<LocalDate> holidays,
            Collection<LocalDate> extraWorkingDays, HolidaySource source) {
        this.zone = Checks.required("calendar.zone", zone);
        this.weekend = Set.copyOf(Checks.required("calendar.weekend", weekend));
        if (this.weekend.size() == 7) {
            throw new InvalidValueException("calendar.weekend", weekend, "must leave at least one working day");
        }
        this.holidays = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(atMost("calendar.holidays",
                holidays, PolicyLimits.MAX_HOLIDAYS, "holidays a calendar may list (PolicyLimits.MAX_HOLIDAYS)")));
        this.extraWorkingDays = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(atMost("calendar.workingDays",
                extraWorkingDays, PolicyLimits.MAX_WORKING_DAYS,
                "working days a calendar may list (PolicyLimits.MAX_WORKING_DAYS)")));
        this.source = Checks.required("calendar.holidaySource", source);
    }

    /**
     * The dates, or an exception when there are more than {@code max}: a calendar is consulted on every deadline,
     * and millions of listed dates cost hundreds of megabytes (a host with that many plugs in a
     * {@link HolidaySource}). Counted before they are copied.
     */
    private static Collection<LocalDate> atMost(String field, Collection<LocalDate> dates, int max, String what) {
        Checks.required(field, dates);
        if (dates.size() > max) {
            throw new InvalidValueException(field, dates.size() + " dates", "exceed the " + max + " " + what);
        }
        return dates;
    }

    /**
     * Saturday and Sunday off, no holidays.
     *
     * @param zone the zone whose dates count
     * @return the calendar
     */
    public static BusinessCalendar weekdays(ZoneId zone) {
        return new BusinessCalendar(zone, EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), Set.of(), Set.of(),
                HolidaySource.NONE);
    }

    /**
     * A calendar with these weekend days and holidays.
     *
     * @param zone the zone whose dates count
     * @param weekend the days of the week off
     * @param holidays dates off besides the weekend
     * @return the calendar
     * @throws InvalidValueException for more than {@link PolicyLimits#MAX_HOLIDAYS} holidays, or a weekend of
     *     every day
     */
    public static BusinessCalendar of(ZoneId zone, Set<DayOfWeek> weekend, Collection<LocalDate> holidays) {
        return new BusinessCalendar(zone, weekend, holidays, Set.of(), HolidaySource.NONE);
    }

    /**
     * A calendar with weekend days that are worked on some dates: days moved to make up for a bridge holiday (e.g.
     * China's adjusted working Saturdays and Sundays around Golden Week).
     *
     * @param zone the zone whose dates count
     * @param weekend the days of the week off
     * @param holidays dates off besides the weekend
     * @param extraWorkingDays weekend dates that are worked
     * @return the calendar
     * @throws InvalidValueException for more than {@link PolicyLimits#MAX_HOLIDAYS} holidays or
     *     {@link PolicyLimits#MAX_WORKING_DAYS} working days, or a weekend of every day
     */
    public static BusinessCalendar of(ZoneId zone, Set<DayOfWeek> weekend, Collection<LocalDate> holidays,
            Collection<LocalDate> extraWorkingDays) {
        return new BusinessCalendar(zone, weekend, holidays, extraWorkingDays, HolidaySource.NONE);
    }

    /**
     * This calendar with the host's holidays added to the listed ones.
     *
     * @param hostHolidays the host's source, consulted for every date
     * @return the copy
     */
    public BusinessCalendar withHolidaySource(HolidaySource hostHolidays) {
        return new BusinessCalendar(zone, weekend, holidays, extraWorkingDays, hostHolidays);
    }

    /**
     * Weekend dates that are working days all the same.
     *
     * @return the dates, sorted and unmodifiable
     */
    public SortedSet<LocalDate> extraWorkingDays() {
        return extraWorkingDays;
    }

    /**
     * The zone whose calendar dates count: a deadline ends at the end of its last day there.
     *
     * @return the zone
     */
    public ZoneId zone() {
        return zone;
    }

    /**
     * The days of the week off; never all seven.
     *
     * @return the days, unmodifiable
     */
    public Set<DayOfWeek> weekend() {
        return weekend;
    }

    /**
     * The holidays the calendar lists (the host's {@link HolidaySource} is not among them).
     *
     * @return the dates, sorted and unmodifiable
     */
    public SortedSet<LocalDate> holidays() {
        return holidays;
    }

    /**
     * Whether {@code date} is a holiday, listed or from the host's source.
     *
     * @param date a date in the calendar's zone
     * @return true for a holiday
     */
    public boolean isHoliday(LocalDate date) {
        return holidays.contains(date) || source.isHoliday(date);
    }

    /**
     * Whether {@code date} is a working day: not a holiday, and not a weekend day unless it is listed as an extra
     * working day.
     *
     * @param date a date in the calendar's zone
     * @return true for a working day
     */
    public boolean isWorkingDay(LocalDate date) {
        if (isHoliday(date)) {
            return false;
        }
        return !weekend.contains(date.getDayOfWeek()) || extraWorkingDays.contains(date);
    }

    /**
     * {@code date} itself if it is a working day, otherwise the next one.
     *
     * @param date a date in the calendar's zone
     * @return the working day
     * @throws InvalidValueException (field {@code calendar}) when no working day follows within a year
     */
    public LocalDate onOrAfter(LocalDate date) {
        LocalDate d = date;
        for (int guard = 0; !isWorkingDay(d); guard++) {
            if (guard > 366) {
                throw new InvalidValueException("calendar", date, "has no working day within a year after it");
            }
            d = d.plusDays(1);
        }
        return d;
    }
}
