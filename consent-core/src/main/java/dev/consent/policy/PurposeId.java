package dev.consent.policy;

import dev.consent.internal.Checks;

/**
 * The id of a processing purpose: {@code marketing.email}, {@code order.fulfilment}. Lower-case
 * dotted segments of {@code [a-z0-9_-]}, at most 100 characters. The dots are only a naming
 * convention; the parent of a purpose is declared explicitly.
 */
public record PurposeId(String value) implements Comparable<PurposeId> {
    public PurposeId {
        Checks.dottedId("purpose", value, 100);
    }

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
