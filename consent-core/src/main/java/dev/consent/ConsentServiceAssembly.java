package dev.consent;

import dev.consent.internal.Ledger;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyLimits;
import dev.consent.policy.PolicyVersions;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The checks of {@link ConsentService.Builder}, each setting's own and those that depend on several, and the parts a
 * {@link ConsentService} is assembled from once they pass: the ledger loader and cache, the change-feed poller (when
 * the feed is read), the ledger writer and pruner, over one {@link PolicyVersions}.
 */
final class ConsentServiceAssembly {
    final PolicyVersions versions;
    final LedgerLoader loader;
    final ServiceCounters counters;
    final LedgerCache cache;
    /** Null when the change feed is not read. */
    final ChangeFeedPoller poller;
    final LedgerWriter writer;
    final LedgerPruner pruner;

    private ConsentServiceAssembly(ConsentService.Builder b, PolicyVersions versions) {
        this.versions = versions;
        // every age declaration's mark names the one reserved id (its birth date is kept in the mark itself)
        List<dev.consent.policy.PurposeId> ids = new java.util.ArrayList<>(versions.purposeIdsNewestFirst());
        ids.add(dev.consent.ledger.AgeDeclaration.PURPOSE);
        ids.add(dev.consent.ledger.SubjectLocation.PURPOSE); // likewise every location's, its region kept in the mark
        // the policies' own purposes come first: their answers are precomputed when a ledger is cached
        this.loader = new LedgerLoader(b.store,
                Ledger.PurposeTable.of(ids, versions.purposeIdsNewestFirst().size()), versions, b.clock);
        Duration staleness = b.pollInterval == null ? null
                : b.maxStaleness != null ? b.maxStaleness : b.pollInterval.multipliedBy(3);
        this.counters = b.recordStatistics ? ServiceCounters.of(versions.purposeIdsNewestFirst()) : ServiceCounters.off();
        this.cache = new LedgerCache(b.cacheSize, loader, b.ticker,
                staleness == null ? Long.MAX_VALUE : staleness.toNanos(), counters);
        this.writer = new LedgerWriter(b.store, b.clock, b.ipMinimizer, b.futureTolerance, versions,
                cache::invalidateWritten, counters);
        this.pruner = new LedgerPruner(b.store, b.clock, versions, b.checkpointKey, Optional.ofNullable(staleness),
                cache::invalidateWritten);
        // started last: nothing above can fail once the poller's thread runs
        this.poller = b.pollInterval == null ? null
                : ChangeFeedPoller.start(b.store, cache, b.pollInterval.toMillis());
    }

    /** Checks what depends on several settings of {@code b}, then assembles the parts; see {@link ConsentService.Builder#build()}. */
    static ConsentServiceAssembly of(ConsentService.Builder b, List<Policy> policies, PolicyVersions given) {
        if (given != null && !policies.isEmpty()) {
            throw new InvalidValueException("policyVersions", given, "was given as well as policy(...): give the"
                    + " versions one way");
        }
        PolicyVersions versions = given != null ? given : PolicyVersions.of(policies);
        // The cached ledger indexes at most 65,536 purposes: the policies' purposes plus, per subject, those found
        // only in the subject's stored events. Half is kept for the latter (PolicyLimits.MAX_SERVICE_PURPOSES).
        int purposes = versions.purposeIdsNewestFirst().size();
        if (purposes > PolicyLimits.MAX_SERVICE_PURPOSES) {
            throw new InvalidValueException("policy", purposes + " distinct purposes in " + versions.all().size()
                    + " versions", "exceed the " + PolicyLimits.MAX_SERVICE_PURPOSES
                    + " purposes one service may hold (PolicyLimits.MAX_SERVICE_PURPOSES)");
        }
        if (b.store == null) {
            throw new InvalidValueException("store", null, "is required: give the builder a store, e.g. consent-jdbc's"
                    + " JdbcStore, or an InMemoryStore for tests and single-node hosts");
        }
        if (b.maxStaleness != null && b.pollInterval != null && b.maxStaleness.compareTo(b.pollInterval) < 0) {
            throw new InvalidValueException("maxStaleness", b.maxStaleness,
                    "must be at least the poll interval " + b.pollInterval);
        }
        if (b.maxStaleness != null && b.pollInterval == null) {
            throw new InvalidValueException("maxStaleness", b.maxStaleness,
                    "needs changeFeedPollInterval: without polling there is no other node to lag behind");
        }
        return new ConsentServiceAssembly(b, versions);
    }

    static Duration futureTolerance(Duration tolerance) {
        if (tolerance == null || tolerance.isNegative()
                || tolerance.compareTo(ConsentService.MAX_FUTURE_TOLERANCE) > 0) {
            throw new InvalidValueException("futureTolerance", tolerance,
                    "must be between zero and " + ConsentService.MAX_FUTURE_TOLERANCE);
        }
        return tolerance;
    }

    static byte[] checkpointKey(byte[] key) {
        if (key == null || key.length < 16) {
            throw new InvalidValueException("checkpointKey", key == null ? null : key.length + " bytes",
                    "must be at least 16 bytes");
        }
        return key.clone();
    }

    static long cacheSize(long subjects) {
        if (subjects < 0) {
            throw new InvalidValueException("cacheSize", subjects, "must be 0 or more");
        }
        return subjects;
    }

    static int bulkChunkSize(int subjects) {
        if (subjects < 1 || subjects > 100_000) {
            throw new InvalidValueException("bulkChunkSize", subjects, "must be between 1 and 100000");
        }
        return subjects;
    }

    static Duration pollInterval(Duration interval) {
        if (interval == null || interval.isNegative() || interval.toMillis() < 1) {
            throw new InvalidValueException("changeFeedPollInterval", interval, "must be at least 1 ms");
        }
        return interval;
    }

    static Duration maxStaleness(Duration bound) {
        if (bound == null || bound.isNegative() || bound.isZero()) {
            throw new InvalidValueException("maxStaleness", bound, "must be a positive duration");
        }
        return bound;
    }
}
