package dev.consent.spring.boot;

import dev.consent.InvalidValueException;
import dev.consent.retention.SweepReport;
import dev.consent.retention.Sweeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.support.CronExpression;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs {@link Sweeper#sweep(int, Duration)} on this node, on a fixed delay or a cron schedule
 * ({@code consent.sweeper.*}), with the per-run budget of {@code max-items} and {@code max-duration}.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>One sweep at a time on this node, on its own thread ({@code consent-sweeper}); other nodes may sweep at the
 *       same time (the sweeper's claims keep them apart).</li>
 *   <li>A failed sweep is logged (by class and message, never a subject) and counted; the schedule goes on.</li>
 *   <li>Stopping (context shutdown, as a {@link SmartLifecycle}) starts no new sweep and lets a running one end
 *       within its own budget: {@code max-duration} plus at most one handler timeout. The context waits for it up to
 *       its shutdown phase timeout.</li>
 *   <li>What it did is kept as totals ({@link #totals()}) and the last run's time and report, for metrics and
 *       health; no personal data is kept.</li>
 * </ul>
 * Thread-safe.
 */
public class ConsentSweepScheduler implements SmartLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(ConsentSweepScheduler.class);

    private final Sweeper sweeper;
    private final ConsentProperties.Sweeper settings;
    private final CronExpression cron;
    private final Clock clock;
    private final Duration healthThreshold;
    private final Totals totals = new Totals();
    private volatile ScheduledExecutorService executor;
    private volatile Instant lastRunAt;
    private volatile Instant lastSuccessAt;
    private volatile SweepReport lastReport;
    private volatile String lastFailure;
    private volatile Instant startedAt;

    /**
      * @param sweeper the sweeper to run
      * @param settings the schedule, budget and health threshold ({@code consent.sweeper.*})
     * @throws InvalidValueException when the cron expression does not parse, or the delay or budget is not positive
     */
    public ConsentSweepScheduler(Sweeper sweeper, ConsentProperties.Sweeper settings) {
        this(sweeper, settings, Clock.systemUTC());
    }

    ConsentSweepScheduler(Sweeper sweeper, ConsentProperties.Sweeper settings, Clock clock) {
        this.sweeper = sweeper;
        this.settings = settings;
        this.clock = clock;
        if (settings.maxItems() < 1) {
            throw new InvalidValueException("maxItems", settings.maxItems(), "must be at least 1");
        }
        requirePositive("maxDuration", settings.maxDuration());
        if (settings.initialDelay() == null || settings.initialDelay().isNegative()) {
            throw new InvalidValueException("initialDelay", settings.initialDelay(), "must be zero or positive");
        }
        if (settings.cron() != null && !settings.cron().isBlank()) {
            try {
                this.cron = CronExpression.parse(settings.cron());
            } catch (IllegalArgumentException e) {
                throw new InvalidValueException("cron", settings.cron(), "is not a cron expression (six fields: "
                        + "second minute hour day-of-month month day-of-week): " + e.getMessage());
            }
        } else {
            this.cron = null;
            requirePositive("fixedDelay", settings.fixedDelay());
        }
        this.healthThreshold = settings.healthThreshold() != null ? settings.healthThreshold()
                : interval().multipliedBy(3).plus(settings.maxDuration());
        requirePositive("healthThreshold", healthThreshold);
    }

    private static void requirePositive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new InvalidValueException(field, d, "must be a positive duration");
        }
    }

    /** The time between two sweeps: the fixed delay, or the gap between the cron schedule's next two times. */
    private Duration interval() {
        if (cron == null) {
            return settings.fixedDelay();
        }
        ZonedDateTime first = cron.next(ZonedDateTime.now(clock.withZone(ZoneId.systemDefault())));
        ZonedDateTime second = first == null ? null : cron.next(first);
        if (second == null) {
            throw new InvalidValueException("cron", settings.cron(), "never fires twice");
        }
        return Duration.between(first, second);
    }

    @Override
    public synchronized void start() {
        if (executor != null) {
            return;
        }
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "consent-sweeper");
            t.setDaemon(true);
            return t;
        });
        // on stop, a sweep in progress ends by its budget; a sweep not yet begun never starts
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        pool.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        executor = pool;
        startedAt = clock.instant();
        if (cron == null) {
            executor.scheduleWithFixedDelay(this::runOnce, settings.initialDelay().toMillis(),
                    settings.fixedDelay().toMillis(), TimeUnit.MILLISECONDS);
        } else {
            scheduleNextCron(executor);
        }
        LOG.info("consent sweeper {} scheduled: {}, at most {} items and {} per run", sweeper.node(),
                cron == null ? "every " + settings.fixedDelay() + " after the last" : "cron " + settings.cron(),
                settings.maxItems(), settings.maxDuration());
    }

    private void scheduleNextCron(ScheduledExecutorService on) {
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(ZoneId.systemDefault()));
        ZonedDateTime next = cron.next(now);
        if (next == null || on.isShutdown()) {
            return;
        }
        long delay = Math.max(0, Duration.between(now, next).toMillis());
        on.schedule(() -> {
            runOnce();
            scheduleNextCron(on);
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** One sweep with the configured budget, recorded in the totals; never throws. Package-private for tests. */
    void runOnce() {
        Instant at = clock.instant();
        lastRunAt = at;
        try {
            SweepReport report = sweeper.sweep(settings.maxItems(), settings.maxDuration());
            totals.add(report);
            lastReport = report;
            lastSuccessAt = at;
            lastFailure = null;
        } catch (RuntimeException e) {
            totals.failedRuns.incrementAndGet();
            // class and message only: the library's messages name fields and rules, not subjects
            lastFailure = e.getClass().getName();
            LOG.warn("consent sweep on node {} failed", sweeper.node(), e);
        }
    }

    @Override
    public void stop(Runnable callback) {
        ScheduledExecutorService running;
        synchronized (this) {
            running = executor;
            executor = null;
        }
        if (running == null) {
            callback.run();
            return;
        }
        running.shutdown(); // cancels the next run; a sweep in progress is not interrupted and ends by its budget
        Thread waiter = new Thread(() -> {
            try {
                if (!running.awaitTermination(1, TimeUnit.HOURS)) {
                    LOG.warn("consent sweeper {}: the last sweep did not end within an hour", sweeper.node());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                callback.run();
            }
        }, "consent-sweeper-stop");
        waiter.setDaemon(true);
        waiter.start();
    }

    @Override
    public void stop() {
        stop(() -> { });
    }

    @Override
    public boolean isRunning() {
        return executor != null;
    }

    /**
     * The sweeper this scheduler runs.
     *
     * @return the sweeper
     */
    public Sweeper sweeper() {
        return sweeper;
    }

    /**
     * When this node's last sweep started, successful or not; empty before the first.
     *
     * @return the start of the last sweep, or empty
     */
    public Optional<Instant> lastRunAt() {
        return Optional.ofNullable(lastRunAt);
    }

    /**
     * When this node's last successful sweep started; empty before the first.
     *
     * @return the start of the last successful sweep, or empty
     */
    public Optional<Instant> lastSuccessAt() {
        return Optional.ofNullable(lastSuccessAt);
    }

    /**
     * The report of the last successful sweep; empty before the first.
     *
     * @return the last successful sweep's report, or empty
     */
    public Optional<SweepReport> lastReport() {
        return Optional.ofNullable(lastReport);
    }

    /**
     * The exception class of the last sweep when it failed; empty when it succeeded or none ran yet.
     *
     * @return the exception's class name, or empty
     */
    public Optional<String> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    /**
     * When the schedule started; empty while it is stopped and before it first started.
     *
     * @return when the schedule started, or empty
     */
    public Optional<Instant> startedAt() {
        return Optional.ofNullable(startedAt);
    }

    /**
     * How long without a successful sweep the schedule counts as stalled ({@code health-threshold}).
     *
     * @return the threshold; positive
     */
    public Duration healthThreshold() {
        return healthThreshold;
    }

    /**
     * The running totals of every sweep on this node since start-up.
     *
     * @return the live totals, updated after every sweep
     */
    public Totals totals() {
        return totals;
    }

    /** Running totals of this node's sweeps; counters only ever grow. Thread-safe. */
    public static final class Totals {
        private final AtomicLong runs = new AtomicLong();
        private final AtomicLong failedRuns = new AtomicLong();
        private final AtomicLong claimed = new AtomicLong();
        private final AtomicLong disposed = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong held = new AtomicLong();

        Totals() {
        }

        void add(SweepReport r) {
            runs.incrementAndGet();
            claimed.addAndGet(r.claimed());
            disposed.addAndGet(r.disposed());
            failed.addAndGet(r.failed());
            held.addAndGet(r.skippedHeld());
        }

        /**
         * Sweeps that completed (whatever their items' outcomes).
         *
         * @return the number of completed sweeps
         */
        public long runs() {
            return runs.get();
        }

        /**
         * Sweeps that threw (the store unreachable, say).
         *
         * @return the number of failed sweeps
         */
        public long failedRuns() {
            return failedRuns.get();
        }

        /**
         * Items claimed and taken up.
         *
         * @return the number of items claimed
         */
        public long claimed() {
            return claimed.get();
        }

        /**
         * Items disposed of.
         *
         * @return the number of items disposed of
         */
        public long disposed() {
            return disposed.get();
        }

        /**
         * Handler calls that failed or timed out (retried later).
         *
         * @return the number of failed handler calls
         */
        public long failed() {
            return failed.get();
        }

        /**
         * Items skipped for a legal hold.
         *
         * @return the number of items skipped
         */
        public long held() {
            return held.get();
        }
    }
}
