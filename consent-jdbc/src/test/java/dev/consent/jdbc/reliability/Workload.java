package dev.consent.jdbc.reliability;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.StoreException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.testing.ShopPolicy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Writers and checkers running against a consent service while a test breaks its database. A writer retries a
 * failed record with the same event id until it is stored (the documented recovery, also after a commit whose
 * outcome is unknown), so at the end every record must be stored exactly once. Checkers accept a decision or a
 * {@link StoreException} and nothing else; subjects that are only ever refused must never be answered "allowed".
 */
final class Workload {
    static final int GRANTING = 4;
    static final int REFUSING = 2;

    private final ConsentService consents;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService pool;
    private final List<Future<?>> futures = new ArrayList<>();
    final Map<EventId, SubjectId> acked = new ConcurrentHashMap<>();
    final AtomicInteger failedWrites = new AtomicInteger();
    final AtomicInteger unknownOutcomes = new AtomicInteger();
    final AtomicInteger checksAnswered = new AtomicInteger();
    final AtomicInteger checksRefused = new AtomicInteger();
    final Set<String> failureKinds = ConcurrentHashMap.newKeySet();

    Workload(ConsentService consents, int writers, int checkers, long seed, long giveUpMillis) {
        this.consents = consents;
        this.pool = Executors.newFixedThreadPool(writers + checkers);
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Random random = new Random(seed + w);
            futures.add(pool.submit(() -> {
                for (int i = 0; !stop.get(); i++) {
                    boolean refuser = random.nextInt(3) == 0;
                    SubjectId s = refuser ? SubjectId.of("refuser-" + random.nextInt(REFUSING))
                            : SubjectId.of("granting-" + random.nextInt(GRANTING));
                    Choice choice = refuser ? (random.nextBoolean() ? Choice.DENIED : Choice.WITHDRAWN)
                            : (random.nextBoolean() ? Choice.GRANTED : Choice.WITHDRAWN);
                    EventId id = EventId.of("w" + writer + "-" + i);
                    ChoiceRecord r = new ChoiceRecord(s, ShopPolicy.MARKETING_EMAIL, choice,
                            Capture.by(Method.API).withEventId(id));
                    long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(giveUpMillis);
                    while (true) {
                        try {
                            consents.record(List.of(r));
                            acked.put(id, s);
                            break;
                        } catch (StoreException e) {
                            failedWrites.incrementAndGet();
                            failureKinds.add(e.operation());
                            if (e.getMessage().contains("unknown")) {
                                unknownOutcomes.incrementAndGet();
                            }
                            if (System.nanoTime() > giveUp) {
                                throw new AssertionError("record " + id + " still failing after " + giveUpMillis
                                        + " ms: the service did not recover", e);
                            }
                            Thread.sleep(25);
                        }
                    }
                }
                return null;
            }));
        }
        for (int c = 0; c < checkers; c++) {
            Random random = new Random(seed * 7 + c);
            futures.add(pool.submit(() -> {
                while (!stop.get()) {
                    boolean refuser = random.nextBoolean();
                    SubjectId s = refuser ? SubjectId.of("refuser-" + random.nextInt(REFUSING))
                            : SubjectId.of("granting-" + random.nextInt(GRANTING));
                    try {
                        Decision d = random.nextBoolean() ? consents.check(s, ShopPolicy.MARKETING_EMAIL)
                                : consents.checkUncached(s, ShopPolicy.MARKETING_EMAIL);
                        if (refuser && d.allowed()) {
                            fail("a subject that never granted was answered allowed: " + d);
                        }
                        checksAnswered.incrementAndGet();
                    } catch (StoreException e) {
                        checksRefused.incrementAndGet();
                        Thread.sleep(10);
                    }
                    Thread.sleep(2);
                }
                return null;
            }));
        }
    }

    /** Stops the workload and waits for every writer to finish its record (bounded). */
    void stop() throws Exception {
        stop.set(true);
        for (Future<?> f : futures) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * Every acknowledged record is stored, exactly once; every chain verifies; every subject's fresh decision is
     * the one {@link #decidingChoice} picks.
     */
    void assertNothingLost(String what) {
        Map<SubjectId, Set<EventId>> bySubject = acked.entrySet().stream().collect(Collectors.groupingBy(
                Map.Entry::getValue, Collectors.mapping(Map.Entry::getKey, Collectors.toSet())));
        for (int k = 0; k < GRANTING + REFUSING; k++) {
            SubjectId s = SubjectId.of(k < GRANTING ? "granting-" + k : "refuser-" + (k - GRANTING));
            List<ConsentEvent> history = consents.history(s);
            assertThat(history.stream().map(ConsentEvent::id).collect(Collectors.toSet()))
                    .as("%s: the events of %s are exactly the acknowledged ones", what, s)
                    .isEqualTo(bySubject.getOrDefault(s, Set.of()));
            assertThat(history).as("%s: no event of %s is stored twice", what, s)
                    .hasSameSizeAs(bySubject.getOrDefault(s, Set.of()));
            ChainVerification v = consents.verify(s);
            assertThat(v.intact()).as("%s: chain of %s: %s", what, s, v.firstBreak()).isTrue();
            Optional<ConsentEvent> latest = decidingChoice(history);
            assertThat(consents.checkUncached(s, ShopPolicy.MARKETING_EMAIL).allowed())
                    .as("%s: decision of %s", what, s)
                    .isEqualTo(latest.map(e -> e.choice() == Choice.GRANTED).orElse(false));
        }
    }

    /**
     * The test's own reading of the decision rules for one chain's relevant events (grants and refusals): a grant
     * some refusal was recorded after (a higher sequence) is out of the running, whatever its occurred-at; of the
     * rest the latest by occurred-at, a refusal before a grant at the same instant, then by sequence.
     */
    static Optional<ConsentEvent> decidingChoice(List<ConsentEvent> chain) {
        long lastRefusal = chain.stream().filter(e -> e.choice() != Choice.GRANTED)
                .mapToLong(ConsentEvent::sequence).max().orElse(0);
        return chain.stream().filter(e -> e.choice() != Choice.GRANTED || e.sequence() > lastRefusal)
                .max(Comparator.comparing(ConsentEvent::occurredAt)
                        .thenComparing(e -> e.choice() != Choice.GRANTED)
                        .thenComparingLong(ConsentEvent::sequence));
    }

    String summary() {
        return acked.size() + " records stored, " + failedWrites.get() + " write attempts failed ("
                + unknownOutcomes.get() + " with unknown outcome, retried with the same event id; failed in "
                + failureKinds + "), " + checksAnswered.get() + " checks answered, " + checksRefused.get()
                + " refused with StoreException";
    }
}
