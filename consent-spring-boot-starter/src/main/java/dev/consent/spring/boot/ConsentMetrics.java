package dev.consent.spring.boot;

import dev.consent.ConsentException;
import dev.consent.ConsentService;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
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
 *       open request); NaN while the store cannot be read.</li>
 * </ul>
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

    /**
     * @param consents the consent service, or null to leave out its meter
     * @param scheduler the sweep scheduler, or null to leave out the sweep meters
     * @param rights the rights service, or null to leave out the request meters
     * @param refresh how long the request counts are reused
     */
    public ConsentMetrics(ConsentService consents, ConsentSweepScheduler scheduler, RightsService rights,
            Duration refresh) {
        this(consents, scheduler, rights, refresh, System::nanoTime);
    }

    ConsentMetrics(ConsentService consents, ConsentSweepScheduler scheduler, RightsService rights, Duration refresh,
            LongSupplier nanoTime) {
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
