package dev.consent.policy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The cross-field rules of a policy's {@code signals} section, each problem at its JSON path under {@code $.signals}.
 * Paths count elements in declaration order, as the rest of validation does.
 */
final class SignalMappingsValidator {
    private final Map<PurposeId, Purpose> purposes;
    private final Predicate<PurposeId> undeclared;
    private final Consumer<PolicyProblem> problems;

    private SignalMappingsValidator(Map<PurposeId, Purpose> purposes, Predicate<PurposeId> undeclared,
            Consumer<PolicyProblem> problems) {
        this.purposes = purposes;
        this.undeclared = undeclared;
        this.problems = problems;
    }

    /**
     * Reports every problem of {@code signals} to {@code problems}.
     *
     * @param purposes the declared purposes, each id once (the first of a duplicate)
     * @param undeclared whether an id is not declared at all (an id whose declaration is malformed still counts as
     *     declared, so a typo is not reported again at each reference)
     */
    static void check(SignalMappings signals, Map<PurposeId, Purpose> purposes, Predicate<PurposeId> undeclared,
            Consumer<PolicyProblem> problems) {
        new SignalMappingsValidator(purposes, undeclared, problems).check(signals);
    }

    private void check(SignalMappings s) {
        s.tcf().ifPresent(this::checkTcf);
        Map<String, Integer> sectionAt = new HashMap<>();
        for (int i = 0; i < s.gpp().size(); i++) {
            checkGpp(s.gpp().get(i), sectionAt, i);
        }
        s.consentMode().forEach((type, list) -> {
            String at = "$.signals.consentMode." + type.gtagName();
            if (list.isEmpty()) {
                problem(at, "[]", "must name at least one purpose, or be left out (a type left out is always denied)");
            }
            Map<PurposeId, Integer> seen = new HashMap<>();
            for (int k = 0; k < list.size(); k++) {
                PurposeId p = list.get(k);
                Integer first = seen.putIfAbsent(p, k);
                if (first != null) {
                    problem(at + "[" + k + "]", q(p), "is listed twice (first at " + at + "[" + first + "])");
                } else if (undeclared.test(p)) {
                    problem(at + "[" + k + "]", q(p), "is not a declared purpose");
                }
            }
        });
    }

    private void checkTcf(SignalMappings.Tcf tcf) {
        rules("$.signals.tcf.purposes", tcf.purposes(), SignalMappings.Tcf.MAX_PURPOSE,
                "a TCF purpose id (TCF v2.2 defines purposes 1 to " + SignalMappings.Tcf.MAX_PURPOSE + ")",
                (rule, at, target) -> {
                    boolean li = target.basis() == LegalBasis.LEGITIMATE_INTERESTS
                            || target.basis() == LegalBasis.PUBLIC_TASK;
                    if (li && SignalMappings.Tcf.NO_LEGITIMATE_INTEREST.contains(rule.id())) {
                        problem(at + ".purpose", q(rule.purpose()), "is on legal basis " + target.basis()
                                + ", but TCF purpose " + rule.id() + " may not rest on legitimate interest since "
                                + "TCF v2.2 (purposes 3 to 6 need consent); map it onto a purpose on CONSENT");
                    }
                });
        rules("$.signals.tcf.specialFeatures", tcf.specialFeatures(), SignalMappings.Tcf.MAX_SPECIAL_FEATURE,
                "a TCF special feature id (TCF v2.2 defines special features 1 and 2)", (rule, at, target) -> {
                    if (target.basis() != LegalBasis.CONSENT) {
                        problem(at + ".purpose", q(rule.purpose()), "is on legal basis " + target.basis()
                                + ", but a TCF special feature is opt-in only; map it onto a purpose on CONSENT");
                    }
                });
        rules("$.signals.tcf.vendors", tcf.vendors(), SignalMappings.Tcf.MAX_VENDOR,
                "a Global Vendor List vendor id (1 to 65535, a 16-bit field of the TC string)", (r, at, t) -> {
                });
    }

    @FunctionalInterface
    private interface TargetCheck {
        void check(SignalMappings.TcfRule rule, String at, Purpose target);
    }

