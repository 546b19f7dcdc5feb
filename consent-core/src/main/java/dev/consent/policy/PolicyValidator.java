package dev.consent.policy;

import dev.consent.InvalidValueException;
import dev.consent.retention.RetentionRule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/** The cross-field rules of a policy, shared by the builder and the JSON reader. */
final class PolicyValidator {
    private PolicyValidator() {
    }

    /**
     * Where the builder's elements stand in the source document. The JSON reader leaves an element with a
     * malformed field out of the builder (that field is already reported); these indexes keep the paths
     * of the other elements as written, and the ids of the left-out elements still count as declared, so
     * that one typo is not reported again at every reference to it. A {@code null} set means the list
     * could not be read at all (it is missing or not an array, and reported so): references to it are
     * then not checked, since every one of them would be reported.
     */
    record Layout(List<Integer> categoryAt, List<Integer> purposeAt, List<Integer> recipientAt,
            Set<CategoryId> otherCategories, Set<PurposeId> otherPurposes, List<Integer> retentionAt,
            List<String> rightsPaths) {

        /** Every element where the builder has it: the builder's own insertion order. */
        static Layout of(PolicyParts b) {
            return new Layout(upTo(b.categories().size()), upTo(b.purposes().size()), upTo(b.recipients().size()),
                    Set.of(), Set.of(), upTo(b.retentionRules().size()),
                    upTo(b.rightsTerms().size()).stream().map(i -> "$.rights[" + i + "].type").toList());
        }

        private static List<Integer> upTo(int n) {
            return IntStream.range(0, n).boxed().toList();
        }
    }

    static List<PolicyProblem> validate(PolicyParts b) {
        return validate(b, Layout.of(b), List.of(), path -> false);
    }

    /**
     * {@code known} followed by the problems of the cross-field rules, except those at a path {@code repeats}
     * says is reported already. Stops once there are more than {@link PolicyLimits#MAX_PROBLEMS}, so that a
     * policy with millions of broken references costs no more than one with a thousand; the
     * {@link InvalidPolicyException} then says that more were found.
     */
    static List<PolicyProblem> validate(PolicyParts b, Layout layout, List<PolicyProblem> known,
            Predicate<String> repeats) {
        Problems problems = new Problems(known, repeats);
        try {
            check(b, layout, problems);
        } catch (Problems.Full full) {
            // the list holds one more than the limit: enough to say that there are more
        }
        return problems.list;
    }

    /** A list of problems that leaves out repeats and is full one past the limit. */
    private static final class Problems {
        private final List<PolicyProblem> list;
        private final Predicate<String> repeats;

        Problems(List<PolicyProblem> known, Predicate<String> repeats) {
            this.list = new ArrayList<>(known);
            this.repeats = repeats;
        }

        void add(PolicyProblem p) {
            if (list.size() > PolicyLimits.MAX_PROBLEMS) {
                throw new Full();
            }
            if (!repeats.test(p.path())) {
                list.add(p);
            }
        }

        /** Thrown to stop the checks once enough is known; carries nothing. */
        static final class Full extends RuntimeException {
            private static final long serialVersionUID = 1L;

            Full() {
                super(null, null, false, false);
            }
        }
    }

