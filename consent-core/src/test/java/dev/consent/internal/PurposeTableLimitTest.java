package dev.consent.internal;

import dev.consent.ConsentException;
import dev.consent.InvalidValueException;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A cached ledger names each mark's purpose with 16 bits, so it can index 65,536 purposes. More must be refused
 * with a {@link ConsentException} naming field, value and rule, never packed into the bits of the mark's choice
 * (which turned a grant into another choice, or pointed the mark at another purpose).
 */
class PurposeTableLimitTest {
    private static final SubjectId SUBJECT = SubjectId.of("customer-4711");

    private static List<PurposeId> ids(String prefix, int n) {
        List<PurposeId> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(PurposeId.of(prefix + i));
        }
        return out;
    }

    private static ChoiceFact granted(long sequence, PurposeId purpose) {
        Instant at = Instant.parse("2025-01-01T00:00:00Z").plusSeconds(sequence);
        return new ChoiceFact(SUBJECT, sequence, purpose, Choice.GRANTED, at, at, Optional.empty(), 1,
                OptionalInt.empty(), false, false);
    }

    @Test
    void aTableOfMoreThan65536PurposesIsRefused() {
        // Before: accepted, and a mark of purpose index 65,536 read back as index 0 with a changed choice.
        InvalidValueException e = catchThrowableOfType(() -> Ledger.PurposeTable.of(ids("p", 65_537)),
                InvalidValueException.class);

        assertThat(e).isNotNull();
        assertThat(e.field()).isEqualTo("purposes");
        assertThat(e.value()).isEqualTo("65537 distinct purposes");
        assertThat(e.rule()).isEqualTo("exceed the 65536 purposes a cached ledger can index");
    }

    @Test
    void purposesFoundOnlyInEventsFillTheTableExactlyAndNoFurther() {
        Ledger.PurposeTable table = Ledger.PurposeTable.of(ids("p", 65_000));
        List<ChoiceFact> fits = new ArrayList<>();
        // one event for the table's last purpose, then 536 purposes that only the events name: index 65,535 at most
        fits.add(granted(1, PurposeId.of("p64999")));
        ids("only.in.events.e", 536).forEach(p -> fits.add(granted(fits.size() + 1, p)));

        Ledger ledger = Ledger.of(SUBJECT, fits, table);

        assertThat(ledger.size()).isEqualTo(537);
        for (int i = 0; i < ledger.size(); i++) {
            assertThat(ledger.purpose(i)).isEqualTo(fits.get(i).purpose());
            assertThat(ledger.choice(i)).isEqualTo(Choice.GRANTED);
            assertThat(ledger.sequence(i)).isEqualTo(i + 1);
        }

        // one more purpose than fits: refused, naming the first purpose that did not fit (never the subject)
        List<ChoiceFact> tooMany = new ArrayList<>(fits);
        tooMany.add(granted(tooMany.size() + 1, PurposeId.of("one.too.many")));
        // Before: IllegalStateException, which is no ConsentException and names no field.
        InvalidValueException e = catchThrowableOfType(() -> Ledger.of(SUBJECT, tooMany, table),
                InvalidValueException.class);
        assertThat(e).isNotNull().isInstanceOf(ConsentException.class);
        assertThat(e.field()).isEqualTo("purpose");
        assertThat(e.value()).isEqualTo("one.too.many");
        assertThat(e.rule()).isEqualTo("is one of 537 purposes found only in stored events that, with the 65000 of "
                + "the policies, exceed the 65536 purposes a cached ledger can index");
        assertThat(e.getMessage()).doesNotContain(SUBJECT.value());
    }
}
