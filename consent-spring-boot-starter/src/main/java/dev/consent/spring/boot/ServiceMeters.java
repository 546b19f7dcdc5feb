package dev.consent.spring.boot;

import dev.consent.ConsentService;
import dev.consent.ConsentStatistics;
import dev.consent.Reason;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The consent service's meters, read from {@link ConsentService#statistics()}: checks by purpose and reason, check
 * failures, cache hits and misses, appended events and append conflicts, and the change feed's age. One snapshot
 * serves every meter read within a second, so a scrape of many meters costs one snapshot. Tag values are purpose ids
 * of the service's policy versions and {@link Reason} names: bounded by the policy, never by callers, and never a
 * subject.
 */
final class ServiceMeters {
    private static final long SNAPSHOT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ConsentService consents;
    private final LongSupplier nanoTime;
    private ConsentStatistics snapshot;
    private long takenAtNanos;

    ServiceMeters(ConsentService consents, LongSupplier nanoTime) {
        this.consents = consents;
        this.nanoTime = nanoTime;
    }

    void bindTo(MeterRegistry registry) {
        Set<PurposeId> purposes = new LinkedHashSet<>();
        for (Policy version : consents.policyVersions().all()) {
            version.purposes().forEach(p -> purposes.add(p.id()));
        }
        for (PurposeId purpose : purposes) {
            for (Reason reason : Reason.values()) {
                FunctionCounter.builder("consent.checks", this, m -> m.checks(purpose, reason))
                        .tag("purpose", purpose.value()).tag("reason", reason.name())
                        .tag("allowed", Boolean.toString(reason.allows()))
                        .description("Consent checks answered, by purpose and reason").register(registry);
            }
        }
        counter(registry, "consent.checks.failed", ConsentStatistics::checkFailures,
                "Consent checks that threw instead of answering (the store could not be read)");
        FunctionCounter.builder("consent.cache.requests", this, m -> m.read(ConsentStatistics::cacheHits))
                .tag("result", "hit").description("Checks answered from the ledger cache").register(registry);
        FunctionCounter.builder("consent.cache.requests", this, m -> m.read(ConsentStatistics::cacheMisses))
                .tag("result", "miss").description("Checks that read the store").register(registry);
        Gauge.builder("consent.cache.hit.ratio", this, m -> m.current().cacheHitRatio())
                .description("Share of checks answered from the cache since start").register(registry);
        counter(registry, "consent.appends.events", ConsentStatistics::appendedEvents,
                "Consent events this node appended");
        counter(registry, "consent.appends.conflicts", ConsentStatistics::appendConflicts,
                "Appends refused because another writer moved a chain head first (each retried)");
        if (current().feed().read()) {
            TimeGauge.builder("consent.feed.lag", this, TimeUnit.SECONDS,
                    m -> m.current().feed().sinceLastRead().toNanos() / 1e9)
                    .description("Time since the last successful read of the change feed started").register(registry);
            TimeGauge.builder("consent.feed.max.staleness", this, TimeUnit.SECONDS,
                    m -> m.current().feed().maxStaleness().toNanos() / 1e9)
                    .description("The staleness bound past which checks bypass the cache").register(registry);
        }
    }

    private void counter(MeterRegistry registry, String name, ToDoubleFunction<ConsentStatistics> f,
            String description) {
        FunctionCounter.builder(name, this, m -> m.read(f)).description(description).register(registry);
    }

    private double read(ToDoubleFunction<ConsentStatistics> f) {
        return f.applyAsDouble(current());
    }

    private double checks(PurposeId purpose, Reason reason) {
        Map<Reason, Long> byReason = current().checks().get(purpose);
        Long n = byReason == null ? null : byReason.get(reason);
        return n == null ? 0 : n;
    }

    /** The snapshot taken within the last second, or a new one. */
    synchronized ConsentStatistics current() {
        long now = nanoTime.getAsLong();
        if (snapshot == null || now - takenAtNanos >= SNAPSHOT_NANOS) {
            snapshot = consents.statistics();
            takenAtNanos = now;
        }
        return snapshot;
    }
}
