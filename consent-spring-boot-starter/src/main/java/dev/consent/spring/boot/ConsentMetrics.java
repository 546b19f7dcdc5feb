package dev.consent.spring.boot;

import dev.consent.ConsentException;
import dev.consent.ConsentService;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.recipients.OutboxBacklog;
import dev.consent.store.OutboxStore;
import io.micrometer.core.instrument.TimeGauge;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The library's Micrometer meters, from what its services expose. Every tag value comes from a fixed set, and no
 * meter carries personal data (no subject, no request id):
 * <ul>
 *   <li>{@code consent.cache.subjects}: subjects whose ledgers the consent service's cache holds;</li>
 *   <li>{@code consent.sweep.runs} {@code result=completed|failed}: this node's scheduled sweeps;</li>
 *   <li>{@code consent.sweep.items} {@code outcome=claimed|disposed|failed|held}: their items;</li>
 *   <li>{@code consent.rights.requests} {@code state=open|overdue}: open rights requests and those past their
 *       deadline, counted from the store at most once per {@code consent.rights.metrics-refresh} (counting reads every
 *       open request); NaN while the store cannot be read;</li>
 *   <li>{@code consent.checks} {@code purpose=<policy purpose id>, reason=<Reason>, allowed=true|false}: checks
 *       answered; {@code consent.checks.failed}: checks that threw (store unreadable);</li>
 *   <li>{@code consent.cache.requests} {@code result=hit|miss} and {@code consent.cache.hit.ratio};</li>
 *   <li>{@code consent.appends.events} and {@code consent.appends.conflicts}: events appended, appends retried;</li>
 *   <li>{@code consent.feed.lag} and {@code consent.feed.max.staleness} (seconds), when the service reads the
 *       change feed: the time since its last successful read, and the bound past which checks bypass the cache;</li>
 *   <li>{@code consent.outbox.pending} (counted up to 10,000, at most once per refresh interval) and
 *       {@code consent.outbox.oldest.due.age} (seconds since the earliest pending notice to a recipient fell due, 0
 *       when none is overdue): whether recipients are being told (GDPR Art. 19).</li>
 * </ul>
 * The check, cache and append counts need {@code consent.service.record-statistics} (on by default).
 * A meter whose source bean is absent (no scheduler when the sweeper is not scheduled) is not registered.
 */
public class ConsentMetrics implements MeterBinder {
    private static final Logger LOG = LoggerFactory.getLogger(ConsentMetrics.class);

    private final ConsentService consents;
    private final ConsentSweepScheduler scheduler;
    private final RightsService rights;
    private final Duration refresh;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private long countedAtNanos;
    private boolean counted;
    private double open = Double.NaN;
    private double overdue = Double.NaN;
    private final OutboxStore outbox;
    private long backlogAtNanos;
    private boolean backlogRead;
    private OutboxBacklog backlog;

    /**
     * @param consents the consent service, or null to leave out its meter
     * @param scheduler the sweep scheduler, or null to leave out the sweep meters
     * @param rights the rights service, or null to leave out the request meters
     * @param refresh how long the request counts are reused
     */
    public ConsentMetrics(ConsentService consents, ConsentSweepScheduler scheduler, RightsService rights,
            Duration refresh) {
        this(consents, scheduler, rights, null, refresh, System::nanoTime);
    }

    /**
     * @param consents the consent service, or null to leave out its meters
     * @param scheduler the sweep scheduler, or null to leave out the sweep meters
     * @param rights the rights service, or null to leave out the request meters
     * @param outbox the recipients' outbox, or null to leave out the backlog meters
     * @param refresh how long the request counts and the outbox backlog are reused
     */
    public ConsentMetrics(ConsentService consents, ConsentSweepScheduler scheduler, RightsService rights,
            OutboxStore outbox, Duration refresh) {
        this(consents, scheduler, rights, outbox, refresh, System::nanoTime);
    }

