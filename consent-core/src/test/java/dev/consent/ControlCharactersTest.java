package dev.consent;

import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.SubjectId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Ids and evidence admit no control characters (tab aside, in free text): the C0 range and DEL, and the C1 range
 * U+0080..U+009F too, which Unicode counts as control characters as well (U+0085 is NEXT LINE, a line break).
 */
class ControlCharactersTest {

    @ParameterizedTest
    @ValueSource(chars = {'\u0000', '\n', '\u001b', '\u007f', '\u0080', '\u0085', '\u009b', '\u009f'})
    void everyControlCharacterIsRefusedNamingTheField(char c) {
        String value = "a" + c + "b";
        assertThatThrownBy(() -> SubjectId.of(value)).isInstanceOfSatisfying(InvalidValueException.class,
                e -> assertThat(e.field()).isEqualTo("subject"));
        assertThatThrownBy(() -> EventId.of(value)).isInstanceOfSatisfying(InvalidValueException.class,
                e -> assertThat(e.field()).isEqualTo("eventId"));
        assertThatThrownBy(() -> Evidence.builder().userAgent(value).build())
                .isInstanceOfSatisfying(InvalidValueException.class,
                        e -> assertThat(e.field()).isEqualTo("evidence.userAgent"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tab\tinside", "\u00a0no-break space", "\u00e9", "\u202Ertl", "zero\u200Bwidth"})
    void printableAndFormatCharactersStayAllowed(String value) {
        assertThat(SubjectId.of(value).value()).isEqualTo(value);
    }
}
