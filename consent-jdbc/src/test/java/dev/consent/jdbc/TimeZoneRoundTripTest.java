package dev.consent.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.consent.ledger.Actor;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

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

    @ParameterizedTest
    @EnumSource(Dialect.class)
    void instantsRoundTripExactlyWhateverTheZones(Dialect dialect) throws SQLException {
        ZoneId jvm = ZoneId.systemDefault();
        assertThat(jvm.getRules().getOffset(INSTANTS.get(0)))
                .as("this test needs a non-UTC JVM default zone (surefire sets -Duser.timezone=America/Sao_Paulo)")
                .isNotEqualTo(ZoneOffset.UTC);
        String sessionZone = switch (dialect) {
            case H2, POSTGRESQL -> "SET TIME ZONE 'Asia/Kolkata'";
            case MARIADB -> "SET time_zone = '+05:30'";
        };
        String prefix = Databases.freshPrefix();
        try (HikariDataSource pool = Databases.pool(dialect, sessionZone, 2)) {
            try {
                assertThat(sessionOffsetMinutes(pool, dialect)).as("session time zone offset in minutes").isEqualTo(330);
                JdbcStore store = JdbcStore.builder(pool).tablePrefix(prefix).build();
                SubjectId subject = SubjectId.of("zones");

                List<ConsentEvent> events = new ArrayList<>();
                String previous = ConsentChain.GENESIS;
                for (Instant t : INSTANTS) {
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
                assertThat(store.decisionEvents(List.of(subject)).get(subject)).containsExactlyInAnyOrderElementsOf(events);
                ChainHead head = store.heads(List.of(subject)).get(subject);
                assertThat(ConsentChain.verify(subject, store.events(subject, 0, 100).iterator(), Optional.of(head))
                        .intact()).isTrue();
                assertThat(storedAsUtcText(pool, dialect, prefix)).containsExactlyElementsOf(
                        INSTANTS.stream().map(UTC_TEXT::format).toList());
            } finally {
                Databases.dropTables(pool, prefix);
            }
        }
    }

    private static int sessionOffsetMinutes(HikariDataSource pool, Dialect dialect) throws SQLException {
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
    private static List<String> storedAsUtcText(HikariDataSource pool, Dialect dialect, String prefix)
            throws SQLException {
        String column = switch (dialect) {
            case H2 -> "FORMATDATETIME(occurred_at, 'yyyy-MM-dd''T''HH:mm:ss.SSSSSS', 'en', 'UTC')";
            case POSTGRESQL -> "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')";
            // DATETIME holds UTC wall-clock time by design; the session zone must not have shifted it
            case MARIADB -> "DATE_FORMAT(occurred_at, '%Y-%m-%dT%H:%i:%s.%f')";
        };
        List<String> out = new ArrayList<>();
        try (Connection c = pool.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM " + prefix
                     + "events ORDER BY seq")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
