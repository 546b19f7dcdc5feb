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
import dev.consent.retention.Anchor;
import dev.consent.retention.CountFrom;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionPeriod;
import dev.consent.retention.RetentionRule;
import dev.consent.rights.DeadlineTerm;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsTerm;

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
import java.util.regex.Pattern;
import java.util.stream.Collectors;

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
    private static final String CATEGORIES = "data categories a policy may declare (PolicyLimits.MAX_CATEGORIES)";
    private static final String PURPOSES = "purposes a policy may declare (PolicyLimits.MAX_PURPOSES)";

    private PolicyJson() {
    }

    /**
     * Reads the policy in {@code file}. A file larger than {@link PolicyLimits#MAX_DOCUMENT_BYTES} is refused
     * after reading at most that many bytes of it.
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

    /** Reads the policy in {@code json}; more than {@link PolicyLimits#MAX_DOCUMENT_BYTES} in UTF-8 is refused. */
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
        Fields f = new Fields();
        try {
            return fromTree(root, source, f);
        } catch (TooManyProblems enough) {
            throw new InvalidPolicyException(source, f.problems); // the first ones, and that there are more
        }
    }

    private static Policy fromTree(JsonNode root, String source, Fields f) {
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
                "language", "storageLocations", "signals");
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
        List<Integer> categoryAt = new ArrayList<>();
        List<Integer> purposeAt = new ArrayList<>();
        List<Integer> recipientAt = new ArrayList<>();
        Set<CategoryId> otherCategories = new LinkedHashSet<>();
        Set<PurposeId> otherPurposes = new LinkedHashSet<>();
        boolean categoriesRead = f.array(root, "$", "categories", true, PolicyLimits.MAX_CATEGORIES, CATEGORIES,
                (node, at, i) -> {
            f.onlyKnown(node, at, "id", "description", "sensitive");
            CategoryId cid = f.value(node, at, "id", true, CategoryId::of);
            String description = f.string(node, at, "description", true);
            boolean sensitive = f.bool(node, at, "sensitive", false);
            if (f.construct(at, () -> b.category(new DataCategory(cid, description, sensitive)))) {
                categoryAt.add(i);
            } else if (cid != null) {
                otherCategories.add(cid);
            }
        });
        boolean purposesRead = f.array(root, "$", "purposes", true, PolicyLimits.MAX_PURPOSES, PURPOSES,
                (node, at, i) -> {
            f.onlyKnown(node, at, "id", "title", "description", "legalBasis", "mechanism", "categories",
                    "consentVersion", "consentLifetime", "minimumAge", "guardianConsent", "parent", "saleOrSharing",
                    "purposeCategories");
            PurposeId pid = f.value(node, at, "id", true, PurposeId::of);
            String title = f.string(node, at, "title", true);
            String description = f.string(node, at, "description", false);
            LegalBasis basis = f.enumValue(node, at, "legalBasis", true, LegalBasis.class);
            Mechanism mechanism = f.enumValue(node, at, "mechanism", false, Mechanism.class);
            Set<CategoryId> categories = f.list(node, at, "categories", true, PolicyLimits.MAX_CATEGORIES, CATEGORIES,
                    CategoryId::of);
            Integer version1 = f.integer(node, at, "consentVersion", false, 1, Purpose.MAX_CONSENT_VERSION);
            Period lifetime = f.period(node, at, "consentLifetime");
            Integer minimumAge = f.integer(node, at, "minimumAge", false, 1, 120);
            boolean guardian = f.bool(node, at, "guardianConsent", true);
            PurposeId parent = f.value(node, at, "parent", false, PurposeId::of);
            boolean sale = f.bool(node, at, "saleOrSharing", false);
            Set<PurposeCategory> kantara = f.enumList(node, at, "purposeCategories", PurposeCategory.class);
            if (categories != null && categories.isEmpty()) {
                f.problem(at + ".categories", "[]", "must name at least one data category");
            }
            if (kantara != null && kantara.isEmpty()) {
                f.problem(at + ".purposeCategories", "[]",
                        "must name at least one Kantara purpose category, or be left out");
            }
            if (f.construct(at, () -> b.purpose(new Purpose(pid, title, description, basis,
                    mechanism != null ? mechanism : Purpose.defaultMechanism(basis), categories,
                    version1 == null ? 1 : version1, Optional.ofNullable(lifetime),
                    minimumAge == null ? OptionalInt.empty() : OptionalInt.of(minimumAge), guardian,
                    Optional.ofNullable(parent), sale, kantara == null ? Set.of() : kantara)))) {
                purposeAt.add(i);
            } else if (pid != null) {
                otherPurposes.add(pid);
            }
        });
        f.array(root, "$", "recipients", false, PolicyLimits.MAX_RECIPIENTS,
                "recipients a policy may declare (PolicyLimits.MAX_RECIPIENTS)", (node, at, i) -> {
            f.onlyKnown(node, at, "id", "name", "role", "categories", "purposes", "location");
            String rid = f.value(node, at, "id", true, v -> dev.consent.internal.Checks.dottedId("id", v, 100));
            String name = f.string(node, at, "name", true);
            Recipient.Role role = f.enumValue(node, at, "role", true, Recipient.Role.class);
            Set<CategoryId> categories = f.list(node, at, "categories", true, PolicyLimits.MAX_CATEGORIES, CATEGORIES,
                    CategoryId::of);
            Set<PurposeId> purposes = f.list(node, at, "purposes", true, PolicyLimits.MAX_PURPOSES, PURPOSES,
                    PurposeId::of);
            String location = f.string(node, at, "location", false);
            if (f.construct(at, () -> b.recipient(new Recipient(rid, name, role, categories, purposes, location)))) {
                recipientAt.add(i);
            }
        });
        List<Integer> retentionAt = new ArrayList<>();
        f.array(root, "$", "retention", false, PolicyLimits.MAX_RETENTION_RULES,
                "retention rules a policy may declare (PolicyLimits.MAX_RETENTION_RULES)", (node, at, i) -> {
            f.onlyKnown(node, at, "id", "category", "purpose", "kind", "period", "after", "countFrom", "action",
                    "overridesDelete", "legalReference", "description");
            String rid = f.value(node, at, "id", true, v -> dev.consent.internal.Checks.dottedId("id", v, 100));
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
            if (f.construct(at, () -> b.retention(new RetentionRule(rid, category, Optional.ofNullable(purpose), period,
                    anchor, countFrom == null ? CountFrom.ANCHOR : countFrom, kind, Optional.ofNullable(action),
                    overridesDelete, legalReference, description)))) {
                retentionAt.add(i);
            }
        });
        List<String> rightsPaths = new ArrayList<>();
        f.array(root, "$", "rights", false, PolicyLimits.MAX_RIGHTS_ENTRIES,
                "entries a policy may have here, one per request type being all it needs "
                        + "(PolicyLimits.MAX_RIGHTS_ENTRIES)", (node, at, i) -> {
            f.onlyKnown(node, at, "types", "within", "unit", "from", "extension", "acknowledgeWithin",
                    "refusalAlternative");
            Set<RequestType> types = f.enumList(node, at, "types", RequestType.class);
            Integer within = f.integer(node, at, "within", true, 1, 3660);
            DeadlineTerm.Unit unit = f.enumValue(node, at, "unit", true, DeadlineTerm.Unit.class);
            DeadlineTerm.Start start = f.enumValue(node, at, "from", false, DeadlineTerm.Start.class);
            String alternative = f.string(node, at, "refusalAlternative", false);
            DeadlineTerm.Extension[] extension = new DeadlineTerm.Extension[1];
            boolean extensionOk = true;
            JsonNode ext = f.object(node, at, "extension", false);
            if (ext != null) {
                String ep = at + ".extension";
                f.onlyKnown(ext, ep, "to", "by", "unit");
                boolean to = ext.has("to");
                if (to == ext.has("by")) {
                    f.problem(ep, kind(ext), "must have exactly one of \"to\" (a total from the same start) or \"by\" "
                            + "(more time after the first deadline)");
                    extensionOk = false;
                } else {
                    Integer amount = f.integer(ext, ep, to ? "to" : "by", true, 1, 3660);
                    DeadlineTerm.Unit eu = f.enumValue(ext, ep, "unit", true, DeadlineTerm.Unit.class);
                    if (amount != null && eu != null) {
                        extension[0] = new DeadlineTerm.Extension(to, amount, eu);
                    } else {
                        extensionOk = false;
                    }
                }
            }
            DeadlineTerm.Acknowledgement[] ack = new DeadlineTerm.Acknowledgement[1];
            JsonNode ackNode = f.object(node, at, "acknowledgeWithin", false);
            if (ackNode != null) {
                String ap = at + ".acknowledgeWithin";
                f.onlyKnown(ackNode, ap, "amount", "unit");
                Integer amount = f.integer(ackNode, ap, "amount", true, 1, 3660);
                DeadlineTerm.Unit au = f.enumValue(ackNode, ap, "unit", true, DeadlineTerm.Unit.class);
                if (amount != null && au != null) {
                    ack[0] = new DeadlineTerm.Acknowledgement(amount, au);
                } else {
                    extensionOk = false;
                }
            }
            if (types == null || within == null || unit == null || !extensionOk) {
                return;
            }
            DeadlineTerm term = new DeadlineTerm(within, unit, start == null ? DeadlineTerm.Start.RECEIPT : start,
                    Optional.ofNullable(extension[0]), Optional.ofNullable(ack[0]));
            int k = 0;
            for (RequestType t : types) {
                int index = k++;
                if (f.construct(at, () -> b.rights(new RightsTerm(t, term, Optional.ofNullable(alternative))))) {
                    rightsPaths.add(at + ".types[" + index + "]");
                }
            }
        });
        JsonNode calendar = f.object(root, "$", "calendar", false);
        if (calendar != null) {
            f.onlyKnown(calendar, "$.calendar", "weekend", "holidays", "workingDays");
            Set<java.time.DayOfWeek> weekend = f.enumList(calendar, "$.calendar", "weekend", java.time.DayOfWeek.class);
            if (weekend != null) {
                b.weekend(weekend.toArray(new java.time.DayOfWeek[0]));
            }
            Set<java.time.LocalDate> holidays = f.dates(calendar, "$.calendar", "holidays", PolicyLimits.MAX_HOLIDAYS,
                    "holidays a calendar may list (PolicyLimits.MAX_HOLIDAYS)");
            if (holidays != null) {
                b.holidays(holidays.toArray(new java.time.LocalDate[0]));
            }
            Set<java.time.LocalDate> workingDays = f.dates(calendar, "$.calendar", "workingDays",
                    PolicyLimits.MAX_WORKING_DAYS, "working days a calendar may list (PolicyLimits.MAX_WORKING_DAYS)");
            if (workingDays != null) {
                b.workingDays(workingDays.toArray(new java.time.LocalDate[0]));
            }
        }
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
        PolicyValidator.Layout layout = new PolicyValidator.Layout(categoryAt, purposeAt, recipientAt,
                categoriesRead ? otherCategories : null, purposesRead ? otherPurposes : null, retentionAt, rightsPaths);
        throw new InvalidPolicyException(source, PolicyValidator.validate(b, layout, f.problems, f::reportedWithin));
    }

    /**
     * The controller: its name and contact, and the details consent receipts name (a postal address, email, phone, an
     * identifier, a web site). Each malformed field is reported at its own path.
     */
    private static void readController(Fields f, JsonNode controller, Policy.Builder b) {
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

    /** Whether {@code path} is {@code at} or inside it; {@code $.purposes[10]} is not inside {@code $.purposes[1]}. */
    private static boolean within(String path, String at) {
        return path.equals(at) || path.startsWith(at + ".") || path.startsWith(at + "[");
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

    /** Field readers that record problems instead of throwing, so every problem is found in one pass. */
    static final class Fields {
        final List<PolicyProblem> problems = new ArrayList<>();
        /**
         * Every path a problem is at or inside: {@code $.purposes[1].title} puts {@code $}, {@code $.purposes},
         * {@code $.purposes[1]} and itself here. Whether a problem is within a path is then one look-up, not a
         * scan of every problem, which made a document with many problems take quadratic time.
         */
        private final Set<String> reportedWithin = new java.util.HashSet<>();

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
                    problem(path, kind(element), "is not one of " + java.util.Arrays.stream(type.getEnumConstants())
                            .map(Enum::name).collect(java.util.stream.Collectors.joining(", ")));
                    ok = false;
                } else if (!out.add(e)) {
                    problem(path, kind(element), "is listed twice");
                    ok = false;
                }
            }
            return ok ? out : null;
        }

        /** An array of ISO dates; null when missing or malformed (reported). */
        Set<java.time.LocalDate> dates(JsonNode node, String at, String name, int max, String what) {
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
            Set<java.time.LocalDate> out = new java.util.TreeSet<>();
            boolean ok = true;
            for (int i = 0; i < v.size(); i++) {
                JsonNode element = v.get(i);
                try {
                    if (!element.isTextual()) {
                        throw new DateTimeParseException("not text", "", 0);
                    }
                    out.add(java.time.LocalDate.parse(element.asText()));
                } catch (DateTimeParseException e) {
                    problem(member(at, name) + "[" + i + "]", kind(element),
                            "is not an ISO-8601 date (expected e.g. 2025-12-25)");
                    ok = false;
                }
            }
            return ok ? out : null;
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
    }

    /** Stops reading a document once it has more problems than one exception lists. */
    private static final class TooManyProblems extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooManyProblems() {
            super(null, null, false, false);
        }
    }

    @FunctionalInterface
    interface ElementReader {
        void read(JsonNode node, String path, int index);
    }
}
