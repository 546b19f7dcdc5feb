package dev.consent.bench;

import dev.consent.ConsentService;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.store.InMemoryStore;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Heap per cached subject: the retained heap of a warm cache divided by the subjects in it. Not a JMH benchmark,
 * because what is measured is bytes, not time: the heap in use after full collections with every subject cached,
 * minus the heap in use before anything was cached (so Caffeine's frequency sketch, which grows with the cache and
 * outlives {@link ConsentService#invalidateCache()}, is counted). The cache keys are fresh {@link SubjectId}
 * instances that nothing else holds, as when a request parses the id, so key, string and bytes are counted. Each
 * subject has two events (newsletter and profiling granted). The yardstick is a {@link ConcurrentHashMap} from the
 * same kind of fresh key to a shared {@code Boolean}. Target: at most 300 bytes per cached subject.
 *
 * <p>Run: {@code java -XX:+UseSerialGC -Xmx4g -cp benchmarks.jar dev.consent.bench.CacheFootprint [subjects]}.
 */
public final class CacheFootprint {
    private CacheFootprint() {
    }

    public static void main(String[] args) {
        int subjects = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        try (ConsentService service = ConsentService.builder().policy(BenchPolicy.policy()).store(new InMemoryStore())
                .cacheSize(subjects + 1L).build()) {
            List<ChoiceRecord> batch = new ArrayList<>();
            for (int i = 0; i < subjects; i++) {
                SubjectId id = SubjectId.of("customer-" + i);
                batch.add(new ChoiceRecord(id, BenchPolicy.NEWSLETTER, Choice.GRANTED, Capture.by(Method.CHECKBOX)));
                batch.add(new ChoiceRecord(id, BenchPolicy.PROFILING, Choice.GRANTED, Capture.by(Method.CHECKBOX)));
                if (batch.size() >= 10_000) {
                    service.record(batch);
                    batch.clear();
                }
            }
            service.record(batch);
            service.invalidateCache(); // recording warms the cache with the service's own keys; start empty

            long empty = usedAfterGc();
            for (int i = 0; i < subjects; i++) {
                if (!service.check(SubjectId.of("customer-" + i), BenchPolicy.NEWSLETTER).allowed()) {
                    throw new IllegalStateException("customer-" + i + " should be allowed");
                }
            }
            long full = usedAfterGc();
            long cached = service.cachedSubjects();
            if (cached != subjects) {
                throw new IllegalStateException(cached + " subjects cached, expected " + subjects);
            }
            service.invalidateCache();
            long emptyAgain = usedAfterGc();

            ConcurrentHashMap<SubjectId, Boolean> map = new ConcurrentHashMap<>();
            for (int i = 0; i < subjects; i++) {
                map.put(SubjectId.of("customer-" + i), Boolean.TRUE);
            }
            long withMap = usedAfterGc();
            int mapSize = map.size();
            map = null;
            long withoutMap = usedAfterGc();

            // Measured from the heap before anything was cached: Caffeine's frequency sketch grows with the cache and
            // stays after invalidation (emptyAgain > empty), and it is part of what caching costs.
            double perSubject = (double) (full - empty) / subjects;
            double perMapEntry = (double) (withMap - withoutMap) / mapSize;
            System.out.printf("subjects=%d cached=%d heap per cached subject=%.0f bytes (filled %d, emptied %d/%d)%n",
                    subjects, cached, perSubject, full, empty, emptyAgain);
            System.out.printf("yardstick ConcurrentHashMap<SubjectId,Boolean> per entry=%.0f bytes; ratio %.2f%n",
                    perMapEntry, perSubject / perMapEntry);
        }
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
