package dev.consent.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.InvalidValueException;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.consent.policy.PolicyJson.kind;
import static dev.consent.policy.PolicyJson.member;
import static dev.consent.policy.PolicyJson.quote;

/**
 * The strict field readers of the policy document: each reads one field of a JSON object, checks its type and
 * form, and records a problem at the field's JSON path instead of throwing, so that every problem of a document is
 * found in one pass. Reading stops with {@link TooManyProblems} after {@link PolicyLimits#MAX_PROBLEMS} problems.
 * Not thread-safe: one instance reads one document.
 */
final class PolicyFields {
    final List<PolicyProblem> problems = new ArrayList<>();
    /**
     * Every path a problem is at or inside: {@code $.purposes[1].title} puts {@code $}, {@code $.purposes},
     * {@code $.purposes[1]} and itself here. Whether a problem is within a path is then one look-up, not a
     * scan of every problem, which made a document with many problems take quadratic time.
     */
    private final Set<String> reportedWithin = new HashSet<>();

    /**
     * Records a problem. One more than {@link PolicyLimits#MAX_PROBLEMS} stops the reading: the exception then
     * lists the first ones and says that there are more.
     */
    void problem(String path, String value, String rule) {
        problems.add(new PolicyProblem(path, value, rule));
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '.' || c == '[') {
                reportedWithin.add(path.substring(0, i));
            }
        }
        reportedWithin.add(path);
        if (problems.size() > PolicyLimits.MAX_PROBLEMS) {
            throw new TooManyProblems();
        }
    }

    /** Whether a problem is already reported at {@code path} or inside it. */
    boolean reportedWithin(String path) {
        return reportedWithin.contains(path);
    }

    /** Runs {@code r} unless a field of the element at {@code at} is already reported; whether it ran cleanly. */
    boolean construct(String at, Runnable r) {
        if (reportedWithin(at)) {
            return false; // constructing it would only repeat that problem
        }
        try {
            r.run();
            return true;
        } catch (InvalidValueException e) {
            String field = e.field().contains(".") ? e.field().substring(e.field().lastIndexOf('.') + 1) : e.field();
            problem(at + "." + field, e.value() == null ? null : quote(e.value()), e.rule());
            return false;
        }
    }

    void onlyKnown(JsonNode node, String at, String... known) {
        Set<String> names = new LinkedHashSet<>(Arrays.asList(known));
        Iterator<String> it = node.fieldNames();
        while (it.hasNext()) {
            String name = it.next();
            if (!names.contains(name)) {
                problem(member(at, name), kind(node.get(name)), "is not a known field (expected one of "
                        + String.join(", ", names) + ")");
            }
        }
    }

    private JsonNode field(JsonNode node, String at, String name, boolean required) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                problem(at + "." + name, null, "is required");
            }
            return null;
        }
        return v;
    }

    String string(JsonNode node, String at, String name, boolean required) {
        JsonNode v = field(node, at, name, required);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            problem(at + "." + name, kind(v), "must be a string");
            return null;
        }
        try {
            return required ? dev.consent.internal.Checks.text(name, v.asText(), 4000)
                    : dev.consent.internal.Checks.optionalText(name, v.asText(), 4000);
        } catch (InvalidValueException e) {
            problem(at + "." + name, quote(v.asText()), e.rule());
            return null;
        }
    }

    <T> T value(JsonNode node, String at, String name, boolean required, Function<String, T> parse) {
        JsonNode v = field(node, at, name, required);
        if (v == null) {
            return null;
        }
        return parseText(v, at + "." + name, parse);
    }

    private <T> T parseText(JsonNode v, String path, Function<String, T> parse) {
        if (!v.isTextual()) {
            problem(path, kind(v), "must be a string");
            return null;
        }
        try {
            return parse.apply(v.asText());
        } catch (InvalidValueException e) {
            problem(path, quote(v.asText()), e.rule());
            return null;
        }
    }

    <E extends Enum<E>> E enumValue(JsonNode node, String at, String name, boolean required, Class<E> type) {
        return value(node, at, name, required, s -> {
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(s)) {
                    return e;
                }
            }
            throw new InvalidValueException(name, s, oneOf(type));
        });
    }

    LocalDate date(JsonNode node, String at, String name, boolean required) {
        return value(node, at, name, required, s -> {
            try {
                return LocalDate.parse(s);
            } catch (DateTimeParseException e) {
                throw new InvalidValueException(name, s, "is not an ISO-8601 date (expected e.g. 2025-01-31)");
            }
        });
    }

    ZoneId zone(JsonNode node, String at, String name) {
        return value(node, at, name, true, s -> {
            try {
                return ZoneId.of(s);
            } catch (DateTimeException e) {
                throw new InvalidValueException(name, s, "is not a time zone id (expected e.g. Europe/Berlin or UTC)");
            }
        });
    }

    Period period(JsonNode node, String at, String name) {
        return value(node, at, name, false, s -> {
            Period p;
            try {
                p = Period.parse(s);
            } catch (DateTimeParseException e) {
                // A consent lifetime is calendar arithmetic in the policy zone; Period has no hours.
                throw new InvalidValueException(name, s,
                        "is not an ISO-8601 period of years, months, weeks or days (expected e.g. P2Y, P6M or P30D)");
            }
            if (p.isZero() || p.isNegative()) {
                throw new InvalidValueException(name, s, "must be a positive period");
            }
            return p;
        });
    }

    /** An optional ISO-8601 duration of days, hours, minutes or seconds (e.g. P3D, PT48H). */
    java.time.Duration duration(JsonNode node, String at, String name) {
        return value(node, at, name, false, s -> {
            try {
                return java.time.Duration.parse(s);
            } catch (DateTimeParseException e) {
                throw new InvalidValueException(name, s,
                        "is not an ISO-8601 duration of days, hours or minutes (expected e.g. P3D or PT48H)");
            }
        });
    }

    Integer integer(JsonNode node, String at, String name, boolean required, int min, int max) {
        JsonNode v = field(node, at, name, required);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            problem(at + "." + name, kind(v), "must be a whole number between " + min + " and " + max);
            return null;
        }
        int i = v.intValue();
        if (i < min || i > max) {
            problem(at + "." + name, String.valueOf(i), "must be between " + min + " and " + max);
            return null;
        }
        return i;
    }

    boolean bool(JsonNode node, String at, String name, boolean dflt) {
        JsonNode v = field(node, at, name, false);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            problem(at + "." + name, kind(v), "must be true or false");
            return dflt;
        }
        return v.booleanValue();
    }

    JsonNode object(JsonNode node, String at, String name, boolean required) {
        JsonNode v = field(node, at, name, required);
        if (v != null && !v.isObject()) {
            problem(at + "." + name, kind(v), "must be an object");
            return null;
        }
        return v;
    }

    <T extends Comparable<? super T>> Set<T> list(JsonNode node, String at, String name, boolean required,
            int max, String what, Function<String, T> parse) {
        JsonNode v = field(node, at, name, required);
        if (v == null) {
            return required ? null : Set.of();
        }
        if (!v.isArray()) {
            problem(at + "." + name, kind(v), "must be an array of strings");
            return null;
        }
        if (tooLong(v, at + "." + name, max, what)) {
            return null;
        }
        Set<T> out = new LinkedHashSet<>();
        boolean ok = true;
        for (int i = 0; i < v.size(); i++) {
            T t = parseText(v.get(i), at + "." + name + "[" + i + "]", parse);
            if (t == null) {
                ok = false;
            } else if (!out.add(t)) {
                problem(at + "." + name + "[" + i + "]", quote(String.valueOf(t)), "is listed twice");
                ok = false;
            }
        }
        return ok ? out : null;
    }

    /** An array of enum names, each checked; null when missing (and reported if required) or malformed. */
    <E extends Enum<E>> Set<E> enumList(JsonNode node, String at, String name, Class<E> type) {
        JsonNode v = field(node, at, name, false);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            problem(member(at, name), kind(v), "must be an array of strings");
            return null;
        }
        // every name at most once: a longer list is refused before its elements are each reported twice
        if (tooLong(v, member(at, name), type.getEnumConstants().length, "values of " + type.getSimpleName()
                + ", each listed at most once")) {
            return null;
        }
        Set<E> out = new LinkedHashSet<>();
        boolean ok = true;
        for (int i = 0; i < v.size(); i++) {
            String path = member(at, name) + "[" + i + "]";
            JsonNode element = v.get(i);
            E e = null;
            if (element.isTextual()) {
                for (E c : type.getEnumConstants()) {
                    if (c.name().equals(element.asText())) {
                        e = c;
                    }
                }
            }
            if (e == null) {
                problem(path, kind(element), oneOf(type));
                ok = false;
            } else if (!out.add(e)) {
                problem(path, kind(element), "is listed twice");
                ok = false;
            }
        }
        return ok ? out : null;
    }

    /** An array of ISO dates; null when missing or malformed (reported). */
    Set<LocalDate> dates(JsonNode node, String at, String name, int max, String what) {
        JsonNode v = field(node, at, name, false);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            problem(member(at, name), kind(v), "must be an array of ISO dates");
            return null;
        }
        if (tooLong(v, member(at, name), max, what)) {
            return null;
        }
        Set<LocalDate> out = new TreeSet<>();
        boolean ok = true;
        for (int i = 0; i < v.size(); i++) {
            JsonNode element = v.get(i);
            try {
                if (!element.isTextual()) {
                    throw new DateTimeParseException("not text", "", 0);
                }
                out.add(LocalDate.parse(element.asText()));
            } catch (DateTimeParseException e) {
                problem(member(at, name) + "[" + i + "]", kind(element),
                        "is not an ISO-8601 date (expected e.g. 2025-12-25)");
                ok = false;
            }
        }
        return ok ? out : null;
    }

    private static String oneOf(Class<? extends Enum<?>> type) {
        return "is not one of " + Arrays.stream(type.getEnumConstants()).map(Enum::name)
                .collect(Collectors.joining(", "));
    }

    /** Whether the array has more than {@code max} elements, reported so, with the limit. */
    private boolean tooLong(JsonNode array, String path, int max, String what) {
        if (array.size() <= max) {
            return false;
        }
        problem(path, array.size() + " elements", "exceed the " + max + " " + what);
        return true;
    }

    /** Reads each element of an array of objects; whether the array itself was there to read. */
    boolean array(JsonNode node, String at, String name, boolean required, int max, String what,
            ElementReader reader) {
        JsonNode v = field(node, at, name, required);
        if (v == null) {
            return false;
        }
        if (!v.isArray()) {
            problem(at + "." + name, kind(v), "must be an array");
            return false;
        }
        if (tooLong(v, at + "." + name, max, what)) {
            return false; // not read: its elements are not built, and references to them are not checked
        }
        for (int i = 0; i < v.size(); i++) {
            String path = at + "." + name + "[" + i + "]";
            JsonNode element = v.get(i);
            if (!element.isObject()) {
                problem(path, kind(element), "must be an object");
                continue;
            }
            reader.read(element, path, i);
        }
        return true;
    }

    /** Stops reading a document once it has more problems than one exception lists. */
    static final class TooManyProblems extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooManyProblems() {
            super(null, null, false, false);
        }
    }

    /** Reads one element of an array of objects, given its JSON path and index. */
    @FunctionalInterface
    interface ElementReader {
        void read(JsonNode node, String path, int index);
    }
}
