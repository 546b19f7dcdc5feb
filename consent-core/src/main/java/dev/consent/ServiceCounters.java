package dev.consent;

import dev.consent.policy.PurposeId;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counts behind {@link ConsentService#statistics()}: checks by purpose and reason, cache hits and misses, events
 * appended and append conflicts. Off unless {@link ConsentService.Builder#recordStatistics(boolean)} turned it on;
 * then each count is one uncontended {@link LongAdder} increment, and nothing is counted per subject (the counts carry
 * no personal data). The purposes counted are those of the service's policy versions, fixed when it is built, so the
 * number of counters is bounded by the policies, never by what callers pass.
 */
final class ServiceCounters {
    private static final Reason[] REASONS = Reason.values();

    private final boolean on;
    private final Map<PurposeId, Integer> purposeIndex;
    private final List<PurposeId> purposes;
    private final LongAdder[] checks;
    private final LongAdder checkFailures = new LongAdder();
    private final LongAdder cacheHits = new LongAdder();
    private final LongAdder cacheMisses = new LongAdder();
    private final LongAdder appendedEvents = new LongAdder();
    private final LongAdder appendConflicts = new LongAdder();

    private ServiceCounters(boolean on, Collection<PurposeId> purposes) {
        this.on = on;
        this.purposes = List.copyOf(purposes);
        this.purposeIndex = new HashMap<>();
        for (PurposeId p : this.purposes) {
            purposeIndex.put(p, purposeIndex.size());
        }
        this.checks = new LongAdder[on ? this.purposes.size() * REASONS.length : 0];
        for (int i = 0; i < checks.length; i++) {
            checks[i] = new LongAdder();
        }
    }

    static ServiceCounters off() {
        return new ServiceCounters(false, List.of());
    }

    static ServiceCounters of(Collection<PurposeId> purposes) {
        return new ServiceCounters(true, purposes);
    }

    boolean on() {
        return on;
    }

    /** Counts one answered check; a purpose outside the policies (impossible past the policy's own check) is not counted. */
    Decision checked(PurposeId purpose, Decision decision) {
        if (on) {
            Integer i = purposeIndex.get(purpose);
            if (i != null) {
                checks[i * REASONS.length + decision.reason().ordinal()].increment();
            }
        }
        return decision;
    }

    /** As {@link #checked(PurposeId, Decision)} for a check answered by its reason alone; allocates nothing. */
    void checked(PurposeId purpose, Reason reason) {
        if (on) {
            Integer i = purposeIndex.get(purpose);
            if (i != null) {
                checks[i * REASONS.length + reason.ordinal()].increment();
            }
        }
    }

    void checkFailed() {
        if (on) {
            checkFailures.increment();
        }
    }

    void cacheHit() {
        if (on) {
            cacheHits.increment();
        }
    }

    void cacheMiss() {
        if (on) {
            cacheMisses.increment();
        }
    }

    void appended(int events) {
        if (on) {
            appendedEvents.add(events);
        }
    }

    void appendConflict() {
        if (on) {
            appendConflicts.increment();
        }
    }

    /** The checks counted so far, by purpose and reason; only the pairs counted at least once. */
    Map<PurposeId, Map<Reason, Long>> checks() {
        Map<PurposeId, Map<Reason, Long>> out = new LinkedHashMap<>();
        for (int p = 0; p < purposes.size() && on; p++) {
            Map<Reason, Long> byReason = new EnumMap<>(Reason.class);
            for (Reason r : REASONS) {
                long n = checks[p * REASONS.length + r.ordinal()].sum();
                if (n > 0) {
                    byReason.put(r, n);
                }
            }
            if (!byReason.isEmpty()) {
                out.put(purposes.get(p), Collections.unmodifiableMap(byReason));
            }
        }
        return out;
    }

    long checkFailures() {
        return checkFailures.sum();
    }

    long cacheHits() {
        return cacheHits.sum();
    }

    long cacheMisses() {
        return cacheMisses.sum();
    }

    long appendedEvents() {
        return appendedEvents.sum();
    }

    long appendConflicts() {
        return appendConflicts.sum();
    }
}
