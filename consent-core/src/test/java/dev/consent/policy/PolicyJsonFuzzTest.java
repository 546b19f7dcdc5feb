package dev.consent.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Mutates valid policy documents at random, thousands of times, and checks that the reader always
 * answers with either a valid {@link Policy} or an {@link InvalidPolicyException} whose problems all
 * have a {@code $} path, and never with anything else (no NullPointerException, ClassCastException,
 * StackOverflowError, ...).
 *
 * <p>Reproducible: every case depends only on its own seed, which every failure message prints. Run
 * with {@code -Dpolicy.fuzz.seed=N} for another sequence, or {@code -Dpolicy.fuzz.case=N} to replay
 * one case.
 */
class PolicyJsonFuzzTest {
    private static final long SEED = Long.getLong("policy.fuzz.seed", 20250301L);
    private static final int CASES = 3_000;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String DEEP = "@@deep@@";
    private static final int[] GROWN = {8, PolicyLimits.MAX_RIGHTS_ENTRIES + 1, PolicyLimits.MAX_PURPOSES + 1,
            PolicyLimits.MAX_HOLIDAYS + 1};
    private static final List<String> NAMES = names();
    private static final Pattern UNREADABLE = Pattern.compile("[\\p{Cntrl}\\p{Cf}\\p{Cs}]");

    @Test
    void everyMutantIsEitherAPolicyOrAnInvalidPolicyExceptionWithPaths() {
        Long only = Long.getLong("policy.fuzz.case");
        List<Long> seeds = new ArrayList<>();
        if (only != null) {
            seeds.add(only);
        } else {
            Random master = new Random(SEED);
            for (int i = 0; i < CASES; i++) {
                seeds.add(master.nextLong());
            }
        }
        int accepted = 0;
        int rejected = 0;
        Set<String> rules = new HashSet<>();
        for (long caseSeed : seeds) {
            Mutant m = mutant(caseSeed);
            Object outcome = read(m, caseSeed);
            if (outcome instanceof Policy policy) {
                accepted++;
                assertConsistent(policy, m, caseSeed);
            } else {
                rejected++;
                ((InvalidPolicyException) outcome).problems().forEach(p -> rules.add(p.rule().replaceAll("\\d+", "N")));
            }
        }
        // The fuzzer must reach both outcomes and many different rules, or it proves little.
        if (only == null) {
            assertThat(accepted).as("accepted mutants (seed %d)", SEED).isGreaterThan(CASES / 50);
            assertThat(rejected).as("rejected mutants (seed %d)", SEED).isGreaterThan(CASES / 2);
            assertThat(rules).as("distinct rules reached (seed %d)", SEED).hasSizeGreaterThan(30);
        }
    }

    @Test
    void theSameSeedMakesTheSameMutants() {
        for (long caseSeed = 1; caseSeed <= 50; caseSeed++) {
            assertThat(mutant(caseSeed)).isEqualTo(mutant(caseSeed));
        }
    }

    /** Reads the mutant; the result, or a failure naming the seed for anything but the two allowed outcomes. */
    private static Object read(Mutant m, long caseSeed) {
        try {
            Policy policy = PolicyJson.read(m.json());
            if (policy == null) {
                fail(describe("returned null", m, caseSeed));
            }
            return policy;
        } catch (InvalidPolicyException e) {
            // Plain checks, not AssertJ: this runs thousands of times and must stay fast.
            List<PolicyProblem> problems = e.problems();
            if (problems.isEmpty() || new HashSet<>(problems).size() != problems.size()) {
                fail(describe("empty or repeated problems: " + e.getMessage(), m, caseSeed));
            }
            for (PolicyProblem p : problems) {
                if (!p.path().startsWith("$") || p.rule().isBlank() || UNREADABLE.matcher(p.toString()).find()) {
                    fail(describe("a problem without a $ path, a rule or readable text: " + p, m, caseSeed));
                }
            }
            return e;
        } catch (Throwable t) { // StackOverflowError included: the reader must never let one out
            throw new AssertionError(describe("threw " + t, m, caseSeed), t);
        }
    }

