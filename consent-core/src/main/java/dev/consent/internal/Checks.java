package dev.consent.internal;

import dev.consent.InvalidValueException;


/**
 * Argument checks used by the value types of every package. Public only so that the packages of this
 * library can share it; not part of the supported API.
 */
public final class Checks {

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
            if (Character.isISOControl(c) && c != '\t') { // C0, DEL and C1 (U+0080..U+009F)
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
        if (!isDottedId(value)) {
            throw new InvalidValueException(field, value,
                    "must be lower-case dotted segments of [a-z0-9_-], each starting with a letter");
        }
        return value;
    }

    /**
     * Whether {@code value} matches {@code [a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*}. Written out rather than as a
     * regular expression: ids are checked for every event read from a store, and the matcher was a tenth of the
     * CPU of a bulk check.
     */
    static boolean isDottedId(String value) {
        boolean segmentStart = true;
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (segmentStart) {
                if (c < 'a' || c > 'z') {
                    return false;
                }
                segmentStart = false;
            } else if (c == '.') {
                segmentStart = true;
            } else if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return !segmentStart;
    }

    /** Whether {@code value} is 64 lower-case hex digits (a SHA-256 in hex), as {@code [0-9a-f]{64}} matches. */
    public static boolean isSha256Hex(String value) {
        if (value == null || value.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = value.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /**
     * A required customer's subject id: never one in the visitor namespace ({@code visitor:...}), so that a visitor
     * id the client controls can never name a customer, and a visitor never has visitors of its own.
     */
    public static dev.consent.ledger.SubjectId customer(String field, dev.consent.ledger.SubjectId customer) {
        required(field, customer);
        if (customer.isVisitor()) {
            throw new InvalidValueException(field, customer.value(), "must be a customer's id, not one in the "
                    + "visitor namespace (" + dev.consent.ledger.VisitorId.PREFIX + "...)");
        }
        return customer;
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
