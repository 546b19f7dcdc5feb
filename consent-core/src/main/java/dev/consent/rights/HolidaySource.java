package dev.consent.rights;

import java.time.LocalDate;

/**
 * Public holidays the host knows about (a national calendar, a regional one, company closing days). The
 * policy can list holidays itself; a host with a better source plugs it in here.
 */
@FunctionalInterface
public interface HolidaySource {
    boolean isHoliday(LocalDate date);

    HolidaySource NONE = date -> false;
}
