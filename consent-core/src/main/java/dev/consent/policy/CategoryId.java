package dev.consent.policy;

import dev.consent.internal.Checks;

/**
 * The id of a data category in an open, dotted taxonomy: {@code contact.email}, {@code order.record},
 * {@code device.ip}. Lower-case segments of {@code [a-z0-9_-]}, at most 100 characters.
 */
public record CategoryId(String value) implements Comparable<CategoryId> {
    public CategoryId {
        Checks.dottedId("category", value, 100);
    }

    public static CategoryId of(String value) {
        return new CategoryId(value);
    }

    @Override
    public int compareTo(CategoryId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
