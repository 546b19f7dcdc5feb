package dev.consent.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.consent.InvalidValueException;
import dev.consent.retention.Anchor;
import dev.consent.retention.CountFrom;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionPeriod;
import dev.consent.retention.RetentionRule;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads a {@link Policy} from its JSON document (the format is described in {@code docs/policy-format.md}).
 *
 * <p>Strict on purpose: unknown fields, duplicate keys, wrong types and unknown enum values are errors,
 * because a typo in a privacy policy silently ignored is a promise silently broken. Every problem in
 * the document is reported at once, each with its JSON path, the value found and the rule broken, in
 * one {@link InvalidPolicyException}. Thread-safe.
 */
public final class PolicyJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    /** Deeper documents are not policies; refusing them keeps hostile input from exhausting the stack. */
    private static final int MAX_DEPTH = 64;

    private PolicyJson() {
    }

    public static Policy read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read policy file " + file, e);
        }
    }

    public static Policy read(InputStream in, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(in);
        } catch (JsonProcessingException e) {
            throw syntax(source, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read policy " + source, e);
        }
        return fromTree(root, source);
    }

    public static Policy read(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw syntax(null, e);
        }
        return fromTree(root, null);
    }

    private static InvalidPolicyException syntax(String source, JsonProcessingException e) {
        String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        return new InvalidPolicyException(source,
                List.of(new PolicyProblem("$", null, "is not valid JSON" + where + ": " + e.getOriginalMessage())));
    }

    private static Policy fromTree(JsonNode root, String source) {
        Fields f = new Fields();
        if (root == null || root.isMissingNode()) {
            throw new InvalidPolicyException(source, List.of(new PolicyProblem("$", null, "is empty; expected a JSON object")));
        }
        if (depth(root, 0) > MAX_DEPTH) {
            throw new InvalidPolicyException(source,
                    List.of(new PolicyProblem("$", null, "nests deeper than " + MAX_DEPTH + " levels")));
        }
        if (!root.isObject()) {
            throw new InvalidPolicyException(source, List.of(new PolicyProblem("$", kind(root), "must be a JSON object")));
        }
        f.onlyKnown(root, "$", "id", "version", "effectiveFrom", "lastUpdated", "timeZone", "controller", "categories",
                "purposes", "recipients", "retention");
        String id = f.string(root, "$", "id", true);
        String version = f.string(root, "$", "version", true);
        Policy.Builder b = Policy.builder(id, version);
        b.effectiveFrom(f.date(root, "$", "effectiveFrom", true));
        b.lastUpdated(f.date(root, "$", "lastUpdated", false));
        b.zone(f.zone(root, "$", "timeZone"));
        JsonNode controller = f.object(root, "$", "controller", false);
        if (controller != null) {
            f.onlyKnown(controller, "$.controller", "name", "contact");
            String name = f.string(controller, "$.controller", "name", true);
            String contact = f.string(controller, "$.controller", "contact", true);
            f.construct("$.controller", () -> b.controller(name, contact));
        }
        f.array(root, "$", "categories", true, (node, at) -> {
            f.onlyKnown(node, at, "id", "description", "sensitive");
            CategoryId cid = f.value(node, at, "id", true, CategoryId::of);
            String description = f.string(node, at, "description", true);
            boolean sensitive = f.bool(node, at, "sensitive", false);
            f.construct(at, () -> b.category(new DataCategory(cid, description, sensitive)));
        });
        f.array(root, "$", "purposes", true, (node, at) -> {
            f.onlyKnown(node, at, "id", "title", "description", "legalBasis", "mechanism", "categories",
                    "consentVersion", "consentLifetime", "minimumAge", "guardianConsent", "parent", "saleOrSharing");
            PurposeId pid = f.value(node, at, "id", true, PurposeId::of);
            String title = f.string(node, at, "title", true);
            String description = f.string(node, at, "description", false);
            LegalBasis basis = f.enumValue(node, at, "legalBasis", true, LegalBasis.class);
            Mechanism mechanism = f.enumValue(node, at, "mechanism", false, Mechanism.class);
            Set<CategoryId> categories = f.list(node, at, "categories", true, CategoryId::of);
            Integer version1 = f.integer(node, at, "consentVersion", false, 1, Integer.MAX_VALUE);
            Period lifetime = f.period(node, at, "consentLifetime");
            Integer minimumAge = f.integer(node, at, "minimumAge", false, 1, 120);
            boolean guardian = f.bool(node, at, "guardianConsent", true);
            PurposeId parent = f.value(node, at, "parent", false, PurposeId::of);
            boolean sale = f.bool(node, at, "saleOrSharing", false);
            if (categories != null && categories.isEmpty()) {
                f.problem(at + ".categories", "[]", "must name at least one data category");
            }
            f.construct(at, () -> b.purpose(new Purpose(pid, title, description, basis,
                    mechanism != null ? mechanism : Purpose.defaultMechanism(basis), categories,
                    version1 == null ? 1 : version1, Optional.ofNullable(lifetime),
                    minimumAge == null ? OptionalInt.empty() : OptionalInt.of(minimumAge), guardian,
                    Optional.ofNullable(parent), sale)));
        });
        f.array(root, "$", "recipients", false, (node, at) -> {
            f.onlyKnown(node, at, "id", "name", "role", "categories", "purposes", "location");
            String rid = f.value(node, at, "id", true, v -> dev.consent.Checks.dottedId("id", v, 100));
            String name = f.string(node, at, "name", true);
            Recipient.Role role = f.enumValue(node, at, "role", true, Recipient.Role.class);
            Set<CategoryId> categories = f.list(node, at, "categories", true, CategoryId::of);
            Set<PurposeId> purposes = f.list(node, at, "purposes", true, PurposeId::of);
            String location = f.string(node, at, "location", false);
            f.construct(at, () -> b.recipient(new Recipient(rid, name, role, categories, purposes, location)));
        });
        f.array(root, "$", "retention", false, (node, at) -> {
            f.onlyKnown(node, at, "id", "category", "purpose", "kind", "period", "after", "countFrom", "action",
                    "overridesDelete", "legalReference", "description");
            String rid = f.value(node, at, "id", true, v -> dev.consent.Checks.dottedId("id", v, 100));
            CategoryId category = f.value(node, at, "category", true, CategoryId::of);
            PurposeId purpose = f.value(node, at, "purpose", false, PurposeId::of);
            RetentionRule.Kind kind = f.enumValue(node, at, "kind", true, RetentionRule.Kind.class);
            RetentionPeriod period = f.value(node, at, "period", true, RetentionPeriod::parse);
            Anchor anchor = f.value(node, at, "after", true, Anchor::of);
            CountFrom countFrom = f.enumValue(node, at, "countFrom", false, CountFrom.class);
            DisposalAction action = f.enumValue(node, at, "action", false, DisposalAction.class);
            boolean overridesDelete = f.bool(node, at, "overridesDelete", false);
            String legalReference = f.string(node, at, "legalReference", false);
            String description = f.string(node, at, "description", false);
            f.construct(at, () -> b.retention(new RetentionRule(rid, category, Optional.ofNullable(purpose), period,
                    anchor, countFrom == null ? CountFrom.ANCHOR : countFrom, kind, Optional.ofNullable(action),
                    overridesDelete, legalReference, description)));
        });

        if (!f.problems.isEmpty()) {
            // Cross-field rules are only meaningful on well-formed parts; report what we have.
            throw new InvalidPolicyException(source, f.problems);
        }
        try {
            return b.build();
        } catch (InvalidPolicyException e) {
            throw new InvalidPolicyException(source, e.problems());
        }
    }

    private static int depth(JsonNode node, int level) {
        if (level > MAX_DEPTH) {
            return level;
        }
        int max = level;
        for (JsonNode child : node) {
            max = Math.max(max, depth(child, level + 1));
            if (max > MAX_DEPTH) {
                break;
            }
        }
        return max;
    }

    static String kind(JsonNode n) {
        if (n.isObject()) {
            return "an object";
        }
        if (n.isArray()) {
            return "an array";
        }
        if (n.isNull()) {
            return "null";
        }
        if (n.isTextual()) {
            return quote(n.asText());
        }
        return n.toString();
    }

    static String quote(String s) {
        String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return '"' + shown.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** Field readers that record problems instead of throwing, so every problem is found in one pass. */
    private static final class Fields {
        final List<PolicyProblem> problems = new ArrayList<>();

        void problem(String path, String value, String rule) {
            problems.add(new PolicyProblem(path, value, rule));
        }

        void construct(String at, Runnable r) {
            int before = problems.size();
            if (before > 0 && problems.stream().anyMatch(p -> p.path().startsWith(at))) {
                return; // a field of this element is already reported; constructing it would only repeat that
            }
            try {
                r.run();
            } catch (InvalidValueException e) {
                String field = e.field().contains(".") ? e.field().substring(e.field().lastIndexOf('.') + 1) : e.field();
                problem(at + "." + field, e.value() == null ? null : quote(e.value()), e.rule());
            } catch (NullPointerException e) {
                // a required part was missing and already reported
                if (problems.size() == before) {
                    throw e;
                }
            }
        }

        void onlyKnown(JsonNode node, String at, String... known) {
            Set<String> names = new LinkedHashSet<>(Arrays.asList(known));
            Iterator<String> it = node.fieldNames();
            while (it.hasNext()) {
                String name = it.next();
                if (!names.contains(name)) {
                    problem(at + "." + name, kind(node.get(name)), "is not a known field (expected one of "
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
                return required ? dev.consent.Checks.text(name, v.asText(), 4000)
                        : dev.consent.Checks.optionalText(name, v.asText(), 4000);
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
                throw new InvalidValueException(name, s, "is not one of " + Arrays.stream(type.getEnumConstants())
                        .map(Enum::name).collect(Collectors.joining(", ")));
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
                    throw new InvalidValueException(name, s, "is not an ISO-8601 period (expected e.g. P2Y, P6M or P30D)");
                }
                if (p.isZero() || p.isNegative()) {
                    throw new InvalidValueException(name, s, "must be a positive period");
                }
                return p;
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
                Function<String, T> parse) {
            JsonNode v = field(node, at, name, required);
            if (v == null) {
                return required ? null : Set.of();
            }
            if (!v.isArray()) {
                problem(at + "." + name, kind(v), "must be an array of strings");
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

        void array(JsonNode node, String at, String name, boolean required, ElementReader reader) {
            JsonNode v = field(node, at, name, required);
            if (v == null) {
                return;
            }
            if (!v.isArray()) {
                problem(at + "." + name, kind(v), "must be an array");
                return;
            }
            for (int i = 0; i < v.size(); i++) {
                String path = at + "." + name + "[" + i + "]";
                JsonNode element = v.get(i);
                if (!element.isObject()) {
                    problem(path, kind(element), "must be an object");
                    continue;
                }
                reader.read(element, path);
            }
        }
    }

    @FunctionalInterface
    private interface ElementReader {
        void read(JsonNode node, String path);
    }
}
