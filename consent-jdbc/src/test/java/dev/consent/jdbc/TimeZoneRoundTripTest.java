package dev.consent.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.consent.ledger.Actor;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.LedgerInstants;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.store.Claim;
import dev.consent.store.RetentionStore;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.Tombstone;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Instants survive the trip to the database and back to the microsecond with a non-UTC JVM default zone
 * (surefire runs with America/Sao_Paulo) and a non-UTC database session zone (+05:30, Asia/Kolkata), and
 * are stored as the right absolute instant (read back as UTC text by the database itself).
 */
class TimeZoneRoundTripTest {
    private static final DateTimeFormatter UTC_TEXT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS")
            .withZone(ZoneOffset.UTC);

    /** Instants that expose zone bugs: DST gaps and overlaps in São Paulo as UTC wall-clock, epoch, 2038, edges. */
    private static final List<Instant> INSTANTS = List.of(
            Instant.parse("2018-11-04T00:30:00.654321Z"), // 00:30 on 4 Nov 2018 never happened in São Paulo
            Instant.parse("2018-02-17T23:30:00.000500Z"), // 23:30 on 17 Feb 2018 happened twice in São Paulo
            Instant.parse("1970-01-01T00:00:00.000001Z"),
            Instant.parse("2038-01-19T03:14:08.123456Z"), // past the 32-bit TIMESTAMP range
            Instant.parse("2025-03-30T01:59:59.999999Z"), // a microsecond before Europe's spring-forward
            Instant.parse("1000-01-01T00:00:00.000001Z"), // the start of MariaDB's DATETIME range
            Instant.parse("9999-12-31T23:59:59.999999Z")); // the end of every supported range

    /**
     * The consent ledger's instants: those of {@link #INSTANTS} within {@link LedgerInstants} (the ledger refuses year
     * 1000), and its first instant, 1970-01-01T00:00:00Z.
     */
    private static final List<Instant> LEDGER_INSTANTS = java.util.stream.Stream.concat(
            INSTANTS.stream().filter(LedgerInstants::contains), java.util.stream.Stream.of(LedgerInstants.MIN)).toList();

    @ParameterizedTest
    @EnumSource(Database.class)
    void instantsRoundTripExactlyWhateverTheZones(Database dialect) throws SQLException {
        ZoneId jvm = ZoneId.systemDefault();
        assertThat(jvm.getRules().getOffset(INSTANTS.get(0)))
                .as("this test needs a non-UTC JVM default zone (surefire sets -Duser.timezone=America/Sao_Paulo)")
                .isNotEqualTo(ZoneOffset.UTC);
        String sessionZone = sessionZone(dialect);
        String prefix = Databases.freshPrefix();
        try (HikariDataSource pool = Databases.pool(dialect, sessionZone, 2)) {
            try {
                assertThat(sessionOffsetMinutes(pool, dialect)).as("session time zone offset in minutes").isEqualTo(330);
                JdbcStore store = JdbcStore.builder(pool).tablePrefix(prefix).build();
                SubjectId subject = SubjectId.of("zones");

                List<ConsentEvent> events = new ArrayList<>();
                String previous = ConsentChain.GENESIS;
                for (Instant t : LEDGER_INSTANTS) {
                    Instant recorded = t.equals(Instant.parse("9999-12-31T23:59:59.999999Z")) ? t
                            : t.plus(1, ChronoUnit.MICROS);
                    Optional<Instant> expires = recorded.equals(t) ? Optional.empty() : Optional.of(recorded);
                    NewConsentEvent draft = new NewConsentEvent(EventId.random(), subject, ShopPolicy.MARKETING, 1, "1",
                            Choice.GRANTED, t, recorded, expires, Method.API, Actor.SUBJECT, OptionalInt.empty(),
                            Evidence.NONE);
                    ConsentEvent e = ConsentEvent.chain(draft, events.size() + 1L, previous);
                    previous = e.hash();
                    events.add(e);
                }
                assertThat(store.append(events).appended()).isTrue();

                assertThat(store.events(subject, 0, 100)).containsExactlyElementsOf(events);
                assertThat(store.decisionFacts(List.of(subject)).get(subject))
                        .containsExactlyInAnyOrderElementsOf(events.stream().map(ChoiceFact::of).toList());
                ChainHead head = store.heads(List.of(subject)).get(subject);
                assertThat(ConsentChain.verify(subject, store.events(subject, 0, 100).iterator(), Optional.of(head))
                        .intact()).isTrue();
                assertThat(storedAsUtcText(pool, dialect, prefix)).containsExactlyElementsOf(
                        LEDGER_INSTANTS.stream().map(UTC_TEXT::format).toList());
            } finally {
                Databases.dropTables(pool, prefix);
            }
        }
    }

