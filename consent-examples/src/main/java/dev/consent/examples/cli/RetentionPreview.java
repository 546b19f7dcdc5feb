package dev.consent.examples.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.ItemFacts;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetentionEngine;
import dev.consent.retention.RetentionVerdict;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code preview}: a retention dry run over items the operator describes in a JSON Lines file, one verdict per item
 * from the stateless {@link RetentionEngine}, plus totals per category and per deciding rule. Nothing is stored and
 * nothing is disposed of. The whole file is read and checked before anything is printed, so a bad line gives one
 * error and no half-written output.
 */
final class RetentionPreview {
    static final Set<String> FIELDS = Set.of("subject", "category", "purpose", "anchors", "erasureRequestedAt",
            "holds");
    /** The key of the rule totals for verdicts that no rule decided (NOT_STARTED, NO_RULE). */
    static final String NO_DECIDING_RULE = "(none)";
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    /** One item of the file and the line it came from. */
    record Item(int line, ItemFacts facts) {
    }

    private final Policy policy;
    private final Instant at;
    private final String source;
    private final List<Item> items;
    private final List<RetentionVerdict> verdicts;

    private RetentionPreview(Policy policy, Instant at, String source, List<Item> items) {
        this.policy = policy;
        this.at = at;
        this.source = source;
        this.items = items;
        RetentionEngine engine = new RetentionEngine(policy);
        this.verdicts = items.stream().map(i -> engine.evaluate(i.facts(), at)).toList();
    }

    static RetentionPreview of(Policy policy, Path file, String source, Instant at) {
        return new RetentionPreview(policy, at, source, read(policy, file, source, at));
    }

    List<RetentionVerdict> verdicts() {
        return verdicts;
    }

    // ---------------------------------------------------------------------------------------------- reading

