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

    /** Saturday and Sunday off, no holidays. */
    public static BusinessCalendar weekdays(ZoneId zone) {
        return new BusinessCalendar(zone, EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), Set.of(), Set.of(),
                HolidaySource.NONE);
    }

    /**
     * A calendar with these weekend days and holidays.
     *
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
     * @throws InvalidValueException for more than {@link PolicyLimits#MAX_HOLIDAYS} holidays or
     *     {@link PolicyLimits#MAX_WORKING_DAYS} working days, or a weekend of every day
     */
    public static BusinessCalendar of(ZoneId zone, Set<DayOfWeek> weekend, Collection<LocalDate> holidays,
            Collection<LocalDate> extraWorkingDays) {
        return new BusinessCalendar(zone, weekend, holidays, extraWorkingDays, HolidaySource.NONE);
    }

    /** This calendar with the host's holidays added to the listed ones. */
    public BusinessCalendar withHolidaySource(HolidaySource hostHolidays) {
        return new BusinessCalendar(zone, weekend, holidays, extraWorkingDays, hostHolidays);
    }

    /** Weekend dates that are working days all the same. */
    public SortedSet<LocalDate> extraWorkingDays() {
        return extraWorkingDays;
    }

    public ZoneId zone() {
        return zone;
    }

    public Set<DayOfWeek> weekend() {
        return weekend;
    }

    public SortedSet<LocalDate> holidays() {
        return holidays;
    }

    public boolean isHoliday(LocalDate date) {
        return holidays.contains(date) || source.isHoliday(date);
    }

    /** A working day: not a holiday, and not a weekend day unless it is listed as an extra working day. */
    public boolean isWorkingDay(LocalDate date) {
        if (isHoliday(date)) {
            return false;
        }
        return !weekend.contains(date.getDayOfWeek()) || extraWorkingDays.contains(date);
    }

    /** {@code date} itself if it is a working day, otherwise the next one. */
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
