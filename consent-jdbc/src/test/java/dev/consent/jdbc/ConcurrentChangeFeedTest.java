package dev.consent.jdbc;

import dev.consent.ledger.Actor;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.store.ConsentStore;
import dev.consent.store.ConsentStore.ChangeRead;
import dev.consent.store.ConsentStore.FeedCursor;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writers append and link from several threads while two readers follow the feed at once, each numbering what has
 * committed as it reads, on every database: the numberings take turns, so each reader sees every entry exactly once,
 * in increasing positions without a gap, and both see the same feed.
 */
class ConcurrentChangeFeedTest {
    private static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");
    private static final int WRITERS = 4;
    private static final int PER_WRITER = 30;

    private final ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 2);
    private DataSource ds;
    private String prefix;

    @AfterEach
    void dropTables() {
        pool.shutdownNow();
        if (ds != null) {
            Databases.dropTables(ds, prefix);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.consent.jdbc.Databases#all")
    void readersNumberingAtOnceEachSeeEveryEntryOnceInOrder(Database dialect) throws Exception {
        ds = Databases.shared(dialect);
        prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(ds).tablePrefix(prefix).build();
        FeedCursor start = store.changeCursor();
        AtomicBoolean writing = new AtomicBoolean(true);

        List<Future<List<Long>>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(pool.submit(() -> {
                List<Long> seen = new ArrayList<>();
                FeedCursor cursor = start;
                while (true) {
                    boolean last = !writing.get(); // read before polling, so the final poll sees every commit
                    ChangeRead read = store.readChanges(cursor, 25);
                    assertThat(read.continuous()).as("nothing prunes the feed here").isTrue();
                    read.changes().forEach(c -> seen.add(c.position()));
                    cursor = read.next();
                    if (last && read.changes().isEmpty()) {
                        return seen;
                    }
                }
            }));
        }
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            writers.add(pool.submit(() -> {
                for (int i = 0; i < PER_WRITER; i++) {
                    SubjectId s = SubjectId.of("w" + writer + "-" + i);
                    if (i % 10 == 9) {
                        store.link(VisitorId.of(writer + "-" + i), s, AT);
                    }
                    assertThat(store.append(List.of(firstEvent(s))).appended()).isTrue();
                }
                return null;
            }));
        }
        for (Future<?> f : writers) {
            f.get(120, TimeUnit.SECONDS);
        }
        writing.set(false);

        List<Long> all = store.readChanges(start, 100_000).changes().stream().map(ConsentStore.Change::position)
                .toList();
        assertThat(all).as("an entry per append and per link").hasSize(WRITERS * PER_WRITER + WRITERS * PER_WRITER / 10);
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i)).as("positions without a gap").isEqualTo(all.get(i - 1) + 1);
        }
        for (Future<List<Long>> reader : readers) {
            assertThat(reader.get(120, TimeUnit.SECONDS)).as("what a reader saw: every entry once, in order")
                    .containsExactlyElementsOf(all);
        }
    }

    private static ConsentEvent firstEvent(SubjectId subject) {
        NewConsentEvent d = new NewConsentEvent(EventId.random(), subject, ShopPolicy.MARKETING, 1, "1", Choice.GRANTED,
                AT, AT, Optional.empty(), Method.API, Actor.SUBJECT, OptionalInt.empty(), Evidence.NONE);
        return ConsentEvent.chain(d, 1, ConsentChain.GENESIS);
    }
}
