package dev.consent.rights;

import java.time.LocalDate;

/**
 * Public holidays the host knows about (a national calendar, a regional one, company closing days). The
 * policy can list holidays itself; a host with a better source plugs it in here.
 */
@FunctionalInterface
public interface HolidaySource {
    /**
     * Whether {@code date} is a day off. Called for every date a deadline is counted over: answer from memory.
     *
     * @param date a date in the calendar's zone
     * @return true for a holiday
     */
    boolean isHoliday(LocalDate date);

    /** No holidays at all. */
    HolidaySource NONE = date -> false;
}
