package dev.consent.jdbc;

import dev.consent.ledger.Actor;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bulk reads are set-based and appends are batched: the number of statements depends on the number of chunks,
 * never on the number of subjects or events.
 */
class SetBasedSqlTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456Z");

    @ParameterizedTest
    @EnumSource(Database.class)
    void statementsGrowWithChunksNotWithRows(Database dialect) {
        SwitchableDataSource db = new SwitchableDataSource(Databases.shared(dialect));
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        int chunk = Dialect.of(dialect).chunkSize();
        try {
            // 1,200 events of 600 subjects in one append: one connection, a fixed number of statements
            List<ConsentEvent> batch = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                batch.addAll(twoEvents("s" + i));
            }
            db.resetCounts();
            assertThat(store.append(batch).appended()).isTrue();
            assertThat(db.connectionRequests).hasValue(1);
            // all subjects are new (no head row to lock or update) and none is a visitor (no links to read); no lock
            // for the feed: its entries are numbered later
            if (dialect == Database.POSTGRESQL) {
                // one statement over array parameters: head inserts, events, changes and the change notification
                assertThat(db.statements).as("one statement for the whole append").hasValue(1);
                assertThat(db.singleUpdates).as("it returns rows: executed as a query").hasValue(0);
                assertThat(db.batches).hasValue(0);
            } else {
                assertThat(db.statements).as("head inserts, events, changes").hasValue(3);
                assertThat(db.singleUpdates).as("rows sent one by one").hasValue(0);
                assertThat(db.batches).as("head inserts, 2 event batches of 1,000 rows at most, changes").hasValue(4);
            }

            for (int i = 0; i < 10; i++) {
                store.link(VisitorId.of(String.valueOf(i)), SubjectId.of("s" + i), T0);
            }
            store.append(twoEvents("visitor:7"));

            List<SubjectId> asked = new ArrayList<>();
            for (int i = 0; i < 1_500; i++) {
                asked.add(SubjectId.of("s" + i));
            }
            db.resetCounts();
            Map<SubjectId, List<ChoiceFact>> found = store.decisionFacts(asked);
            int askedChunks = (1_500 + chunk - 1) / chunk;
            assertThat(db.statements).as("one query per chunk of %s subjects", chunk).hasValue(askedChunks);
            assertThat(db.connectionRequests).hasValue(1);
            assertThat(found).hasSize(1_500);
            assertThat(found.get(SubjectId.of("s7"))).hasSize(4); // its own two and visitor-7's two
            assertThat(found.get(SubjectId.of("s599"))).hasSize(2);
            assertThat(found.get(SubjectId.of("s600"))).isEmpty();

            db.resetCounts();
            assertThat(store.heads(asked)).hasSize(600);
            assertThat(store.findEvents(batch.stream().map(ConsentEvent::id).toList())).hasSize(1_200);
            int idChunks = (1_200 + chunk - 1) / chunk;
            assertThat(db.statements).hasValue(askedChunks + idChunks);
        } finally {
            Databases.dropTables(db, prefix);
        }
    }

    private static List<ConsentEvent> twoEvents(String subject) {
        NewConsentEvent grant = new NewConsentEvent(EventId.random(), SubjectId.of(subject), ShopPolicy.MARKETING, 1,
                "1", Choice.GRANTED, T0, T0, Optional.empty(), Method.API, Actor.SUBJECT, OptionalInt.empty(),
                Evidence.NONE);
        NewConsentEvent withdraw = new NewConsentEvent(EventId.random(), SubjectId.of(subject), ShopPolicy.MARKETING, 1,
                "1", Choice.WITHDRAWN, T0.plusSeconds(1), T0.plusSeconds(1), Optional.empty(), Method.API,
                Actor.SUBJECT, OptionalInt.empty(), Evidence.NONE);
        ConsentEvent first = ConsentEvent.chain(grant, 1, ConsentChain.GENESIS);
        return List.of(first, ConsentEvent.chain(withdraw, 2, first.hash()));
    }
}
