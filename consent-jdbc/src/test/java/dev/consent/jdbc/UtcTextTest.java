package dev.consent.jdbc;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The hand-written text of an instant in PostgreSQL's array parameters is what the pattern
 * {@code uuuu-MM-dd HH:mm:ss.SSSSSS+00} gives, over the whole stored range, and refuses what the columns cannot hold.
 */
class UtcTextTest {
    private static final DateTimeFormatter PATTERN = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS'+00'");

    @Test
    void matchesTheFormatterOverTheStoredRange() {
        Dialect pg = Dialect.of(Database.POSTGRESQL);
        for (Instant t : new Instant[] {pg.minInstant(), pg.maxInstant(), Instant.EPOCH,
                Instant.parse("0999-12-31T23:59:59.000001Z"), Instant.parse("2024-02-29T07:08:09.123456789Z")}) {
            assertThat(PostgresDialect.utcText(t)).as(t.toString()).isEqualTo(expected(t));
        }
        Random random = new Random(20);
        long min = pg.minInstant().getEpochSecond();
        long max = pg.maxInstant().getEpochSecond();
        for (int i = 0; i < 20_000; i++) {
            Instant t = Instant.ofEpochSecond(min + (long) (random.nextDouble() * (max - min)),
                    random.nextInt(1_000_000_000));
            assertThat(PostgresDialect.utcText(t)).as(t.toString()).isEqualTo(expected(t));
        }
    }

    @Test
    void refusesYearsTheColumnsDoNotHold() {
        assertThatThrownBy(() -> PostgresDialect.utcText(Instant.parse("+10000-01-01T00:00:00Z")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("years 1 to 9999");
        assertThatThrownBy(() -> PostgresDialect.utcText(Instant.parse("0000-12-31T23:59:59Z")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("years 1 to 9999");
    }

    private static String expected(Instant t) {
        return PATTERN.format(LocalDateTime.ofInstant(t, ZoneOffset.UTC));
    }
}