    /**
     * The instant columns of the retention and rights tables (due, backoff, erasure, lease, holds, audit, tombstones,
     * received-at) round trip exactly, compare in instant order (the due index scan and claims), and are stored as
     * UTC, with the same zones as above.
     */
    @ParameterizedTest
    @EnumSource(Database.class)
    void retentionAndRightsInstantsRoundTripAndCompareWhateverTheZones(Database dialect) throws SQLException {
        String prefix = Databases.freshPrefix();
        try (HikariDataSource pool = Databases.pool(dialect, sessionZone(dialect), 2)) {
            try {
                assertThat(sessionOffsetMinutes(pool, dialect)).as("session time zone offset in minutes").isEqualTo(330);
                JdbcStore store = JdbcStore.builder(pool).tablePrefix(prefix).build();
                List<Instant> byDue = new ArrayList<>();
                for (int i = 0; i < INSTANTS.size(); i++) {
                    Instant t = INSTANTS.get(i);
                    ItemKey key = ItemKey.of("zones-" + i, "access.log");
                    RetainedItem item = RetainedItem.create(key).withAnchors(Map.of(Anchor.COLLECTED, t))
                            .withErasureRequestedAt(t).withDue(t).withRetry(1, t);
                    assertThat(store.saveItem(item)).isTrue();
                    assertThat(store.item(key)).contains(item.nextVersion());
                    byDue.add(t);

                    LegalHold hold = new LegalHold("hold-" + i, SubjectId.of("zones-" + i), Set.of(), "zones", "test", t,
                            Optional.of(new LegalHold.Release("test", "done", t)));
                    store.saveHold(hold);
                    assertThat(store.hold(hold.id())).contains(hold);
                    Tombstone tombstone = new Tombstone("ref-" + i, t);
                    assertThat(store.addTombstone(tombstone)).isTrue();
                    assertThat(store.tombstone("ref-" + i)).contains(tombstone);
                }
                byDue.sort(null);
                Instant end = Instant.parse("9999-12-31T23:59:59.999999Z");
                // the due index scan compares the stored instants with the bound and with each other
                assertThat(store.dueItems(end, 100)).extracting(i -> i.dueAt().orElseThrow())
                        .containsExactlyElementsOf(byDue);
                assertThat(store.dueItems(Instant.parse("2018-11-04T00:30:00.654320Z"), 100))
                        .extracting(i -> i.dueAt().orElseThrow()).containsExactly(byDue.get(0), byDue.get(1),
                                byDue.get(2));
                assertThat(storedAsUtcText(pool, dialect, "due_at", prefix + "items", "subject")).containsExactlyElementsOf(
                        INSTANTS.stream().map(UTC_TEXT::format).toList());

                // claims: the backoff (not_before) compares as an instant; the lease runs on the database's clock,
                // read whatever the session's zone, and is stored as UTC
                Instant gap = Instant.parse("2018-11-04T00:30:00.654321Z");
                Instant before = Instant.now();
                List<Claim> claims = store.claimDue(gap, 100, "node", Duration.ofMinutes(30));
                Instant after = Instant.now();
                assertThat(claims).extracting(c -> c.item().dueAt().orElseThrow())
                        .containsExactly(byDue.get(0), byDue.get(1), byDue.get(2), byDue.get(3));
                Instant leaseUntil = claims.get(0).leaseUntil();
                assertThat(claims).allSatisfy(c -> assertThat(c.leaseUntil()).isEqualTo(leaseUntil));
                // the database's clock need not be this JVM's, but a zone mistake would put it hours away
                assertThat(leaseUntil.minus(Duration.ofMinutes(30)))
                        .isBetween(before.minus(Duration.ofMinutes(10)), after.plus(Duration.ofMinutes(10)));
                assertThat(storedAsUtcText(pool, dialect, "lease_until", prefix + "items WHERE lease_until IS NOT NULL",
                        "subject")).containsOnly(UTC_TEXT.format(leaseUntil));
                assertThat(store.claimDue(gap, 100, "other", Duration.ofMinutes(1))).as("leased").isEmpty();
                Claim c = claims.get(3);
                DisposalRecord audit = new DisposalRecord(0, gap, "ref", "access.log", "", "logs-90d", "7",
                        Optional.of(Anchor.COLLECTED), Optional.of(INSTANTS.get(1)), INSTANTS.get(0),
                        DisposalAction.DELETE, DisposalRecord.Outcome.DISPOSED, 1, "key", "node", Optional.empty());
                assertThat(finish(store, c, c.item().withState(RetainedItem.State.DISPOSED), audit)).isTrue();
                assertThat(store.disposals(0, 10)).containsExactly(audit.withSequence(1));
                Databases.passLeaseTime(pool, dialect, prefix, Duration.ofMinutes(30));
                assertThat(store.claimDue(gap, 100, "other", Duration.ofMinutes(1))).as("the leases ended").hasSize(3);

                RightsRequest request = new RightsRequest("req-zones", SubjectId.of("zones"), RequestType.ACCESS,
                        RequestStatus.RECEIVED, INSTANTS.get(0), Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.empty(), List.of(), 0);
                assertThat(store.saveRequest(request)).isTrue();
                assertThat(store.request("req-zones")).contains(request.nextVersion());
                assertThat(storedAsUtcText(pool, dialect, "received_at", prefix + "rights_requests", "request_id"))
                        .containsExactly(UTC_TEXT.format(INSTANTS.get(0)));
            } finally {
                Databases.dropTables(pool, prefix);
            }
        }
    }

