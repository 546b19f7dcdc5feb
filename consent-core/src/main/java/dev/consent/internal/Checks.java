package dev.consent.internal;

import dev.consent.InvalidValueException;

import java.util.regex.Pattern;

/**
 * Argument checks used by the value types of every package. Public only so that the packages of this
 * library can share it; not part of the supported API.
 */
public final class Checks {
    private static final Pattern DOTTED_ID = Pattern.compile("[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)*");

    private Checks() {
    }

    /** A required, non-blank string without control characters, at most {@code max} chars. */
    public static String text(String field, String value, int max) {
        if (value == null) {
            throw new InvalidValueException(field, null, "is required");
        }
        if (value.isBlank()) {
            throw new InvalidValueException(field, value, "must not be blank");
        }
        return optionalText(field, value, max);
    }

    /** A required, non-blank text that may span lines (tabs and line breaks allowed), at most {@code max} chars. */
    public static String multilineText(String field, String value, int max) {
        if (value == null) {
            throw new InvalidValueException(field, null, "is required");
        }
        if (value.isBlank()) {
            throw new InvalidValueException(field, value, "must not be blank");
        }
        return optionalText(field, value.replace('\n', ' ').replace('\r', ' '), max) == null ? null : value;
    }

    /** An optional string: {@code null} passes; otherwise no control characters, at most {@code max}. */
    public static String optionalText(String field, String value, int max) {
        if (value == null) {
            return null;
        }
        if (value.length() > max) {
            throw new InvalidValueException(field, value, "must be at most " + max + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new InvalidValueException(field, value,
                        "must not contain control characters (found U+" + String.format("%04X", (int) c) + " at "
                                + i + ")");
            }
            if (Character.isSurrogate(c) && !validSurrogate(value, i)) {
                throw new InvalidValueException(field, value, "must be valid UTF-16 (lone surrogate at " + i + ")");
            }
        }
        return value;
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** A lower-case dotted id such as {@code marketing.email}, at most {@code max} chars. */
    public static String dottedId(String field, String value, int max) {
        text(field, value, max);
        if (!DOTTED_ID.matcher(value).matches()) {
            throw new InvalidValueException(field, value,
                    "must be lower-case dotted segments of [a-z0-9_-], each starting with a letter");
        }
        return value;
    }

    /** An immutable, sorted copy of a required collection without nulls. */
    public static <T extends Comparable<? super T>> java.util.SortedSet<T> sortedSet(String field,
            java.util.Collection<T> values) {
        required(field, values);
        java.util.TreeSet<T> copy = new java.util.TreeSet<>();
        for (T v : values) {
            copy.add(required(field + "[]", v));
        }
        return java.util.Collections.unmodifiableSortedSet(copy);
    }

    public static <T> T required(String field, T value) {
        if (value == null) {
            throw new InvalidValueException(field, null, "is required");
        }
        return value;
    }
}
