package dev.consent.jdbc.reliability;

import com.zaxxer.hikari.HikariDataSource;
import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.jdbc.Databases;
import dev.consent.jdbc.Database;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes (each its own pool, store instance and {@link ConsentService} cache) on one database, eight threads
 * each, granting and withdrawing on a few shared subjects for a fixed time, with choices whose occurred-at
 * instants arrive out of order and tie. Afterwards every returned event is stored once, no chain forks, and
 * every subject's decision on both nodes, fresh and from the cache, equals a fold of its ledger written here
 * independently of the library: the latest relevant event by occurred-at (a refusal first at one instant), then
 * sequence, where a grant some refusal was recorded after no longer counts.
 */
class TwoNodeConcurrencyTest {
    private static final long SEED = Long.getLong("reliability.seed", 20250417L);
    private static final int THREADS_PER_NODE = 8;
    private static final int SUBJECTS = 6;
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration STALENESS = Duration.ofMillis(250);

    /** Seconds of writing per database: MariaDB commits are slower here, and its run is shorter. */
    private static long seconds(Database dialect) {
        return Long.getLong("reliability.concurrency.seconds", dialect == Database.POSTGRESQL ? 6 : 4);
    }

    @ParameterizedTest
    @EnumSource(value = Database.class, names = {"POSTGRESQL", "MARIADB"})
    void twoNodesTimesEightThreadsAgreeWithAReferenceFoldOfEveryLedger(Database dialect) throws Exception {
        String prefix = Databases.freshPrefix();
        HikariDataSource poolA = Databases.pool(dialect, null, THREADS_PER_NODE + 2);
        HikariDataSource poolB = Databases.pool(dialect, null, THREADS_PER_NODE + 2);
        try {
            JdbcStore storeA = JdbcStore.builder(poolA).tablePrefix(prefix).build();
            JdbcStore storeB = JdbcStore.builder(poolB).tablePrefix(prefix).build();
            try (ConsentService a = node(storeA); ConsentService b = node(storeB)) {
                run(dialect, a, b, storeB);
            }
        } finally {
            Databases.dropTables(poolA, prefix);
            poolA.close();
            poolB.close();
        }
    }

    private static ConsentService node(JdbcStore store) {
        return ConsentService.builder().policy(ShopPolicy.v1()).store(store).changeFeedPollInterval(POLL)
                .maxStaleness(STALENESS).build();
    }