    private static void check(PolicyParts b, Layout layout, Problems problems) {
        try {
            dev.consent.internal.Checks.dottedId("policy.id", b.id(), 100);
        } catch (InvalidValueException e) {
            problems.add(new PolicyProblem("$.id", e.value() == null ? null : q(e.value()), e.rule()));
        }
        try {
            dev.consent.internal.Checks.text("policy.version", b.version(), 50);
        } catch (InvalidValueException e) {
            problems.add(new PolicyProblem("$.version", e.value() == null ? null : q(e.value()), e.rule()));
        }
        if (b.effectiveFrom() == null) {
            problems.add(new PolicyProblem("$.effectiveFrom", null, "is required (an ISO date, e.g. 2025-01-31)"));
        }
        if (b.zone() == null) {
            problems.add(new PolicyProblem("$.timeZone", null, "is required (an IANA zone id, e.g. Europe/Berlin)"));
        }
        if (b.purposes().isEmpty()) {
            problems.add(new PolicyProblem("$.purposes", "[]", "must declare at least one purpose"));
        }

        Map<CategoryId, Integer> categoryAt = new HashMap<>();
        for (int i = 0; i < b.categories().size(); i++) {
            CategoryId id = b.categories().get(i).id();
            int here = layout.categoryAt().get(i);
            Integer first = categoryAt.putIfAbsent(id, here);
            if (first != null) {
                problems.add(new PolicyProblem("$.categories[" + here + "].id", q(id),
                        "is declared twice (first at $.categories[" + first + "])"));
            }
        }
        Set<CategoryId> declaredCategories = new HashSet<>(categoryAt.keySet());
        Predicate<CategoryId> undeclaredCategory = layout.otherCategories() == null ? c -> false
                : c -> !declaredCategories.contains(c) && !layout.otherCategories().contains(c);

        Map<PurposeId, Integer> purposeAt = new HashMap<>();
        for (int i = 0; i < b.purposes().size(); i++) {
            PurposeId id = b.purposes().get(i).id();
            int here = layout.purposeAt().get(i);
            Integer first = purposeAt.putIfAbsent(id, here);
            if (first != null) {
                problems.add(new PolicyProblem("$.purposes[" + here + "].id", q(id),
                        "is declared twice (first at $.purposes[" + first + "])"));
            }
        }
        Predicate<PurposeId> undeclaredPurpose = layout.otherPurposes() == null ? x -> false
                : x -> !purposeAt.containsKey(x) && !layout.otherPurposes().contains(x);

        for (int i = 0; i < b.purposes().size(); i++) {
            Purpose p = b.purposes().get(i);
            String at = "$.purposes[" + layout.purposeAt().get(i) + "]";
            int k = 0;
            for (CategoryId c : p.categories()) {
                if (undeclaredCategory.test(c)) {
                    problems.add(new PolicyProblem(at + ".categories[" + k + "]", q(c),
                            "is not a declared category (declare it under $.categories)"));
                }
                k++;
            }
            checkMechanism(p, at, problems);
            checkTranslations(p, at, b.language(), problems);
            if (p.consentLifetime().isPresent() && p.basis() != LegalBasis.CONSENT) {
                problems.add(new PolicyProblem(at + ".consentLifetime", q(p.consentLifetime().get()),
                        "is only meaningful for a purpose on legal basis CONSENT, not " + p.basis()));
            }
            if (p.minimumAge().isPresent() && p.basis() != LegalBasis.CONSENT) {
                problems.add(new PolicyProblem(at + ".minimumAge", String.valueOf(p.minimumAge().getAsInt()),
                        "is only enforced for a purpose on legal basis CONSENT (GDPR Art. 8), not " + p.basis()));
            }
            if (p.saleOrSharing() && p.basis() != LegalBasis.CONSENT
                    && p.basis() != LegalBasis.LEGITIMATE_INTERESTS) {
                problems.add(new PolicyProblem(at + ".saleOrSharing", "true",
                        "needs legal basis CONSENT or LEGITIMATE_INTERESTS, so that an opt-out can apply, not "
                                + p.basis()));
            }
            p.parent().ifPresent(parent -> {
                if (parent.equals(p.id())) {
                    problems.add(new PolicyProblem(at + ".parent", q(parent), "must not be the purpose itself"));
                } else if (undeclaredPurpose.test(parent)) {
                    problems.add(new PolicyProblem(at + ".parent", q(parent), "is not a declared purpose"));
                }
            });
        }
        checkAncestry(b.purposes(), purposeAt, layout, problems);

        Map<String, Integer> recipientAt = new HashMap<>();
        for (int i = 0; i < b.recipients().size(); i++) {
            Recipient r = b.recipients().get(i);
            int here = layout.recipientAt().get(i);
            String at = "$.recipients[" + here + "]";
            Integer first = recipientAt.putIfAbsent(r.id(), here);
            if (first != null) {
                problems.add(new PolicyProblem(at + ".id", q(r.id()),
                        "is declared twice (first at $.recipients[" + first + "])"));
            }
            int k = 0;
            for (CategoryId c : r.categories()) {
                if (undeclaredCategory.test(c)) {
                    problems.add(new PolicyProblem(at + ".categories[" + k + "]", q(c), "is not a declared category"));
                }
                k++;
            }
            k = 0;
            for (PurposeId pid : r.purposes()) {
                if (undeclaredPurpose.test(pid)) {
                    problems.add(new PolicyProblem(at + ".purposes[" + k + "]", q(pid), "is not a declared purpose"));
                }
                k++;
            }
        }
        Map<String, Integer> ruleAt = new HashMap<>();
        Map<PurposeId, Purpose> purposeById = new HashMap<>();
        b.purposes().forEach(p -> purposeById.putIfAbsent(p.id(), p));
        for (int i = 0; i < b.retentionRules().size(); i++) {
            RetentionRule r = b.retentionRules().get(i);
            int here = layout.retentionAt().get(i);
            String at = "$.retention[" + here + "]";
            Integer first = ruleAt.putIfAbsent(r.id(), here);
            if (first != null) {
                problems.add(new PolicyProblem(at + ".id", q(r.id()), "is declared twice (first at $.retention[" + first
                        + "])"));
            }
            if (undeclaredCategory.test(r.category())) {
                problems.add(new PolicyProblem(at + ".category", q(r.category()),
                        "is not a declared category (declare it under $.categories)"));
            }
            r.purpose().ifPresent(pid -> {
                Purpose p = purposeById.get(pid);
                if (p == null) {
                    if (undeclaredPurpose.test(pid)) {
                        problems.add(new PolicyProblem(at + ".purpose", q(pid), "is not a declared purpose"));
                    }
                } else if (!p.categories().contains(r.category())) {
                    problems.add(new PolicyProblem(at + ".purpose", q(pid), "does not use category " + r.category()
                            + ", so a rule for that category held for this purpose can never apply"));
                }
            });
        }
        Map<dev.consent.rights.RequestType, String> termAt = new java.util.EnumMap<>(dev.consent.rights.RequestType.class);
        for (int i = 0; i < b.rightsTerms().size(); i++) {
            dev.consent.rights.RightsTerm t = b.rightsTerms().get(i);
            String here = layout.rightsPaths().get(i);
            String first = termAt.putIfAbsent(t.type(), here);
            if (first != null) {
                problems.add(new PolicyProblem(here, q(t.type()),
                        "has a deadline already (at " + first + "); give each request type one"));
            }
        }
        if (b.weekend() != null && b.weekend().size() == 7) {
            problems.add(new PolicyProblem("$.calendar.weekend", String.valueOf(b.weekend()),
                    "must leave at least one working day"));
        }
        checkReceiptFields(b, problems);
        if (b.signals() != null) {
            SignalMappingsValidator.check(b.signals(), purposeById, undeclaredPurpose, problems::add);
        }
        if (!b.jurisdictionRules().isEmpty()) {
            Map<CategoryId, DataCategory> categoryById = new HashMap<>();
            b.categories().forEach(c -> categoryById.putIfAbsent(c.id(), c));
            JurisdictionRulesValidator.check(b.jurisdictionRules(), purposeById, categoryById, undeclaredPurpose,
                    problems::add);
        }
    }

