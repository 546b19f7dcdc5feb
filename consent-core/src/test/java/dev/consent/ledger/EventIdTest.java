package dev.consent.ledger;

import dev.consent.InvalidValueException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventIdTest {

    @Test
    void aDerivedIdThatFitsIsTheIdSlashThePart() {
        assertThat(EventId.of("req-1").derive("withdraw").derive("marketing.email"))
                .isEqualTo(EventId.of("req-1/withdraw/marketing.email"));
    }

    @Test
    void aDerivedIdTooLongToStoreIsShortenedWithAHashOfTheWhole() {
        EventId base = EventId.of("x".repeat(EventId.MAX_LENGTH));
        String part = "marketing." + "a".repeat(90);
        EventId derived = base.derive(part);

        assertThat(derived.value()).hasSize(EventId.MAX_LENGTH).startsWith("x".repeat(60))
                .matches("x{67}~[0-9a-f]{32}");
        assertThat(base.derive(part)).as("deterministic").isEqualTo(derived);
        assertThat(base.derive("marketing." + "b".repeat(90))).as("another part, another id").isNotEqualTo(derived);
        assertThat(EventId.of("x".repeat(99)).derive(part)).as("another base, another id").isNotEqualTo(derived);
    }

    @Test
    void aSurrogatePairIsNeverCutInHalf() {
        String emoji = "\uD83D\uDE00"; // one code point, two chars
        EventId base = EventId.of("a".repeat(66) + emoji + "b".repeat(32));
        EventId derived = base.derive("p".repeat(50)); // the cut would fall between the two chars of the emoji
        assertThat(derived.value()).matches("a{66}~[0-9a-f]{32}").hasSize(EventId.MAX_LENGTH - 1);
    }

    @Test
    void theLimitIsOneHundredCharacters() {
        assertThat(EventId.of("y".repeat(EventId.MAX_LENGTH)).value()).hasSize(100);
        assertThatThrownBy(() -> EventId.of("y".repeat(EventId.MAX_LENGTH + 1))).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> EventId.of("y").derive("bad\npart")).isInstanceOf(InvalidValueException.class);
    }
}