    private static void run(Database dialect, ConsentService a, ConsentService b, JdbcStore store) throws Exception {
        List<SubjectId> subjects = new ArrayList<>();
        for (int i = 0; i < SUBJECTS; i++) {
            subjects.add(SubjectId.of("shared-" + i));
        }
        // choices made within the last hour, on a 10 ms grid so that many tie and the sequence decides
        Instant base = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        List<ConsentEvent> returned = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger reads = new AtomicInteger();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds(dialect));
        ExecutorService pool = Executors.newFixedThreadPool(2 * THREADS_PER_NODE);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 2 * THREADS_PER_NODE; t++) {
            ConsentService node = t % 2 == 0 ? a : b;
            Random random = new Random(SEED * 1_000 + t);
            futures.add(pool.submit(() -> {
                start.await();
                while (System.nanoTime() < deadline) {
                    int op = random.nextInt(10);
                    SubjectId s = subjects.get(random.nextInt(SUBJECTS));
                    if (op < 3) {
                        reads.incrementAndGet();
                        if (op == 0) {
                            node.checkUncached(s, ShopPolicy.MARKETING_EMAIL);
                        } else {
                            node.check(s, ShopPolicy.MARKETING_EMAIL);
                        }
                        continue;
                    }
                    List<ChoiceRecord> batch = new ArrayList<>();
                    batch.add(choice(s, op, random, base));
                    if (op == 9) { // two subjects in one atomic batch
                        batch.add(choice(subjects.get(random.nextInt(SUBJECTS)), 3 + random.nextInt(6), random, base));
                    }
                    returned.addAll(node.record(batch));
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(seconds(dialect) + 120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        // let both caches pass the staleness bound's worth of polling, then compare everything
        Thread.sleep(STALENESS.toMillis() * 2);
        Map<SubjectId, List<ConsentEvent>> returnedBySubject = returned.stream()
                .collect(Collectors.groupingBy(ConsentEvent::subject, TreeMap::new, Collectors.toList()));
        int granted = 0;
        for (SubjectId s : subjects) {
            List<ConsentEvent> ledger = a.history(s);
            assertThat(ledger.stream().map(ConsentEvent::id).collect(Collectors.toSet()))
                    .as("the stored events of %s are exactly those the nodes returned (seed %d)", s, SEED)
                    .isEqualTo(returnedBySubject.getOrDefault(s, List.of()).stream().map(ConsentEvent::id)
                            .collect(Collectors.toSet()));
            assertThat(ledger).hasSameSizeAs(returnedBySubject.getOrDefault(s, List.of()));
            for (ConsentService node : List.of(a, b)) {
                ChainVerification v = node.verify(s);
                assertThat(v.intact()).as("chain of %s: %s", s, v.firstBreak()).isTrue();
            }
            Optional<ConsentEvent> latest = referenceFold(ledger, ShopPolicy.MARKETING_EMAIL);
            boolean allowed = latest.map(e -> e.choice() == Choice.GRANTED).orElse(false);
            Optional<EventRef> restsOn = latest.map(ConsentEvent::ref);
            granted += allowed ? 1 : 0;
            for (ConsentService node : List.of(a, b)) {
                for (Decision d : List.of(node.checkUncached(s, ShopPolicy.MARKETING_EMAIL),
                        node.check(s, ShopPolicy.MARKETING_EMAIL))) {
                    assertThat(d.allowed()).as("decision for %s: %s, reference fold: %s (seed %d)", s, d,
                            latest, SEED).isEqualTo(allowed);
                    assertThat(d.decidingEvent()).as("the event %s's decision rests on", s).isEqualTo(restsOn);
                }
            }
        }
        Set<EventId> distinct = returned.stream().map(ConsentEvent::id).collect(Collectors.toSet());
        assertThat(distinct).hasSize(returned.size());
        System.out.printf("[reliability] concurrency on %s: 2 nodes x %d threads for %d s: %d events appended, "
                        + "%d checks during the run, %d subjects folded (%d allowed at the end), every chain intact, "
                        + "nothing lost (seed %d)%n", dialect, THREADS_PER_NODE, seconds(dialect), returned.size(),
                reads.get(), SUBJECTS, granted, SEED);
        assertThat(store.changeCursor().position()).isPositive();
    }

    private static ChoiceRecord choice(SubjectId s, int op, Random random, Instant base) {
        Instant occurred = base.plusMillis(10L * random.nextInt(300));
        return switch (op) {
            // made when recorded: such a grant is made and recorded after every refusal before it, and stands
            case 3 -> new ChoiceRecord(s, ShopPolicy.MARKETING_EMAIL, Choice.GRANTED, Capture.by(Method.CHECKBOX));
            case 4, 5 -> new ChoiceRecord(s, ShopPolicy.MARKETING_EMAIL, Choice.GRANTED,
                    Capture.by(Method.CHECKBOX).at(occurred));
            case 6, 7 -> new ChoiceRecord(s, ShopPolicy.MARKETING_EMAIL, Choice.WITHDRAWN,
                    Capture.by(Method.ACCOUNT_SETTINGS).at(occurred));
            default -> new ChoiceRecord(s, ShopPolicy.MARKETING, Choice.WITHDRAWN,
                    Capture.by(Method.UNSUBSCRIBE_LINK).at(occurred));
        };
    }

    /**
     * The test's own fold: of the events that decide {@code marketing.email} (its own grants and withdrawals, and
     * refusals of its parent {@code marketing}), the one {@link Workload#decidingChoice} picks: the latest by
     * occurred-at (a refusal first at the same instant), a grant counting only if no refusal was recorded after it.
     */
    private static Optional<ConsentEvent> referenceFold(List<ConsentEvent> ledger, PurposeId purpose) {
        return Workload.decidingChoice(ledger.stream()
                .filter(e -> e.purpose().equals(purpose)
                        || e.purpose().equals(ShopPolicy.MARKETING) && e.choice() != Choice.GRANTED)
                .toList());
    }
}