    /** An accepted policy keeps the promises validation makes; a rule that let a bad one through shows here. */
    private static void assertConsistent(Policy policy, Mutant m, long caseSeed) {
        Set<CategoryId> categories = new HashSet<>();
        policy.categories().forEach(c -> check(categories.add(c.id()), "category declared twice", m, caseSeed));
        Set<PurposeId> purposes = new HashSet<>();
        policy.purposes().forEach(p -> check(purposes.add(p.id()), "purpose declared twice", m, caseSeed));
        check(!purposes.isEmpty(), "no purpose", m, caseSeed);
        for (Purpose p : policy.purposes()) {
            check(categories.containsAll(p.categories()), "undeclared category in " + p.id(), m, caseSeed);
            check(p.mechanism() == Purpose.defaultMechanism(p.basis()), "mechanism of " + p.id(), m, caseSeed);
            check(p.basis() == LegalBasis.CONSENT || p.consentLifetime().isEmpty() && p.minimumAge().isEmpty(),
                    "consent option on " + p.id(), m, caseSeed);
            List<Purpose> lineage = policy.lineage(p.id());
            check(lineage.get(0).equals(p) && new HashSet<>(lineage).size() == lineage.size(),
                    "lineage of " + p.id(), m, caseSeed);
        }
        Set<String> recipients = new HashSet<>();
        for (Recipient r : policy.recipients()) {
            check(recipients.add(r.id()), "recipient declared twice", m, caseSeed);
            check(categories.containsAll(r.categories()) && purposes.containsAll(r.purposes()),
                    "undeclared reference in recipient " + r.id(), m, caseSeed);
        }
    }

    private static void check(boolean ok, String what, Mutant m, long caseSeed) {
        if (!ok) {
            fail(describe("accepted an inconsistent policy: " + what, m, caseSeed));
        }
    }