    static List<Item> read(Policy policy, Path file, String source, Instant at) {
        List<Item> items = new ArrayList<>();
        // lines are split on bytes and decoded one by one, so that bad UTF-8 is reported on its own line
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int n = 0;
            boolean more = true;
            while (more) {
                int b = in.read();
                if (b != '\n' && b != -1) {
                    bytes.write(b);
                    continue;
                }
                more = b != -1;
                if (!more && bytes.size() == 0) {
                    break; // the file ends with a line break
                }
                n++;
                String line;
                try {
                    line = utf8.decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
                } catch (CharacterCodingException e) {
                    throw CliException.invalid(source + ":" + n + ": is not UTF-8 text");
                }
                bytes.reset();
                if (n == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1); // a byte order mark some editors write
                }
                if (!line.isBlank()) {
                    items.add(new Item(n, parse(policy, line, source + ":" + n, at)));
                }
            }
        } catch (IOException e) {
            throw CliException.invalid(source + ": cannot be read: " + e.getMessage());
        }
        return items;
    }

    private static ItemFacts parse(Policy policy, String line, String where, Instant at) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            String column = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw CliException.invalid(where + ": not valid JSON" + column + ": " + readable(e));
        }
        if (!node.isObject()) {
            throw CliException.invalid(where + ": expected one JSON object per line, found " + kind(node));
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw CliException.invalid(where + ": " + quote(name) + " is not a known field (expected subject, "
                        + "category, purpose, anchors, erasureRequestedAt, holds)");
            }
        }
        SubjectId subject = value(where, "subject", () -> SubjectId.of(text(node, "subject", where, true)));
        CategoryId category = value(where, "category", () -> CategoryId.of(text(node, "category", where, true)));
        if (policy.findCategory(category).isEmpty()) {
            throw CliException.invalid(where + ": category: " + quote(category.value()) + " is not declared by policy "
                    + policy.id() + " " + policy.version());
        }
        Optional<PurposeId> purpose = Optional.ofNullable(text(node, "purpose", where, false))
                .map(p -> value(where, "purpose", () -> PurposeId.of(p)));
        if (purpose.isPresent()) {
            Optional<Purpose> declared = policy.findPurpose(purpose.get());
            if (declared.isEmpty()) {
                throw CliException.invalid(where + ": purpose: " + quote(purpose.get().value())
                        + " is not declared by policy " + policy.id() + " " + policy.version());
            }
            if (!declared.get().categories().contains(category)) {
                throw CliException.invalid(where + ": purpose: " + quote(purpose.get().value()) + " does not use category "
                        + category + " (it uses " + declared.get().categories() + ")");
            }
        }
        ItemKey key = new ItemKey(subject, category, purpose);

        Map<Anchor, Instant> anchors = new TreeMap<>();
        JsonNode anchorNode = node.get("anchors");
        if (anchorNode != null && !anchorNode.isNull()) {
            if (!anchorNode.isObject()) {
                throw CliException.invalid(where + ": anchors: expected an object of anchor names and ISO-8601 instants, "
                        + "found " + kind(anchorNode));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = anchorNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Anchor anchor = value(where, "anchors", () -> Anchor.of(e.getKey()));
                anchors.put(anchor, instant(e.getValue(), "anchors." + e.getKey(), where));
            }
        }
        ItemFacts facts = ItemFacts.of(key, anchors);
        JsonNode erasure = node.get("erasureRequestedAt");
        if (erasure != null && !erasure.isNull()) {
            facts = facts.withErasureRequestedAt(instant(erasure, "erasureRequestedAt", where));
        }
        JsonNode holds = node.get("holds");
        if (holds != null && !holds.isNull()) {
            if (!holds.isIntegralNumber() || !holds.canConvertToInt() || holds.intValue() < 0) {
                throw CliException.invalid(where + ": holds: " + holds + " is not a count of legal holds (a whole "
                        + "number, 0 or more)");
            }
            List<LegalHold> placed = new ArrayList<>();
            for (int i = 1; i <= holds.intValue(); i++) {
                // a hold on all of the subject's categories, in force at the preview instant
                placed.add(new LegalHold("preview-hold-" + i, subject, Set.of(), "counted in the preview input",
                        "preview", at, Optional.empty()));
            }
            facts = facts.withHolds(placed);
        }
        return facts;
    }

    /**
     * Jackson's message, first line only, without the parts that describe Jackson's settings instead of the line:
     * "(start marker at [Source: REDACTED (...); line: 1, column: 1])" becomes "(opened at column 1)".
     */
    static String readable(JsonProcessingException e) {
        String m = e.getOriginalMessage().lines().findFirst().orElse("");
        return m.replaceAll(" ?\\(start marker at \\[Source: .*?; line: \\d+, column: (\\d+)\\]\\)",
                " (opened at column $1)").replaceAll(" ?\\[Source: .*?\\]", "");
    }

    private static String text(JsonNode object, String field, String where, boolean required) {
        JsonNode v = object.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw CliException.invalid(where + ": " + field + ": is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw CliException.invalid(where + ": " + field + ": expected a string, found " + kind(v));
        }
        return v.textValue();
    }

    private static Instant instant(JsonNode v, String field, String where) {
        if (!v.isTextual()) {
            throw CliException.invalid(where + ": " + field + ": expected an ISO-8601 instant string, found " + kind(v));
        }
        try {
            return Instant.parse(v.textValue());
        } catch (DateTimeException e) {
            throw CliException.invalid(where + ": " + field + ": " + quote(v.textValue())
                    + " is not an ISO-8601 instant (expected e.g. 2024-01-01T00:00:00Z)");
        }
    }

    private static <T> T value(String where, String field, java.util.function.Supplier<T> make) {
        try {
            return make.get();
        } catch (InvalidValueException e) {
            // a subject id is personal data: the line number finds it, the message does not repeat it
            boolean shown = e.value() != null && !field.equals("subject");
            throw CliException.invalid(where + ": " + field + ": " + (shown ? quote(e.value()) + " " : "") + e.rule());
        }
    }

    private static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number (" + n + ")";
            case BOOLEAN -> "a boolean (" + n + ")";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String quote(String s) {
        String q = new TextNode(s).toString();
        return q.length() > 82 ? q.substring(0, 78) + "...\" (" + s.length() + " chars)" : q;
    }

    // ---------------------------------------------------------------------------------------------- writing

    /** Counts per status, for one category or rule. */
    private static Map<String, EnumMap<RetentionVerdict.Status, Long>> totals(List<RetentionVerdict> verdicts,
            java.util.function.Function<RetentionVerdict, String> key) {
        Map<String, EnumMap<RetentionVerdict.Status, Long>> totals = new TreeMap<>();
        for (RetentionVerdict v : verdicts) {
            totals.computeIfAbsent(key.apply(v), k -> {
                EnumMap<RetentionVerdict.Status, Long> m = new EnumMap<>(RetentionVerdict.Status.class);
                for (RetentionVerdict.Status s : RetentionVerdict.Status.values()) {
                    m.put(s, 0L);
                }
                return m;
            }).merge(v.status(), 1L, Long::sum);
        }
        return totals;
    }

    Map<String, EnumMap<RetentionVerdict.Status, Long>> byCategory() {
        return totals(verdicts, v -> v.item().category().value());
    }

    Map<String, EnumMap<RetentionVerdict.Status, Long>> byRule() {
        return totals(verdicts, v -> v.decidingRule().orElse(NO_DECIDING_RULE));
    }

    void printTable(PrintStream out) {
        out.println("retention preview of policy " + policy.id() + " " + policy.version() + " at " + at + ": "
                + items.size() + " item" + (items.size() == 1 ? "" : "s") + " from " + source);
        out.println();
        TextTable table = new TextTable("LINE", "SUBJECT", "CATEGORY", "PURPOSE", "STATUS", "UNTIL/SINCE", "ACTION",
                "RULE", "NOTE");
        for (int i = 0; i < items.size(); i++) {
            RetentionVerdict v = verdicts.get(i);
            table.row(items.get(i).line(), v.item().subject(), v.item().category(),
                    v.item().purpose().map(PurposeId::value).orElse(null), v.status(),
                    v.status() == RetentionVerdict.Status.DUE ? v.dueAt().map(t -> "since " + t).orElse(null)
                            : v.dueAt().or(v::keptAtLeastUntil).map(t -> (v.status()
                                    == RetentionVerdict.Status.HELD ? "otherwise due " : "until ") + t).orElse(null),
                    v.action().map(Enum::name).orElse(null), v.decidingRule().orElse(null), note(v));
        }
        table.print(out);
        printTotals(out, "TOTALS BY CATEGORY", "CATEGORY", byCategory());
        printTotals(out, "TOTALS BY RULE", "RULE", byRule());
    }

    private static String note(RetentionVerdict v) {
        List<String> notes = new ArrayList<>();
        if (v.status() == RetentionVerdict.Status.HELD) {
            notes.add("held by " + v.holds().size() + " legal hold" + (v.holds().size() == 1 ? "" : "s"));
        }
        if (v.restrictProcessing()) {
            notes.add("erasure requested: restrict processing until then");
        }
        if (v.status() == RetentionVerdict.Status.NOT_STARTED) {
            notes.add("waits for " + v.rules().stream().filter(r -> r.role() == RetentionVerdict.Role.NOT_STARTED)
                    .map(r -> r.anchor().name()).distinct().sorted().reduce((a, b) -> a + ", " + b).orElse("?"));
        }
        if (v.status() == RetentionVerdict.Status.NO_RULE) {
            notes.add("no MAXIMUM rule for this category: a gap in the policy");
        }
        return String.join("; ", notes);
    }

    private static void printTotals(PrintStream out, String title, String keyHeader,
            Map<String, EnumMap<RetentionVerdict.Status, Long>> totals) {
        out.println();
        out.println(title);
        List<String> headers = new ArrayList<>(List.of(keyHeader, "ITEMS"));
        for (RetentionVerdict.Status s : RetentionVerdict.Status.values()) {
            headers.add(s.name());
        }
        TextTable table = new TextTable(headers.toArray(String[]::new));
        totals.forEach((key, counts) -> {
            List<Object> row = new ArrayList<>();
            row.add(key);
            row.add(counts.values().stream().mapToLong(Long::longValue).sum());
            row.addAll(counts.values());
            table.row(row.toArray());
        });
        table.print(out);
    }

    void printJsonLines(PrintStream out) {
        try {
            for (int i = 0; i < items.size(); i++) {
                RetentionVerdict v = verdicts.get(i);
                int line = items.get(i).line();
                writeLine(out, g -> {
                    g.writeStringField("type", "verdict");
                    g.writeNumberField("line", line);
                    g.writeStringField("subject", v.item().subject().value());
                    g.writeStringField("category", v.item().category().value());
                    g.writeStringField("purpose", v.item().purpose().map(PurposeId::value).orElse(null));
                    g.writeStringField("status", v.status().name());
                    boolean due = v.status() == RetentionVerdict.Status.DUE;
                    g.writeStringField("until", due ? null
                            : v.dueAt().or(v::keptAtLeastUntil).map(Instant::toString).orElse(null));
                    g.writeStringField("since", due ? v.dueAt().map(Instant::toString).orElse(null) : null);
                    g.writeStringField("action", v.action().map(Enum::name).orElse(null));
                    g.writeStringField("rule", v.decidingRule().orElse(null));
                    g.writeBooleanField("restrictProcessing", v.restrictProcessing());
                    g.writeNumberField("holds", v.holds().size());
                });
            }
            writeLine(out, g -> {
                g.writeStringField("type", "totals");
                g.writeStringField("policy", policy.id());
                g.writeStringField("version", policy.version());
                g.writeStringField("at", at.toString());
                g.writeNumberField("items", items.size());
                writeTotals(g, "byCategory", byCategory());
                writeTotals(g, "byRule", byRule());
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static void writeLine(PrintStream out, Fields fields) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.getFactory().createGenerator(buffer, JsonEncoding.UTF8)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        }
        out.println(buffer.toString(StandardCharsets.UTF_8));
    }

    private static void writeTotals(JsonGenerator g, String name,
            Map<String, EnumMap<RetentionVerdict.Status, Long>> totals) throws IOException {
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, EnumMap<RetentionVerdict.Status, Long>> e : totals.entrySet()) {
            g.writeObjectFieldStart(e.getKey());
            g.writeNumberField("items", e.getValue().values().stream().mapToLong(Long::longValue).sum());
            for (Map.Entry<RetentionVerdict.Status, Long> c : e.getValue().entrySet()) {
                g.writeNumberField(c.getKey().name(), c.getValue());
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }
}
