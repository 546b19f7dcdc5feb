package dev.consent.policy;

import dev.consent.InvalidValueException;
import dev.consent.retention.RetentionRule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The cross-field rules of a policy, shared by the builder and the JSON reader. */
final class PolicyValidator {
    private PolicyValidator() {
    }

    static List<PolicyProblem> validate(Policy.Builder b) {
        List<PolicyProblem> problems = new ArrayList<>();
        try {
            dev.consent.Checks.dottedId("policy.id", b.id(), 100);
        } catch (InvalidValueException e) {
            problems.add(new PolicyProblem("$.id", e.value() == null ? null : q(e.value()), e.rule()));
        }
        try {
            dev.consent.Checks.text("policy.version", b.version(), 50);
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
            Integer first = categoryAt.putIfAbsent(id, i);
            if (first != null) {
                problems.add(new PolicyProblem("$.categories[" + i + "].id", q(id), "is declared twice (first at $.categories["
                        + first + "])"));
            }
        }

        Map<PurposeId, Integer> purposeAt = new HashMap<>();
        for (int i = 0; i < b.purposes().size(); i++) {
            PurposeId id = b.purposes().get(i).id();
            Integer first = purposeAt.putIfAbsent(id, i);
            if (first != null) {
                problems.add(new PolicyProblem("$.purposes[" + i + "].id", q(id),
                        "is declared twice (first at $.purposes[" + first + "])"));
            }
        }

        for (int i = 0; i < b.purposes().size(); i++) {
            Purpose p = b.purposes().get(i);
            String at = "$.purposes[" + i + "]";
            int k = 0;
            for (CategoryId c : p.categories()) {
                if (!categoryAt.containsKey(c)) {
                    problems.add(new PolicyProblem(at + ".categories[" + k + "]", q(c),
                            "is not a declared category (declare it under $.categories)"));
                }
                k++;
            }
            checkMechanism(p, at, problems);
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
                } else if (!purposeAt.containsKey(parent)) {
                    problems.add(new PolicyProblem(at + ".parent", q(parent), "is not a declared purpose"));
                }
            });
        }
        checkCycles(b.purposes(), purposeAt, problems);

        Set<String> recipientIds = new HashSet<>();
        for (int i = 0; i < b.recipients().size(); i++) {
            Recipient r = b.recipients().get(i);
            String at = "$.recipients[" + i + "]";
            if (!recipientIds.add(r.id())) {
                problems.add(new PolicyProblem(at + ".id", q(r.id()), "is declared twice"));
            }
            int k = 0;
            for (CategoryId c : r.categories()) {
                if (!categoryAt.containsKey(c)) {
                    problems.add(new PolicyProblem(at + ".categories[" + k + "]", q(c), "is not a declared category"));
                }
                k++;
            }
            k = 0;
            for (PurposeId pid : r.purposes()) {
                if (!purposeAt.containsKey(pid)) {
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
            String at = "$.retention[" + i + "]";
            Integer first = ruleAt.putIfAbsent(r.id(), i);
            if (first != null) {
                problems.add(new PolicyProblem(at + ".id", q(r.id()), "is declared twice (first at $.retention[" + first + "])"));
            }
            if (!categoryAt.containsKey(r.category())) {
                problems.add(new PolicyProblem(at + ".category", q(r.category()), "is not a declared category"));
            }
            r.purpose().ifPresent(pid -> {
                Purpose p = purposeById.get(pid);
                if (p == null) {
                    problems.add(new PolicyProblem(at + ".purpose", q(pid), "is not a declared purpose"));
                } else if (!p.categories().contains(r.category())) {
                    problems.add(new PolicyProblem(at + ".purpose", q(pid), "does not use category " + r.category()
                            + ", so a rule for that category held for this purpose can never apply"));
                }
            });
        }
        return problems;
    }

    private static void checkMechanism(Purpose p, String at, List<PolicyProblem> problems) {
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

    private static void checkCycles(List<Purpose> purposes, Map<PurposeId, Integer> purposeAt,
            List<PolicyProblem> problems) {
        Map<PurposeId, PurposeId> parentOf = new HashMap<>();
        for (Purpose p : purposes) {
            p.parent().filter(purposeAt::containsKey).filter(x -> !x.equals(p.id())).ifPresent(x -> parentOf.put(p.id(), x));
        }
        Set<PurposeId> reported = new HashSet<>();
        for (int i = 0; i < purposes.size(); i++) {
            PurposeId start = purposes.get(i).id();
            Set<PurposeId> seen = new HashSet<>();
            PurposeId at = start;
            while (at != null && seen.add(at)) {
                at = parentOf.get(at);
            }
            if (at != null && at.equals(start) && seen.size() > 1) {
                Set<PurposeId> cycle = new java.util.TreeSet<>(seen);
                if (reported.addAll(cycle)) {
                    problems.add(new PolicyProblem("$.purposes[" + i + "].parent", q(parentOf.get(start)),
                            "forms a cycle of parents: " + cycle));
                }
            }
        }
    }

    private static String q(Object v) {
        return '"' + String.valueOf(v) + '"';
    }
}