    /**
     * The form of the fields consent receipts read (jurisdictions, storage locations, the policy's URL, its language).
     * Whether a policy has all that receipts need is a separate question ({@link Policy#receiptProblems()}): a policy
     * may leave them out, but what it states must be right.
     */
    private static void checkReceiptFields(PolicyParts b, Problems problems) {
        checkRegions("$.jurisdictions", b.jurisdictions(), problems);
        checkRegions("$.storageLocations", b.storageLocations(), problems);
        if (b.policyUrl() != null) {
            try {
                dev.consent.internal.Checks.text("policyUrl", b.policyUrl(), 500);
                if (!Controller.isWebUrl(b.policyUrl())) {
                    problems.add(new PolicyProblem("$.policyUrl", q(b.policyUrl()),
                            "must be an absolute http or https URL (where this version of the policy is published)"));
                }
            } catch (InvalidValueException e) {
                problems.add(new PolicyProblem("$.policyUrl", q(b.policyUrl()), e.rule()));
            }
        }
        if (b.language() != null && !Locations.isIso6391(b.language())) {
            problems.add(new PolicyProblem("$.language", q(b.language()),
                    "must be an ISO 639-1 language code: two lower-case letters, e.g. de or en"));
        }
    }

    /**
     * A translation is the purpose's notice in another language: so the policy must say which language its own title
     * and description are in, the purpose must have a notice text (a description) to translate, and no translation may
     * be in the policy's own language, which would give one language two texts and the evidence two hashes.
     */
    private static void checkTranslations(Purpose p, String at, String language, Problems problems) {
        if (p.translations().isEmpty()) {
            return;
        }
        String path = at + ".translations";
        if (language == null) {
            problems.add(new PolicyProblem(path, null, "needs the policy's language ($.language): the language of"
                    + " the purpose's own title and description, which the translations translate"));
        }
        if (p.description() == null || p.description().isBlank()) {
            problems.add(new PolicyProblem(path, null, "translates a notice text the purpose does not have: give"
                    + " the purpose a description (its notice text in the policy's language) first"));
        }
        for (String tag : p.translations().keySet()) {
            if (tag.equals(language)) {
                problems.add(new PolicyProblem(PolicyJson.member(path, tag), q(tag), "is the policy's own language"
                        + " ($.language): the purpose's title and description are its notice in " + tag));
            }
        }
    }

