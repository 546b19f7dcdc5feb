package dev.consent.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.consent.StoreException;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.store.ConsentStore;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetainedItem;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The schema initializer: idempotent, in order, and safe when several nodes start at once. */
class SchemaInitializerTest {
    private static final Clock CLOCK = Clock.systemUTC();

    /** Every migration's version, in order: the list grows with each migration, the tests need not. */
    private static List<Integer> allVersions() {
        return SchemaInitializer.MIGRATIONS.stream().map(SchemaInitializer.Migration::version).toList();
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void eachMigrationIsAppliedOnce(Database dialect) throws SQLException {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        try {
            SchemaInitializer init = new SchemaInitializer(ds, Dialect.of(dialect), prefix, CLOCK);
            assertThat(init.migrate()).containsExactlyElementsOf(allVersions());
            assertThat(init.migrate()).isEmpty();
            JdbcStore.builder(ds).tablePrefix(prefix).build();
            assertThat(versions(ds, prefix)).containsExactlyElementsOf(allVersions());
            assertThat(count(ds, "SELECT COUNT(*) FROM " + prefix + "feed_lock")).isEqualTo(1);
            assertThat(count(ds, "SELECT COUNT(*) FROM " + prefix + "disposal_counter")).isEqualTo(1);
            assertThat(count(ds, "SELECT COUNT(*) FROM " + prefix + "delivery_counter")).isEqualTo(1);
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    /**
     * Six nodes build a store on one new prefix at the same instant. On PostgreSQL and MariaDB each node gets a
     * data source with its own URL, as separate JVMs would have, so only the database lock keeps them apart.
     */
    @ParameterizedTest
    @EnumSource(Database.class)
    void nodesStartingAtOnceAllGetAWorkingSchema(Database dialect) throws Exception {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<HikariDataSource> nodePools = new ArrayList<>();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<JdbcStore>> nodes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                DataSource nodeDs = switch (dialect) {
                    case H2 -> ds; // an in-memory database lives in this JVM: the JVM-local lock is the one that counts
                    case POSTGRESQL -> Databases.pool(dialect, null, 1, "&ApplicationName=node" + i);
                    case MARIADB -> Databases.pool(dialect, null, 1, "&connectTimeout=1000" + i);
                };
                if (nodeDs instanceof HikariDataSource h) {
                    nodePools.add(h);
                }
                nodes.add(pool.submit(() -> {
                    start.await();
                    return JdbcStore.builder(nodeDs).tablePrefix(prefix).build();
                }));
            }
            start.countDown();
            List<JdbcStore> stores = new ArrayList<>();
            for (Future<JdbcStore> f : nodes) {
                stores.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(versions(ds, prefix)).containsExactlyElementsOf(allVersions());
            assertThat(count(ds, "SELECT COUNT(*) FROM " + prefix + "feed_lock")).isEqualTo(1);
            assertThat(count(ds, "SELECT COUNT(*) FROM " + prefix + "disposal_counter")).isEqualTo(1);
            assertThat(stores.get(0).append(firstEvent("a")).appended()).isTrue();
            assertThat(stores.get(5).changeCursor().position()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
            nodePools.forEach(HikariDataSource::close);
            Databases.dropTables(ds, prefix);
        }
    }

    @Test
    void laterMigrationsAreAppliedInVersionOrderOnAnExistingSchema() throws SQLException {
        DataSource ds = Databases.shared(Database.H2);
        String prefix = Databases.freshPrefix();
        Dialect h2 = Dialect.of(Database.H2);
        SchemaInitializer.Migration v1 = SchemaInitializer.MIGRATIONS.get(0);
        SchemaInitializer.Migration v2 = SchemaInitializer.MIGRATIONS.get(1);
        // V4 as well: this version's appends write the change-feed columns it adds
        SchemaInitializer.Migration v4 = SchemaInitializer.MIGRATIONS.get(3);
        SchemaInitializer.Migration v9 = new SchemaInitializer.Migration(9, "test_marker");
        try {
            assertThat(new SchemaInitializer(ds, h2, prefix, CLOCK, List.of(v1, v4)).migrate()).containsExactly(1, 4);
            JdbcStore v1Only = JdbcStore.builder(ds).tablePrefix(prefix).database(Database.H2).createSchema(false).build();
            assertThat(v1Only.append(firstEvent("a")).appended()).isTrue();
            assertThatThrownBy(() -> v1Only.checkpoint(SubjectId.of("a"))).isInstanceOf(StoreException.class);

            // given out of order on purpose: the initializer sorts by version
            assertThat(new SchemaInitializer(ds, h2, prefix, CLOCK, List.of(v9, v2, v1)).migrate()).containsExactly(2, 9);
            assertThat(count(ds, "SELECT id FROM " + prefix + "test_marker")).as("V9 ran after V1's events existed")
                    .isEqualTo(1);
            assertThat(v1Only.checkpoint(SubjectId.of("a"))).isEmpty();
            assertThat(new SchemaInitializer(ds, h2, prefix, CLOCK, List.of(v1, v2, v4, v9)).migrate()).isEmpty();
            assertThat(versions(ds, prefix)).containsExactly(1, 2, 4, 9);
        } finally {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + prefix + "test_marker");
            }
            Databases.dropTables(ds, prefix);
        }
    }

    /** A store deployed at version 3, holding a ledger and a rights request, gains the recipients' outbox (V10). */
    @ParameterizedTest
    @EnumSource(Database.class)
    void aVersion3SchemaInUseMigratesForwardToTheOutbox(Database dialect) throws SQLException {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        Dialect customization = Dialect.of(dialect);
        try {
            assertThat(new SchemaInitializer(ds, customization, prefix, CLOCK, SchemaInitializer.MIGRATIONS.subList(0, 4))
                    .migrate()).containsExactly(1, 2, 3, 4);
            JdbcStore v3 = JdbcStore.builder(ds).tablePrefix(prefix).database(dialect).createSchema(false).build();
            assertThat(v3.append(firstEvent("a")).appended()).isTrue();
            assertThatThrownBy(() -> v3.notices(SubjectId.of("a"))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("notices");

            JdbcStore v10 = JdbcStore.builder(ds).tablePrefix(prefix).build();
            assertThat(versions(ds, prefix)).containsExactlyElementsOf(allVersions());
            assertThat(v10.events(SubjectId.of("a"), 0, 10)).hasSize(1);
            assertThat(v10.notices(SubjectId.of("a"))).isEmpty();
            assertThat(count(ds, "SELECT COUNT(*) FROM " + prefix + "delivery_counter")).isEqualTo(1);
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    /**
     * A store deployed at version 10, holding retained items, gains the index of undated items (V13) over the rows it
     * already has: its active undated items are listed, its dated and disposed ones are not.
     */
    @ParameterizedTest
    @EnumSource(Database.class)
    void aVersion10SchemaInUseMigratesForwardToTheUndatedIndex(Database dialect) throws SQLException {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        Dialect customization = Dialect.of(dialect);
        try {
            assertThat(new SchemaInitializer(ds, customization, prefix, CLOCK, SchemaInitializer.MIGRATIONS.subList(0, 6))
                    .migrate()).containsExactly(1, 2, 3, 4, 9, 10);
            JdbcStore v10 = JdbcStore.builder(ds).tablePrefix(prefix).database(dialect).createSchema(false).build();
            ItemKey undated = ItemKey.of("a", "account.profile");
            assertThat(v10.saveItem(RetainedItem.create(undated))).isTrue();
            assertThat(v10.saveItem(RetainedItem.create(ItemKey.of("a", "access.log"))
                    .withDue(Instant.parse("2025-01-01T00:00:00Z")))).isTrue();
            assertThat(v10.saveItem(RetainedItem.create(ItemKey.of("b", "account.profile"))
                    .withState(RetainedItem.State.DISPOSED))).isTrue();

            JdbcStore v13 = JdbcStore.builder(ds).tablePrefix(prefix).build();
            assertThat(versions(ds, prefix)).containsExactlyElementsOf(allVersions());
            assertThat(v13.undatedItems(10)).extracting(RetainedItem::key).containsExactly(undated);
            assertThat(v13.saveItem(v13.item(undated).orElseThrow().withState(RetainedItem.State.DISPOSED))).isTrue();
            assertThat(v13.undatedItems(10)).isEmpty();
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    /** A store deployed at version 2, holding a ledger, gains the retention and rights tables without losing it. */
    @ParameterizedTest
    @EnumSource(Database.class)
    void aVersion2SchemaInUseMigratesForwardToVersion3(Database dialect) throws SQLException {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        Dialect customization = Dialect.of(dialect);
        try {
            // V4 as well: this version's appends write the change-feed columns it adds
            assertThat(new SchemaInitializer(ds, customization, prefix, CLOCK, List.of(SchemaInitializer.MIGRATIONS.get(0),
                    SchemaInitializer.MIGRATIONS.get(1), SchemaInitializer.MIGRATIONS.get(3))).migrate())
                    .containsExactly(1, 2, 4);
            JdbcStore v2 = JdbcStore.builder(ds).tablePrefix(prefix).database(dialect).createSchema(false).build();
            assertThat(v2.append(firstEvent("a")).appended()).isTrue();
            assertThatThrownBy(() -> v2.items(SubjectId.of("a"))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("items");

            JdbcStore v3 = JdbcStore.builder(ds).tablePrefix(prefix).build();
            assertThat(versions(ds, prefix)).containsExactlyElementsOf(allVersions());
            assertThat(v3.events(SubjectId.of("a"), 0, 10)).hasSize(1);
            assertThat(v3.saveItem(dev.consent.retention.RetainedItem.create(
                    dev.consent.retention.ItemKey.of("a", "access.log")))).isTrue();
            assertThat(v2.items(SubjectId.of("a"))).hasSize(1);
            assertThat(v3.receipts(SubjectId.of("a"))).as("V11: the receipts table is there, empty").isEmpty();
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    /**
     * A change feed written before V4 (no stamps, no write instants) keeps working: its entries read with stamp 0, a
     * reader that stands on one still follows the feed, and they count as old enough to prune.
     */
    @ParameterizedTest
    @EnumSource(Database.class)
    void aVersion3ChangeFeedMigratesToVersion4(Database dialect) throws SQLException {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        Dialect customization = Dialect.of(dialect);
        try {
            assertThat(new SchemaInitializer(ds, customization, prefix, CLOCK, SchemaInitializer.MIGRATIONS.subList(0, 3))
                    .migrate()).containsExactly(1, 2, 3);
            for (String subject : List.of("old-1", "old-2")) { // what version 3 of this library wrote
                Databases.execute(ds, "INSERT INTO " + prefix + "changes (subject) VALUES ('" + subject + "')");
            }

            JdbcStore v4 = JdbcStore.builder(ds).tablePrefix(prefix).build();
            assertThat(versions(ds, prefix)).containsExactlyElementsOf(allVersions());
            ConsentStore.ChangeRead legacy = v4.readChanges(ConsentStore.FeedCursor.START, 10);
            assertThat(legacy.changes()).extracting(ConsentStore.Change::subject)
                    .containsExactly(SubjectId.of("old-1"), SubjectId.of("old-2"));
            assertThat(legacy.next().stamp()).isZero();
            assertThat(v4.append(firstEvent("new")).appended()).isTrue();
            ConsentStore.ChangeRead next = v4.readChanges(legacy.next(), 10);
            assertThat(next.continuous()).isTrue();
            assertThat(next.changes()).extracting(ConsentStore.Change::subject).containsExactly(SubjectId.of("new"));
            assertThat(next.next().stamp()).isNotZero();

            // the new entry was written at its event's recorded-at, 2025-01-01; the legacy ones have no instant
            assertThat(v4.pruneChanges(Instant.parse("2024-01-01T00:00:00Z"))).as("legacy entries count as old")
                    .isEqualTo(2);
            assertThat(v4.readChanges(legacy.next(), 10).continuous()).isFalse();
            assertThat(v4.readChanges(next.next(), 10).continuous()).isTrue();
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void everyDialectShipsEveryMigrationWrittenIdempotently(Database dialect) {
        SchemaInitializer init = new SchemaInitializer(null, Dialect.of(dialect), "p_", CLOCK);
        for (SchemaInitializer.Migration m : SchemaInitializer.MIGRATIONS) {
            List<String> statements = SchemaInitializer.statements(init.load(m));
            assertThat(statements).as("V%s for %s", m.version(), dialect).isNotEmpty();
            for (String sql : statements) {
                assertThat(sql).doesNotContain("${").contains("p_");
                if (sql.startsWith("CREATE")) {
                    assertThat(sql).as("concurrent starts need idempotent DDL").contains("IF NOT EXISTS");
                }
            }
        }
    }

    @Test
    void scriptsSplitAtLinesEndingInASemicolon() {
        assertThat(SchemaInitializer.statements("-- a comment\nCREATE TABLE x (\n  a INT -- trailing\n);\n\n"
                + "INSERT INTO x VALUES (1);\n"))
                .containsExactly("CREATE TABLE x (\na INT -- trailing\n)", "INSERT INTO x VALUES (1)");
        assertThatThrownBy(() -> SchemaInitializer.statements("CREATE TABLE x (a INT)\n"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("without a semicolon");
    }

    private static List<ConsentEvent> firstEvent(String subject) {
        NewConsentEvent d = new NewConsentEvent(EventId.random(), SubjectId.of(subject), ShopPolicy.MARKETING, 1, "1",
                Choice.GRANTED, Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2025-01-01T00:00:00Z"),
                Optional.empty(), Method.API, Actor.SUBJECT, OptionalInt.empty(), Evidence.NONE);
        return List.of(ConsentEvent.chain(d, 1, ConsentChain.GENESIS));
    }

    private static List<Integer> versions(DataSource ds, String prefix) throws SQLException {
        List<Integer> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM " + prefix + "schema_version ORDER BY version")) {
            while (rs.next()) {
                out.add(rs.getInt(1));
            }
        }
        return out;
    }

    private static long count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
