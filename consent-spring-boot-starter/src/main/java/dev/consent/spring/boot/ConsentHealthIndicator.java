package dev.consent.spring.boot;

import dev.consent.ConsentException;
import dev.consent.ConsentService;
import dev.consent.ConsentStatistics;
import dev.consent.store.ConsentStore;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The library's health: {@code DOWN} when the store cannot be read (one cheap read of the change feed's newest
 * position), when the consent service has not read the change feed within its staleness bound (its cached answers are
 * then bypassed; a poller that stopped would otherwise go unnoticed), or when the scheduled sweeper has not completed
 * a sweep for longer than its health threshold (counted from the schedule's start until the first sweep); {@code UP}
 * otherwise. Details name the store's state and, when the
 * sweeper is scheduled on this node, the time of its last run and success and the class of its last failure; never a
 * subject or any other personal data.
 */
public class ConsentHealthIndicator implements HealthIndicator {
    private final ConsentStore store;
    private final ConsentSweepScheduler scheduler;
    private final ConsentService consents;
    private final Clock clock;

    /**
     * @param store the store to probe
     * @param scheduler the sweep scheduler, or null when this node does not sweep on a schedule
     */
    public ConsentHealthIndicator(ConsentStore store, ConsentSweepScheduler scheduler) {
        this(store, scheduler, null, Clock.systemUTC());
    }

    /**
     * Also reports the change feed: down when the consent service has not read it within its staleness bound.
     *
     * @param store the store to probe
     * @param scheduler this node's sweep schedule, or null when it runs none
     * @param consents the consent service whose change-feed reads are reported, or null to leave them out
     */
    public ConsentHealthIndicator(ConsentStore store, ConsentSweepScheduler scheduler, ConsentService consents) {
        this(store, scheduler, consents, Clock.systemUTC());
    }

    ConsentHealthIndicator(ConsentStore store, ConsentSweepScheduler scheduler, Clock clock) {
        this(store, scheduler, null, clock);
    }

    ConsentHealthIndicator(ConsentStore store, ConsentSweepScheduler scheduler, ConsentService consents, Clock clock) {
        this.store = store;
        this.scheduler = scheduler;
        this.consents = consents;
        this.clock = clock;
    }

    @Override
    public Health health() {
        Health.Builder health = Health.up();
        try {
            store.changeCursor();
            health.withDetail("store", "reachable");
        } catch (ConsentException e) {
            health.down().withDetail("store", "unreachable").withDetail("storeError", e.getClass().getName());
        }
        feed(health);
        if (scheduler == null) {
            return health.withDetail("sweeper", "not scheduled on this node").build();
        }
        scheduler.lastRunAt().ifPresent(at -> health.withDetail("sweeperLastRun", at.toString()));
        scheduler.lastSuccessAt().ifPresent(at -> health.withDetail("sweeperLastSuccess", at.toString()));
        scheduler.lastFailure().ifPresent(f -> health.withDetail("sweeperLastFailure", f));
        Instant since = scheduler.lastSuccessAt().or(scheduler::startedAt).orElse(null);
        if (since == null) {
            return health.withDetail("sweeper", "stopped").build();
        }
        Duration silent = Duration.between(since, clock.instant());
        if (silent.compareTo(scheduler.healthThreshold()) > 0) {
            health.down().withDetail("sweeper", "no successful sweep for " + silent.withNanos(0)
                    + ", longer than " + scheduler.healthThreshold());
        } else {
            health.withDetail("sweeper", "on schedule");
        }
        return health.build();
    }

    /** The change feed's detail: read within the staleness bound, or down (checks then bypass the cache). */
    private void feed(Health.Builder health) {
        if (consents == null) {
            return;
        }
        ConsentStatistics.Feed feed = consents.statistics().feed();
        if (!feed.read()) {
            health.withDetail("changeFeed", "not read (this node is the store's only writer)");
        } else if (feed.fresh()) {
            health.withDetail("changeFeed", "read " + feed.sinceLastRead().toMillis() + " ms ago, within the staleness"
                    + " bound of " + feed.maxStaleness());
        } else {
            health.down().withDetail("changeFeed", "not read for " + feed.sinceLastRead().withNanos(0)
                    + ", longer than the staleness bound " + feed.maxStaleness() + "; checks read the store");
        }
    }
}