    private static void checkRegions(String at, List<String> codes, Problems problems) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < codes.size(); i++) {
            String code = codes.get(i);
            String path = at + "[" + i + "]";
            if (code == null) {
                problems.add(new PolicyProblem(path, null, "is required"));
            } else if (!Locations.isRegion(code)) {
                problems.add(new PolicyProblem(path, q(code), Locations.REGION_RULE));
            } else if (!seen.add(code)) {
                problems.add(new PolicyProblem(path, q(code), "is listed twice"));
            }
        }
    }

    private static void checkMechanism(Purpose p, String at, Problems problems) {
        Mechanism m = p.mechanism();
        LegalBasis basis = p.basis();
        String rule = switch (basis) {
            // GDPR Art. 4(11) and 7: consent is a clear affirmative act; silence or pre-ticked boxes are not consent.
            case CONSENT -> m == Mechanism.OPT_IN ? null
                    : "must be OPT_IN for a purpose on legal basis CONSENT (GDPR Art. 4(11), Art. 7)";
            // GDPR Art. 21: the subject may object to processing on these bases at any time.
            case LEGITIMATE_INTERESTS, PUBLIC_TASK -> m == Mechanism.OPT_OUT ? null
                    : "must be OPT_OUT for a purpose on legal basis " + basis + " (right to object, GDPR Art. 21)";
            case CONTRACT, LEGAL_OBLIGATION, VITAL_INTERESTS -> m == Mechanism.NOTICE_ONLY ? null
                    : "must be NOTICE_ONLY for a purpose on legal basis " + basis
                            + " (there is no choice to record; use CONSENT if the subject may refuse)";
        };
        if (rule != null) {
            problems.add(new PolicyProblem(at + ".mechanism", q(m), rule));
        }
    }

    /**
     * Cycles of parents and chains deeper than {@link PolicyLimits#MAX_PARENT_DEPTH}, in time linear in the number
     * of purposes: each purpose's depth is computed once, walking up only to the first ancestor whose depth is
     * known (walking every chain from every purpose on it took quadratic time). A cycle is reported once, at its
     * first purpose in declaration order; a chain too deep once per purpose one level past the limit, not again
     * at each purpose below it. Purposes under a cycle have no depth and are not reported again.
     */
    private static void checkAncestry(List<Purpose> purposes, Map<PurposeId, Integer> purposeAt, Layout layout,
            Problems problems) {
        Map<PurposeId, PurposeId> parentOf = new HashMap<>();
        Map<PurposeId, Integer> builderIndex = new HashMap<>();
        for (int i = 0; i < purposes.size(); i++) {
            Purpose p = purposes.get(i);
            if (builderIndex.putIfAbsent(p.id(), i) == null) { // a duplicate id is reported already; its first counts
                p.parent().filter(purposeAt::containsKey).filter(x -> !x.equals(p.id()))
                        .ifPresent(x -> parentOf.put(p.id(), x));
            }
        }
        final int onPath = -2; // being walked now
        final int inCycle = -3; // on a cycle or under one: no depth
        Map<PurposeId, Integer> depth = new HashMap<>();
        List<Integer> cycleStarts = new ArrayList<>();
        List<Set<PurposeId>> cycles = new ArrayList<>();
        List<Integer> tooDeep = new ArrayList<>();
        java.util.ArrayDeque<PurposeId> path = new java.util.ArrayDeque<>();
        for (Purpose p : purposes) {
            path.clear();
            PurposeId at = p.id();
            while (at != null && !depth.containsKey(at)) {
                depth.put(at, onPath);
                path.push(at);
                at = parentOf.get(at);
            }
            int above; // the depth of where the walk stopped: -1 above a root, a known depth, or a cycle
            if (at == null) {
                above = -1;
            } else if (depth.get(at) == onPath) {
                Set<PurposeId> cycle = new java.util.TreeSet<>();
                int first = Integer.MAX_VALUE;
                PurposeId member;
                do {
                    member = path.pop();
                    cycle.add(member);
                    depth.put(member, inCycle);
                    first = Math.min(first, builderIndex.get(member));
                } while (!member.equals(at));
                cycleStarts.add(first);
                cycles.add(cycle);
                above = inCycle;
            } else {
                above = depth.get(at);
            }
            while (!path.isEmpty()) {
                PurposeId below = path.pop();
                int d = above == inCycle ? inCycle : above + 1;
                depth.put(below, d);
                if (d == PolicyLimits.MAX_PARENT_DEPTH + 1) {
                    tooDeep.add(builderIndex.get(below));
                }
                above = d;
            }
        }
        tooDeep.sort(null);
        for (int i : tooDeep) {
            problems.add(new PolicyProblem("$.purposes[" + layout.purposeAt().get(i) + "].parent",
                    q(purposes.get(i).parent().orElseThrow()),
                    "gives the purpose " + (PolicyLimits.MAX_PARENT_DEPTH + 1) + " ancestors; a chain of parents may "
                            + "be at most " + PolicyLimits.MAX_PARENT_DEPTH + " deep (PolicyLimits.MAX_PARENT_DEPTH)"));
        }
        // reported in the order of their first purposes, as a walk from each purpose in turn would find them
        Integer[] order = new Integer[cycles.size()];
        for (int k = 0; k < order.length; k++) {
            order[k] = k;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(cycleStarts::get));
        for (int k : order) {
            int first = cycleStarts.get(k);
            PurposeId start = purposes.get(first).id();
            problems.add(new PolicyProblem("$.purposes[" + layout.purposeAt().get(first) + "].parent",
                    q(parentOf.get(start)), "forms a cycle of parents: " + cycles.get(k)));
        }
    }

    private static String q(Object v) {
        return PolicyJson.quote(v);
    }
}
