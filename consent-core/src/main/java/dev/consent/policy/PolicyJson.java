package dev.consent.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.consent.InvalidValueException;
import dev.consent.internal.MessageValues;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads a {@link Policy} from its JSON document (the format is described in {@code docs/policy-format.md}).
 *
 * <p>Strict on purpose: unknown fields, duplicate keys, wrong types and unknown enum values are errors,
 * because a typo in a privacy policy silently ignored is a promise silently broken. Every problem in
 * the document is reported at once, each with its JSON path, the value found and the rule broken, in
 * one {@link InvalidPolicyException}. Bounded: a document larger than {@link PolicyLimits#MAX_DOCUMENT_BYTES} is
 * refused after reading that much of it, an array longer than its limit in {@link PolicyLimits} before its elements
 * are read, and reading stops after {@link PolicyLimits#MAX_PROBLEMS} problems. Thread-safe.
 */
public final class PolicyJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    /** Deeper documents are not policies; refusing them keeps hostile input from exhausting the stack. */
    private static final int MAX_DEPTH = 64;
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private PolicyJson() {
    }

    /**
     * Reads the policy in {@code file}. A file larger than {@link PolicyLimits#MAX_DOCUMENT_BYTES} is refused
     * after reading at most that many bytes of it.
     *
     * @param file the policy document
     * @return the policy
     * @throws InvalidPolicyException listing every problem of the document
     * @throws java.io.UncheckedIOException when the file cannot be read
     */
    public static Policy read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read policy file " + file, e);
        }
    }

    /**
     * Reads the policy from {@code in} and closes it; {@code source} names it in messages. A document
     * larger than {@link PolicyLimits#MAX_DOCUMENT_BYTES} is refused after reading at most that many bytes, so
     * that a huge or endless stream costs neither the memory nor the time of reading it all.
     *
     * @param in the document, UTF-8
     * @param source names the document in messages; null for none
     * @return the policy
     * @throws InvalidPolicyException listing every problem of the document
     * @throws java.io.UncheckedIOException when the stream cannot be read
     */
    public static Policy read(InputStream in, String source) {
        JsonNode root;
        try (JsonParser parser = MAPPER.createParser(new AtMost(in, PolicyLimits.MAX_DOCUMENT_BYTES))) {
            root = tree(parser, source);
        } catch (JsonProcessingException e) {
            throw syntax(source, e);
        } catch (AtMost.TooLarge e) {
            throw tooLarge(source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read policy " + source, e);
        }
        return fromTree(root, source);
    }

    /**
     * Reads the policy in {@code json}; more than {@link PolicyLimits#MAX_DOCUMENT_BYTES} in UTF-8 is refused.
     *
     * @param json the document
     * @return the policy
     * @throws InvalidPolicyException listing every problem of the document
     */
    public static Policy read(String json) {
        if (json != null && utf8Length(json) > PolicyLimits.MAX_DOCUMENT_BYTES) {
            throw tooLarge(null);
        }
        JsonNode root;
        try (JsonParser parser = MAPPER.createParser(json)) {
            root = tree(parser, null);
        } catch (JsonProcessingException e) {
            throw syntax(null, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read policy text", e); // a String cannot fail to be read
        }
        return fromTree(root, null);
    }

    private static InvalidPolicyException tooLarge(String source) {
        return new InvalidPolicyException(source, List.of(new PolicyProblem("$", null, "is larger than "
                + PolicyLimits.MAX_DOCUMENT_BYTES + " bytes (4 MiB), the most a policy document may be "
                + "(PolicyLimits.MAX_DOCUMENT_BYTES)")));
    }

    /** The length of {@code s} in UTF-8, without encoding it. */
    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4; // one code point in two chars
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * A stream that fails once more than {@code max} bytes were read from it: the reader stops at the limit instead
     * of building a tree of a document of any size. It never reads more than one buffer past the limit.
     */
    private static final class AtMost extends java.io.FilterInputStream {
        private final long max;
        private long count;

        AtMost(InputStream in, long max) {
            super(dev.consent.internal.Checks.required("in", in));
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            counted(skipped);
            return skipped;
        }

        private void counted(long n) throws TooLarge {
            count += n;
            if (count > max) {
                throw new TooLarge();
            }
        }

        /** The document is larger than the limit. */
        static final class TooLarge extends IOException {
            private static final long serialVersionUID = 1L;
        }
    }

    /** The document's one value; {@code null} when there is none. More text after it is refused. */
    private static JsonNode tree(JsonParser parser, String source) throws IOException {
        JsonNode root = MAPPER.readTree(parser);
        if (root != null && parser.nextToken() != null) {
            JsonLocation at = parser.currentTokenLocation();
            throw new InvalidPolicyException(source, List.of(new PolicyProblem("$", null,
                    "is followed by more text at line " + at.getLineNr() + ", column " + at.getColumnNr()
                            + "; a policy is exactly one JSON object")));
        }
        return root;
    }

    private static InvalidPolicyException syntax(String source, JsonProcessingException e) {
        if (e instanceof StreamConstraintsException) {
            // Jackson's limits (nesting depth, length of numbers, strings and names) stop hostile input
            // before it costs stack or memory; such a document is valid JSON but cannot be a policy.
            return new InvalidPolicyException(source,
                    List.of(new PolicyProblem("$", null, "is too large or too deeply nested for a policy: "
                            + readable(e))));
        }
        String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        String path = e.getProcessor() instanceof JsonParser p ? path(p.getParsingContext()) : "$";
        return new InvalidPolicyException(source,
                List.of(new PolicyProblem(path, null, "is not valid JSON" + where + ": " + readable(e))));
    }

    /**
     * Jackson's message without the parts that name Jackson's own settings rather than the document, and
     * with the characters it quotes from the document escaped (it shows them raw, even invisible ones).
     */
    private static String readable(JsonProcessingException e) {
        String message = e.getOriginalMessage()
                .replaceAll(" \\(for \\w+ starting at \\[Source: [^\\]]*\\]\\)", "")
                .replaceAll(", from `[^`]*`", "");
        return MessageValues.escape(message);
    }

    /** The path the parser had reached, so that a syntax error or a duplicate key names where it is. */
    private static String path(JsonStreamContext context) {
        if (context == null || context.inRoot()) {
            return "$";
        }
        String parent = path(context.getParent());
        if (context.inArray()) {
            return parent + "[" + Math.max(0, context.getCurrentIndex()) + "]";
        }
        return context.getCurrentName() == null ? parent : member(parent, context.getCurrentName());
    }

    /** {@code $.name} for a plain name, {@code $["odd name"]} for one that would make the path ambiguous. */
    static String member(String at, String name) {
        return PLAIN_NAME.matcher(name).matches() ? at + "." + name : at + "[" + quote(name) + "]";
    }

    private static Policy fromTree(JsonNode root, String source) {
        PolicyFields f = new PolicyFields();
        try {
            return fromTree(root, source, f);
        } catch (PolicyFields.TooManyProblems enough) {
            throw new InvalidPolicyException(source, f.problems); // the first ones, and that there are more
        }
    }

    private static Policy fromTree(JsonNode root, String source, PolicyFields f) {
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
        f.onlyKnown(root, "$", "id", "version", "effectiveFrom", "lastUpdated", "timeZone", "controller", "minimumAge",
                "categories", "purposes", "recipients", "retention", "rights", "calendar", "jurisdictions", "policyUrl",
                "language", "storageLocations", "signals", "jurisdictionRules");
        String id = f.string(root, "$", "id", true);
        String version = f.string(root, "$", "version", true);
        Policy.Builder b = Policy.builder(id, version);
        b.effectiveFrom(f.date(root, "$", "effectiveFrom", true));
        b.lastUpdated(f.date(root, "$", "lastUpdated", false));
        b.zone(f.zone(root, "$", "timeZone"));
        JsonNode controller = f.object(root, "$", "controller", false);
        if (controller != null) {
            readController(f, controller, b);
        }
        // what consent receipts name beside the controller; their form is checked with the policy's other rules
        Function<String, String> region = code -> {
            if (!Locations.isRegion(code)) {
                throw new InvalidValueException("location", code, Locations.REGION_RULE);
            }
            return code;
        };
        Set<String> jurisdictions = f.list(root, "$", "jurisdictions", false, PolicyLimits.MAX_CATEGORIES,
                "regions a list may name", region);
        b.jurisdictions(jurisdictions == null ? new String[0] : jurisdictions.toArray(String[]::new));
        Set<String> storage = f.list(root, "$", "storageLocations", false, PolicyLimits.MAX_CATEGORIES,
                "regions a list may name", region);
        b.storageLocations(storage == null ? new String[0] : storage.toArray(String[]::new));
        b.policyUrl(f.string(root, "$", "policyUrl", false));
        b.language(f.string(root, "$", "language", false));
        Integer serviceMinimumAge = f.integer(root, "$", "minimumAge", false, 1, 120);
        if (serviceMinimumAge != null) {
            f.construct("$", () -> b.minimumAge(serviceMinimumAge));
        }
        // each section has its reader; all of them report through f, so one pass finds every problem
        CatalogueJson catalogue = new CatalogueJson(f, b);
        catalogue.categories(root);
        catalogue.purposes(root);
        catalogue.recipients(root);
        TermsJson terms = new TermsJson(f, b);
        terms.retention(root);
        terms.rights(root);
        terms.calendar(root);
        JurisdictionRulesJson.read(f, terms, root, b);
        JsonNode signals = f.object(root, "$", "signals", false);
        if (signals != null) {
            SignalMappingsJson.read(f, signals, b);
        }

        if (f.problems.isEmpty()) {
            try {
                return b.build();
            } catch (InvalidPolicyException e) {
                throw new InvalidPolicyException(source, e.problems());
            }
        }
        // Every problem at once: the cross-field rules also run on the well-formed elements. A rule
        // broken where a field is already reported (a missing id, an unreadable date, a list whose
        // elements were all malformed) would only say the same thing again, so it is left out.
        PolicyValidator.Layout layout = new PolicyValidator.Layout(catalogue.categoryAt, catalogue.purposeAt,
                catalogue.recipientAt, catalogue.otherCategories(), catalogue.otherPurposes(), terms.retentionAt,
                terms.rightsPaths);
        throw new InvalidPolicyException(source, PolicyValidator.validate(b.parts(), layout, f.problems,
                f::reportedWithin));
    }

    /**
     * The controller: its name and contact, and the details consent receipts name (a postal address, email, phone, an
     * identifier, a web site). Each malformed field is reported at its own path.
     */
    private static void readController(PolicyFields f, JsonNode controller, Policy.Builder b) {
        String at = "$.controller";
        f.onlyKnown(controller, at, "name", "contact", "address", "email", "phone", "id", "url");
        String name = f.string(controller, at, "name", true);
        String contact = f.string(controller, at, "contact", true);
        String email = f.string(controller, at, "email", false);
        String phone = f.string(controller, at, "phone", false);
        String id = f.string(controller, at, "id", false);
        String url = f.string(controller, at, "url", false);
        PostalAddress[] address = new PostalAddress[1];
        JsonNode addressNode = f.object(controller, at, "address", false);
        if (addressNode != null) {
            String a = at + ".address";
            f.onlyKnown(addressNode, a, "streetAddress", "postalCode", "locality", "region", "country");
            String street = f.string(addressNode, a, "streetAddress", true);
            String postalCode = f.string(addressNode, a, "postalCode", false);
            String locality = f.string(addressNode, a, "locality", true);
            String region = f.string(addressNode, a, "region", false);
            String country = f.string(addressNode, a, "country", true);
            f.construct(a, () -> address[0] = new PostalAddress(street, postalCode, locality, region, country));
        }
        f.construct(at, () -> b.controller(new Controller(name, contact, address[0], email, phone, id, url)));
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

    /** A value of the policy document as it reads in a problem: see {@link MessageValues#quote}. */
    static String quote(Object value) {
        return MessageValues.quote(value);
    }

}