    private void rules(String list, List<SignalMappings.TcfRule> rules, int max, String what, TargetCheck more) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            SignalMappings.TcfRule r = rules.get(i);
            String at = list + "[" + i + "]";
            if (r.id() < 1 || r.id() > max) {
                problem(at + ".id", String.valueOf(r.id()), "is not " + what);
            }
            Integer first = seen.putIfAbsent(r.id() + " " + r.purpose(), i);
            if (first != null) {
                problem(at, "{id " + r.id() + ", purpose " + q(r.purpose()) + "}",
                        "is listed twice (first at " + list + "[" + first + "])");
                continue;
            }
            target(at + ".purpose", r.purpose()).ifPresent(p -> more.check(r, at, p));
        }
    }

    private void checkGpp(SignalMappings.GppSection g, Map<String, Integer> sectionAt, int i) {
        String at = "$.signals.gpp[" + i + "]";
        Integer first = sectionAt.putIfAbsent(g.section(), i);
        if (first != null) {
            problem(at + ".section", q(g.section()), "is mapped twice (first at $.signals.gpp[" + first + "])");
            return;
        }
        Optional<GppSectionLayout> layout = GppSectionLayout.named(g.section());
        if (layout.isEmpty()) {
            problem(at + ".section", q(g.section()), "is not a GPP section a policy may map (expected one of "
                    + GppSectionLayout.names() + ")");
            return;
        }
        GppSectionLayout l = layout.get();
        field(at, "saleOptOut", g.saleOptOut(), l.saleOptOut(), l);
        field(at, "sharingOptOut", g.sharingOptOut(), l.sharingOptOut(), l);
        field(at, "targetedAdvertisingOptOut", g.targetedAdvertisingOptOut(), l.targetedAdvertisingOptOut(), l);
        indexes(at + ".sensitiveDataProcessing", g.sensitiveDataProcessing(), l.sensitiveCount(), l,
                "SensitiveDataProcessing");
        indexes(at + ".knownChildSensitiveDataConsents", g.knownChildSensitiveDataConsents(), l.knownChildCount(), l,
                "KnownChildSensitiveDataConsents");
    }

    private void field(String at, String name, Optional<PurposeId> purpose, boolean exists, GppSectionLayout l) {
        purpose.ifPresent(p -> {
            if (!exists) {
                problem(at + "." + name, q(p), "cannot be mapped: section " + l.name() + " has no field "
                        + Character.toUpperCase(name.charAt(0)) + name.substring(1) + " (" + l.specification() + ")");
            } else {
                target(at + "." + name, p);
            }
        });
    }

    private void indexes(String list, List<SignalMappings.GppIndexRule> rules, int count, GppSectionLayout l,
            String field) {
        Map<Integer, Integer> seen = new HashMap<>();
        for (int k = 0; k < rules.size(); k++) {
            SignalMappings.GppIndexRule r = rules.get(k);
            String at = list + "[" + k + "]";
            if (r.index() < 1 || r.index() > count) {
                problem(at + ".index", String.valueOf(r.index()), "is not a position of " + field + " in section "
                        + l.name() + ", which has " + count + " (1 to " + count + "; " + l.specification() + ")");
            } else {
                Integer first = seen.putIfAbsent(r.index(), k);
                if (first != null) {
                    problem(at + ".index", String.valueOf(r.index()), "is mapped twice (first at " + list + "["
                            + first + "])");
                    continue;
                }
            }
            target(at + ".purpose", r.purpose());
        }
    }

    /**
     * The purpose a signal is mapped onto, when it is declared and takes a choice: a purpose on CONTRACT,
     * LEGAL_OBLIGATION or VITAL_INTERESTS has no consent to give and no right to object, so no signal can speak for it.
     */
    private Optional<Purpose> target(String at, PurposeId id) {
        Purpose p = purposes.get(id);
        if (p == null) {
            if (undeclared.test(id)) {
                problem(at, q(id), "is not a declared purpose");
            }
            return Optional.empty();
        }
        if (p.basis() != LegalBasis.CONSENT && p.basis() != LegalBasis.LEGITIMATE_INTERESTS
                && p.basis() != LegalBasis.PUBLIC_TASK) {
            problem(at, q(id), "is on legal basis " + p.basis() + ", which takes no choice a consent signal could "
                    + "record; map signals onto purposes on CONSENT, LEGITIMATE_INTERESTS or PUBLIC_TASK");
            return Optional.empty();
        }
        return Optional.of(p);
    }

    private void problem(String path, String value, String rule) {
        problems.accept(new PolicyProblem(path, value, rule));
    }

    private static String q(Object v) {
        return PolicyJson.quote(v);
    }
}