    private static String sessionZone(Database dialect) {
        return switch (dialect) {
            case H2, POSTGRESQL -> "SET TIME ZONE 'Asia/Kolkata'";
            case MARIADB -> "SET time_zone = '+05:30'";
        };
    }

    private static int sessionOffsetMinutes(HikariDataSource pool, Database dialect) throws SQLException {
        String sql = switch (dialect) {
            case H2 -> "SELECT EXTRACT(TIMEZONE_HOUR FROM CURRENT_TIMESTAMP) * 60"
                    + " + EXTRACT(TIMEZONE_MINUTE FROM CURRENT_TIMESTAMP)";
            case POSTGRESQL -> "SELECT EXTRACT(TIMEZONE FROM CURRENT_TIMESTAMP) / 60";
            case MARIADB -> "SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW())";
        };
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return (int) Math.round(rs.getDouble(1));
        }
    }

    /** occurred_at as the database itself prints it in UTC, in sequence order. */
    private static List<String> storedAsUtcText(HikariDataSource pool, Database dialect, String prefix)
            throws SQLException {
        return storedAsUtcText(pool, dialect, "occurred_at", prefix + "events", "seq");
    }

    /** {@code column} of {@code table} as the database itself prints it in UTC, ordered by {@code orderBy}. */
    private static List<String> storedAsUtcText(HikariDataSource pool, Database dialect, String column, String table,
            String orderBy) throws SQLException {
        String utc = switch (dialect) {
            case H2 -> "FORMATDATETIME(" + column + ", 'yyyy-MM-dd''T''HH:mm:ss.SSSSSS', 'en', 'UTC')";
            case POSTGRESQL -> "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')";
            // DATETIME holds UTC wall-clock time by design; the session zone must not have shifted it
            case MARIADB -> "DATE_FORMAT(" + column + ", '%Y-%m-%dT%H:%i:%s.%f')";
        };
        List<String> out = new ArrayList<>();
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + utc + " FROM " + table + " ORDER BY " + orderBy)) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** One finished attempt, recorded through the store's only finishing write, {@code finishClaims}. */
    private static boolean finish(RetentionStore store, Claim claim, RetainedItem updated, DisposalRecord audit) {
        return store.finishClaims(List.of(new RetentionStore.FinishedAttempt(claim, updated, audit))).get(0);
    }
}