    ConsentMetrics(ConsentService consents, ConsentSweepScheduler scheduler, RightsService rights, OutboxStore outbox,
            Duration refresh, LongSupplier nanoTime) {
        this.outbox = outbox;
        this.consents = consents;
        this.scheduler = scheduler;
        this.rights = rights;
        this.refresh = refresh;
        this.clock = consents != null ? consents.clock() : Clock.systemUTC();
        this.nanoTime = nanoTime;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (consents != null) {
            Gauge.builder("consent.cache.subjects", consents, ConsentService::cachedSubjects)
                    .description("Subjects whose ledgers the consent service's cache holds").register(registry);
            new ServiceMeters(consents, nanoTime).bindTo(registry);
        }
        if (outbox != null) {
            Gauge.builder("consent.outbox.pending", this, m -> m.backlog(false))
                    .description("Notices to recipients not yet delivered (counted up to 10000)").register(registry);
            TimeGauge.builder("consent.outbox.oldest.due.age", this, TimeUnit.SECONDS, m -> m.backlog(true))
                    .description("Seconds since the earliest pending notice fell due; 0 when none is overdue")
                    .register(registry);
        }
        if (scheduler != null) {
            ConsentSweepScheduler.Totals t = scheduler.totals();
            runs(registry, "completed", t, ConsentSweepScheduler.Totals::runs);
            runs(registry, "failed", t, ConsentSweepScheduler.Totals::failedRuns);
            items(registry, "claimed", t, ConsentSweepScheduler.Totals::claimed);
            items(registry, "disposed", t, ConsentSweepScheduler.Totals::disposed);
            items(registry, "failed", t, ConsentSweepScheduler.Totals::failed);
            items(registry, "held", t, ConsentSweepScheduler.Totals::held);
        }
        if (rights != null) {
            Gauge.builder("consent.rights.requests", this, m -> m.requests(false)).tag("state", "open")
                    .description("Open rights requests").register(registry);
            Gauge.builder("consent.rights.requests", this, m -> m.requests(true)).tag("state", "overdue")
                    .description("Open rights requests past their deadline").register(registry);
        }
    }

    private static void runs(MeterRegistry registry, String result, ConsentSweepScheduler.Totals t,
            ToDoubleFunction<ConsentSweepScheduler.Totals> f) {
        FunctionCounter.builder("consent.sweep.runs", t, f).tag("result", result)
                .description("Scheduled sweeps on this node").register(registry);
    }

    private static void items(MeterRegistry registry, String outcome, ConsentSweepScheduler.Totals t,
            ToDoubleFunction<ConsentSweepScheduler.Totals> f) {
        FunctionCounter.builder("consent.sweep.items", t, f).tag("outcome", outcome)
                .description("Items of this node's scheduled sweeps, by outcome").register(registry);
    }

    /**
     * The outbox's pending count, or the age in seconds of its earliest due notice; read again when the last read is
     * older than the refresh interval; NaN while the store cannot be read.
     */
    synchronized double backlog(boolean age) {
        long now = nanoTime.getAsLong();
        if (!backlogRead || now - backlogAtNanos >= refresh.toNanos()) {
            backlogRead = true;
            backlogAtNanos = now;
            try {
                backlog = outbox.backlog(OutboxBacklog.MAX_COUNT);
            } catch (ConsentException e) {
                backlog = null;
                LOG.debug("consent metrics: outbox backlog not read", e);
            }
        }
        if (backlog == null) {
            return Double.NaN;
        }
        if (!age) {
            return backlog.pending();
        }
        return backlog.oldestDue().map(due -> Math.max(0, Duration.between(due, clock.instant()).toNanos() / 1e9))
                .orElse(0.0);
    }

    /** The open or overdue count, counted again when the last count is older than the refresh interval. */
    synchronized double requests(boolean overdueOnly) {
        long now = nanoTime.getAsLong();
        if (!counted || now - countedAtNanos >= refresh.toNanos()) {
            counted = true;
            countedAtNanos = now;
            try {
                count();
            } catch (ConsentException e) {
                open = Double.NaN;
                overdue = Double.NaN;
                LOG.debug("consent metrics: rights requests not counted", e);
            }
        }
        return overdueOnly ? overdue : open;
    }

    private void count() {
        Instant now = clock.instant();
        long openCount = 0;
        long overdueCount = 0;
        List<RightsRequest> page = rights.open(RightsService.MAX_PAGE);
        while (true) {
            for (RightsRequest r : page) {
                openCount++;
                if (r.overdueAt(now)) {
                    overdueCount++;
                }
            }
            if (page.size() < RightsService.MAX_PAGE) {
                break;
            }
            page = rights.open(page.get(page.size() - 1), RightsService.MAX_PAGE);
        }
        open = openCount;
        overdue = overdueCount;
    }
}
