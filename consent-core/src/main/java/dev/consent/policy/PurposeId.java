package dev.consent.policy;

import dev.consent.internal.Checks;

/**
 * The id of a processing purpose: {@code marketing.email}, {@code order.fulfilment}. Lower-case
 * dotted segments of {@code [a-z0-9_-]}, at most 100 characters. The dots are only a naming
 * convention; the parent of a purpose is declared explicitly.
 */
public record PurposeId(String value) implements Comparable<PurposeId> {
    /**
     * @param value lower-case dotted segments of {@code [a-z0-9_-]}, at most 100 characters
     * @throws dev.consent.InvalidValueException when {@code value} breaks that rule
     */
    public PurposeId {
        Checks.dottedId("purpose", value, 100);
    }

    /**
     * @param value the id's text
     * @return the id
     * @throws dev.consent.InvalidValueException when {@code value} breaks the rule of the constructor
     */
    public static PurposeId of(String value) {
        return new PurposeId(value);
    }

    @Override
    public int compareTo(PurposeId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
