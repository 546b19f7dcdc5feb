package dev.consent.policy;

import dev.consent.internal.Checks;

/**
 * The id of a data category in an open, dotted taxonomy: {@code contact.email}, {@code order.record},
 * {@code device.ip}. Lower-case segments of {@code [a-z0-9_-]}, at most 100 characters.
 */
public record CategoryId(String value) implements Comparable<CategoryId> {
    /**
     * @param value lower-case dotted segments of {@code [a-z0-9_-]}, at most 100 characters
     * @throws dev.consent.InvalidValueException when {@code value} breaks that rule
     */
    public CategoryId {
        Checks.dottedId("category", value, 100);
    }

    /**
     * @param value the id's text
     * @return the id
     * @throws dev.consent.InvalidValueException when {@code value} breaks the rule of the constructor
     */
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