    private static String describe(String what, Mutant m, long caseSeed) {
        String json = m.json().length() > 2_000 ? m.json().substring(0, 2_000) + "..." : m.json();
        // Escaped, so that the report stays readable whatever the mutation inserted.
        StringBuilder shown = new StringBuilder();
        json.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            if (cp != '\n' && (Character.isISOControl(cp) || type == Character.FORMAT || type == Character.SURROGATE)) {
                shown.append(String.format("\\u%04x", cp));
            } else {
                shown.appendCodePoint(cp);
            }
        });
        json = shown.toString();
        return "fuzz case seed " + caseSeed + " (replay with -Dpolicy.fuzz.case=" + caseSeed + "; run seed " + SEED
                + "): " + what + "\nmutations: " + m.steps() + "\ndocument:\n" + json;
    }

    /** A mutated document and the mutations that made it. */
    record Mutant(String json, List<String> steps) {
    }

    static Mutant mutant(long caseSeed) {
        Random r = new Random(caseSeed);
        List<String> steps = new ArrayList<>();
        int base = r.nextInt(PolicyDocuments.VALID.size());
        steps.add("base " + base);
        ObjectNode root = PolicyDocuments.tree(PolicyDocuments.VALID.get(base));
        int deep = 0;
        int treeMutations = r.nextInt(4); // 0 to 3; zero keeps valid documents in the mix for text mutations
        for (int i = 0; i < treeMutations; i++) {
            List<Slot> slots = new ArrayList<>();
            collect(root, "$", slots);
            Slot s = slots.get(r.nextInt(slots.size()));
            int kind = r.nextInt(9);
            switch (kind) {
                case 0 -> {
                    s.remove();
                    steps.add("delete " + s.path);
                }
                case 1 -> {
                    JsonNode v = randomValue(r);
                    s.replace(v);
                    steps.add("set " + s.path + " = " + v);
                }
                case 2 -> {
                    String name = NAMES.get(r.nextInt(NAMES.size()));
                    s.replace(NODES.textNode(name));
                    steps.add("set " + s.path + " = \"" + name + "\"");
                }
                case 3 -> {
                    String id = anyId(root, r);
                    s.replace(NODES.textNode(id));
                    steps.add("set " + s.path + " = \"" + id + "\" (an id of the document)");
                }
                case 4 -> {
                    if (s.node().isArray() && !s.node().isEmpty() && r.nextInt(4) == 0) {
                        // just past a limit of PolicyLimits or of an enum list (7 days, 7 request types)
                        ArrayNode a = (ArrayNode) s.node();
                        int size = GROWN[r.nextInt(GROWN.length)];
                        JsonNode element = a.get(r.nextInt(a.size()));
                        while (a.size() < size) {
                            a.add(element.deepCopy());
                        }
                        steps.add("grow " + s.path + " to " + size + " elements");
                    } else if (s.node().isArray() && !s.node().isEmpty()) {
                        ArrayNode a = (ArrayNode) s.node();
                        a.add(a.get(r.nextInt(a.size())).deepCopy());
                        steps.add("duplicate an element of " + s.path);
                    } else if (s.parent instanceof ArrayNode a) {
                        a.add(s.node().deepCopy());
                        steps.add("duplicate " + s.path);
                    }
                }
                case 5 -> {
                    if (s.parent instanceof ObjectNode o && s.name != null) {
                        String typo = typo(s.name, r);
                        JsonNode v = o.remove(s.name);
                        o.set(typo, v);
                        steps.add("rename " + s.path + " to " + typo);
                    }
                }
                case 6 -> {
                    ObjectNode target = anyObject(root, r);
                    String name = r.nextBoolean() ? NAMES.get(r.nextInt(NAMES.size())) : randomText(r, 6);
                    target.set(name, randomValue(r));
                    steps.add("add field " + name);
                }
                case 7 -> {
                    deep = 1 + (r.nextInt(4) == 0 ? 500 + r.nextInt(12_000) : r.nextInt(120));
                    s.replace(NODES.textNode(DEEP));
                    steps.add("nest " + s.path + " " + deep + " levels deep");
                }
                default -> {
                    // A purpose's parent set to another purpose: reaches self-parents and cycles.
                    JsonNode ps = root.get("purposes");
                    if (ps instanceof ArrayNode a && !a.isEmpty() && a.get(r.nextInt(a.size())) instanceof ObjectNode p) {
                        String parent = anyPurposeId(root, r);
                        p.put("parent", parent);
                        steps.add("parent of " + p.get("id") + " = " + parent);
                    }
                }
            }
        }
        String json = r.nextBoolean() ? root.toString() : root.toPrettyString();
        if (deep > 0) {
            String open = r.nextBoolean() ? "[" : "{\"a\":";
            String close = open.equals("[") ? "]" : "}";
            json = json.replace("\"" + DEEP + "\"", open.repeat(deep) + "0" + close.repeat(deep));
        }
        int textMutations = treeMutations == 0 ? 1 + r.nextInt(2) : r.nextInt(2);
        for (int i = 0; i < textMutations && !json.isEmpty(); i++) {
            int at = r.nextInt(json.length() + 1);
            switch (r.nextInt(6)) {
                case 0 -> {
                    String junk = randomText(r, 1 + r.nextInt(4));
                    json = json.substring(0, at) + junk + json.substring(at);
                    steps.add("insert " + PolicyJson.quote(junk) + " at " + at);
                }
                case 1 -> {
                    int end = Math.min(json.length(), at + 1 + r.nextInt(20));
                    json = json.substring(0, at) + json.substring(end);
                    steps.add("cut " + at + ".." + end);
                }
                case 2 -> {
                    json = json.substring(0, at);
                    steps.add("truncate at " + at);
                }
                case 3 -> {
                    int brace = json.indexOf('{', at);
                    if (brace >= 0) {
                        json = json.substring(0, brace + 1) + "\"id\":\"dup\"," + json.substring(brace + 1);
                        steps.add("duplicate key id after " + brace);
                    }
                }
                case 4 -> {
                    String tail = List.of(" x", "}", "{}", "[]", "\u0000", " // comment", ",").get(r.nextInt(7));
                    json = json + tail;
                    steps.add("append " + PolicyJson.quote(tail));
                }
                default -> {
                    if (at < json.length()) {
                        String chars = "\"{}[],:0aZ \\\u00e9\u0007";
                        char c = chars.charAt(r.nextInt(chars.length()));
                        json = json.substring(0, at) + c + json.substring(at + 1);
                        steps.add("replace char " + at + " with " + PolicyJson.quote(String.valueOf(c)));
                    }
                }
            }
        }
        return new Mutant(json, steps);
    }

    /** A place in the tree that holds a value: a field of an object or an element of an array. */
    private static final class Slot {
        final JsonNode parent;
        final String name;
        final int index;
        final String path;

        Slot(JsonNode parent, String name, int index, String path) {
            this.parent = parent;
            this.name = name;
            this.index = index;
            this.path = path;
        }

        JsonNode node() {
            return name != null ? parent.get(name) : parent.get(index);
        }

        void remove() {
            if (name != null) {
                ((ObjectNode) parent).remove(name);
            } else {
                ((ArrayNode) parent).remove(index);
            }
        }

        void replace(JsonNode value) {
            if (name != null) {
                ((ObjectNode) parent).set(name, value);
            } else {
                ((ArrayNode) parent).set(index, value);
            }
        }
    }

    private static void collect(JsonNode node, String path, List<Slot> out) {
        if (node.isObject()) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                Slot s = new Slot(node, name, -1, path + "." + name);
                out.add(s);
                collect(node.get(name), s.path, out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                Slot s = new Slot(node, null, i, path + "[" + i + "]");
                out.add(s);
                collect(node.get(i), s.path, out);
            }
        }
    }

    private static ObjectNode anyObject(ObjectNode root, Random r) {
        List<Slot> slots = new ArrayList<>();
        collect(root, "$", slots);
        List<ObjectNode> objects = new ArrayList<>();
        objects.add(root);
        slots.stream().map(Slot::node).filter(JsonNode::isObject).forEach(n -> objects.add((ObjectNode) n));
        return objects.get(r.nextInt(objects.size()));
    }

    private static String anyId(ObjectNode root, Random r) {
        List<String> ids = new ArrayList<>();
        for (String list : List.of("categories", "purposes", "recipients")) {
            root.path(list).forEach(e -> {
                if (e.path("id").isTextual()) {
                    ids.add(e.get("id").asText());
                }
            });
        }
        return ids.isEmpty() ? "none" : ids.get(r.nextInt(ids.size()));
    }

    private static String anyPurposeId(ObjectNode root, Random r) {
        List<String> ids = new ArrayList<>();
        root.path("purposes").forEach(e -> ids.add(e.path("id").asText("x")));
        return ids.isEmpty() ? "x" : ids.get(r.nextInt(ids.size()));
    }

    private static JsonNode randomValue(Random r) {
        return switch (r.nextInt(14)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(r.nextBoolean());
            case 2 -> NODES.numberNode(r.nextInt(300) - 100);
            case 3 -> NODES.numberNode(r.nextLong());
            case 4 -> NODES.numberNode(new BigDecimal("1e" + r.nextInt(400)));
            case 5 -> NODES.numberNode(r.nextDouble() * 100);
            case 6 -> NODES.arrayNode();
            case 7 -> NODES.objectNode();
            case 8 -> NODES.arrayNode().add(randomText(r, 5)).add(NAMES.get(r.nextInt(NAMES.size())));
            case 9 -> NODES.textNode("");
            case 10 -> NODES.textNode(List.of("P2Y", "P0D", "-P1Y", "PT5H", "2 years", "P1Y-2M", "P999999999Y",
                    "2025-02-30", "2025-01-01", "Europe/Berlin", "+25:00", "Z").get(r.nextInt(12)));
            case 11 -> NODES.textNode("x".repeat(r.nextInt(5_000)));
            case 12 -> NODES.objectNode().put(NAMES.get(r.nextInt(NAMES.size())), randomText(r, 3));
            default -> NODES.textNode(randomText(r, r.nextInt(12)));
        };
    }

    /** Short text with the characters that break readers: quotes, escapes, controls, surrogates, non-Latin. */
    private static String randomText(Random r, int length) {
        String alphabet = "abcz09._-AZ \"\\{}[]:,\t\n\u0000\u0007\u007f\u00e9\u200b\u202e\ud83d\ude00\ud800";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static String typo(String name, Random r) {
        if (name.isEmpty()) {
            return "x";
        }
        int i = r.nextInt(name.length());
        return switch (r.nextInt(3)) {
            case 0 -> name.substring(0, i) + name.substring(i + 1);
            case 1 -> name.substring(0, i) + Character.toUpperCase(name.charAt(i)) + name.substring(i + 1);
            default -> name + "s";
        };
    }

    /** Field names and enum constants of the format: mutations that stay close to a valid document. */
    private static List<String> names() {
        List<String> names = new ArrayList<>(List.of("id", "version", "effectiveFrom", "lastUpdated", "timeZone",
                "controller", "categories", "purposes", "recipients", "title", "description", "legalBasis",
                "mechanism", "consentVersion", "consentLifetime", "minimumAge", "guardianConsent", "parent",
                "saleOrSharing", "sensitive", "name", "contact", "role", "location"));
        for (Enum<?>[] values : List.<Enum<?>[]>of(LegalBasis.values(), Mechanism.values(), Recipient.Role.values())) {
            for (Enum<?> e : values) {
                names.add(e.name());
            }
        }
        return List.copyOf(names);
    }
}
