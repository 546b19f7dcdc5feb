package dev.consent.policy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The cross-field rules of a policy's jurisdictions, each problem at its JSON path under {@code $.jurisdictionRules}
 * ({@code docs/jurisdictions.md}). Paths count elements in declaration order, as the rest of validation does.
 */
final class JurisdictionRulesValidator {
    private static final String AT = JurisdictionRulesJson.AT;
    private final Map<PurposeId, Purpose> purposes;
    private final Map<CategoryId, DataCategory> categories;
    private final Predicate<PurposeId> undeclared;
    private final Consumer<PolicyProblem> problems;

    private JurisdictionRulesValidator(Map<PurposeId, Purpose> purposes, Map<CategoryId, DataCategory> categories,
            Predicate<PurposeId> undeclared, Consumer<PolicyProblem> problems) {
        this.purposes = purposes;
        this.categories = categories;
        this.undeclared = undeclared;
        this.problems = problems;
    }

    /**
     * Reports every problem of {@code jurisdictions} to {@code problems}.
     *
     * @param purposes the declared purposes, each id once
     * @param categories the declared categories, each id once
     * @param undeclared whether an id is not declared at all
     */
    static void check(List<Jurisdiction> jurisdictions, Map<PurposeId, Purpose> purposes,
            Map<CategoryId, DataCategory> categories, Predicate<PurposeId> undeclared,
            Consumer<PolicyProblem> problems) {
        new JurisdictionRulesValidator(purposes, categories, undeclared, problems).check(jurisdictions);
    }

    private void check(List<Jurisdiction> all) {
        Map<JurisdictionId, Integer> idAt = new HashMap<>();
        Map<String, String> regionAt = new HashMap<>();
        Integer fallbackAt = null;
        for (int i = 0; i < all.size(); i++) {
            Jurisdiction j = all.get(i);
            String at = AT + "[" + i + "]";
            if (j.id().equals(JurisdictionId.UNKNOWN)) {
                problem(at + ".id", q(j.id()), "is reserved for the strictest rules, which hold a subject whose"
                        + " jurisdiction is not known; give the jurisdiction another id");
            }
            Integer first = idAt.putIfAbsent(j.id(), i);
            if (first != null) {
                problem(at + ".id", q(j.id()), "is declared twice (first at " + AT + "[" + first + "])");
            }
            int k = 0;
            for (String region : j.regions()) {
                String here = at + ".regions[" + k++ + "]";
                String before = regionAt.putIfAbsent(region, here);
                if (before != null) {
                    problem(here, q(region), "is covered by another jurisdiction already (at " + before
                            + "); a location falls under one jurisdiction");
                }
            }
            if (j.regions().isEmpty() && !j.fallback()) {
                problem(at + ".regions", "[]", "must list at least one country or subdivision, unless the"
                        + " jurisdiction is the fallback");
            }
            if (j.fallback()) {
                if (fallbackAt != null) {
                    problem(at + ".fallback", "true", "is set already (at " + AT + "[" + fallbackAt
                            + "]); one jurisdiction covers the locations no other lists");
                } else {
                    fallbackAt = i;
                }
            }
            checkMechanisms(j, at);
            checkOptOuts(j, at);
        }
    }

    private void checkMechanisms(Jurisdiction j, String at) {
        int k = 0;
        for (Map.Entry<PurposeId, Mechanism> e : j.mechanisms().entrySet()) {
            String here = at + ".mechanisms[" + k++ + "]";
            Purpose p = purposes.get(e.getKey());
            if (p == null) {
                if (undeclared.test(e.getKey())) {
                    problem(here + ".purpose", q(e.getKey()), "is not a declared purpose");
                }
                continue;
            }
            Mechanism m = e.getValue();
            if (m != Mechanism.NOTICE_ONLY && p.mechanism() == Mechanism.NOTICE_ONLY) {
                problem(here + ".mechanism", q(m), "cannot hold purpose " + p.id() + " on legal basis " + p.basis()
                        + ": there is no consent to give or withdraw and no right to object to it, so it stays"
                        + " NOTICE_ONLY");
                continue;
            }
            if (j.gdpr() && m.ordinal() > p.mechanism().ordinal()) {
                // GDPR Art. 6(1)(a) and 7: consent is an opt-in; Art. 21: the right to object cannot become a notice
                problem(here + ".mechanism", q(m), "is weaker than " + p.mechanism() + ", which purpose " + p.id()
                        + " on legal basis " + p.basis() + " needs where the GDPR applies ("
                        + (p.basis() == LegalBasis.CONSENT ? "consent is given by a clear affirmative act, GDPR Art."
                        + " 4(11), 6(1)(a), 7" : "the right to object, GDPR Art. 21") + ")");
            }
        }
    }

    private void checkOptOuts(Jurisdiction j, String at) {
        checkOptOut(j, at + ".doNotSellOrShare", OptOut.SALE_OR_SHARING, p -> p.saleOrSharing() ? null
                : "is not flagged saleOrSharing: a purpose that sells or shares personal information (Cal. Civ. Code"
                        + " \u00a7 1798.120) must be, so that a Global Privacy Control signal covers it too");
        checkOptOut(j, at + ".limitSensitiveUse", OptOut.SENSITIVE_DATA_USE, p -> usesSensitive(p) ? null
                : "uses no sensitive category: the right to limit covers uses of sensitive personal information"
                        + " (Cal. Civ. Code \u00a7 1798.121)");
    }

    private void checkOptOut(Jurisdiction j, String at, OptOut optOut,
            java.util.function.Function<Purpose, String> rule) {
        int k = 0;
        for (PurposeId id : j.optOutPurposes(optOut)) {
            String here = at + "[" + k++ + "]";
            Purpose p = purposes.get(id);
            if (p == null) {
                if (undeclared.test(id)) {
                    problem(here, q(id), "is not a declared purpose");
                }
                continue;
            }
            String broken = p.mechanism() == Mechanism.NOTICE_ONLY ? "rests on legal basis " + p.basis()
                    + ", which gives nothing to opt out of; an opt-out covers purposes on CONSENT, LEGITIMATE_INTERESTS"
                    + " or PUBLIC_TASK" : rule.apply(p);
            if (broken != null) {
                problem(here, q(id), broken);
            }
        }
    }

    private boolean usesSensitive(Purpose p) {
        return p.categories().stream().map(categories::get).anyMatch(c -> c != null && c.sensitive());
    }

    private void problem(String path, String value, String rule) {
        problems.accept(new PolicyProblem(path, value, rule));
    }

    private static String q(Object v) {
        return PolicyJson.quote(v);
    }
}
