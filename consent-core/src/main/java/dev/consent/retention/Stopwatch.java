package dev.consent.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Time passed since it was started, by the service's clock and by the JVM's monotonic clock, whichever says more:
 * a wall clock stepped back cannot stretch a lease or a budget, and a test clock moved forward runs them out as
 * a slow handler would.
 */
final class Stopwatch {
    private final Clock clock;
    private final Instant startedAt;
    private final long startedNanos;

    Stopwatch(Clock clock) {
        this.clock = clock;
        this.startedAt = clock.instant();
        this.startedNanos = System.nanoTime();
    }

    Duration elapsed() {
        Duration byClock = Duration.between(startedAt, clock.instant());
        Duration byTicks = Duration.ofNanos(System.nanoTime() - startedNanos);
        return byClock.compareTo(byTicks) > 0 ? byClock : byTicks;
    }

    boolean reached(Duration limit) {
        return elapsed().compareTo(limit) >= 0;
    }
}
