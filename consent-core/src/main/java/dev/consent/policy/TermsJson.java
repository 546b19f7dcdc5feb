package dev.consent.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.internal.Checks;
import dev.consent.retention.Anchor;
import dev.consent.retention.CountFrom;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionPeriod;
import dev.consent.retention.RetentionRule;
import dev.consent.rights.DeadlineTerm;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsTerm;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the sections of a policy document that set terms, {@code retention}, {@code rights} and {@code calendar}
 * (see {@code docs/policy-format.md}), with {@link PolicyFields}' strict readers, and remembers where each rule
 * given to the builder stands in the document, so that the cross-field rules ({@link PolicyValidator}) report the
 * document's own JSON paths. One instance reads one document.
 */
final class TermsJson {
    private final PolicyFields f;
    private final Policy.Builder b;
    /** The index in the document of each retention rule the builder took, in its order. */
    final List<Integer> retentionAt = new ArrayList<>();
    /** The path of the request type of each rights term the builder took, in its order. */
    final List<String> rightsPaths = new ArrayList<>();

    TermsJson(PolicyFields f, Policy.Builder b) {
        this.f = f;
        this.b = b;
    }

    void retention(JsonNode root) {
        f.array(root, "$", "retention", false, PolicyLimits.MAX_RETENTION_RULES,
                "retention rules a policy may declare (PolicyLimits.MAX_RETENTION_RULES)", (node, at, i) -> {
            f.onlyKnown(node, at, "id", "category", "purpose", "kind", "period", "after", "countFrom", "action",
                    "overridesDelete", "legalReference", "description");
            String rid = f.value(node, at, "id", true, v -> Checks.dottedId("id", v, 100));
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
    }

    void rights(JsonNode root) {
        f.array(root, "$", "rights", false, PolicyLimits.MAX_RIGHTS_ENTRIES,
                "entries a policy may have here, one per request type being all it needs "
                        + "(PolicyLimits.MAX_RIGHTS_ENTRIES)", this::rightsEntry);
    }

    private void rightsEntry(JsonNode node, String at, int i) {
        rightsEntry(node, at, (term, path) -> {
            if (f.construct(at, () -> b.rights(term))) {
                rightsPaths.add(path);
            }
        });
    }

    /** Where a rights entry's terms go, one per request type it lists, with the JSON path of that type. */
    @FunctionalInterface
    interface TermSink {
        void accept(RightsTerm term, String path);
    }

    /**
     * Reads one entry of a rights list (the policy's {@code $.rights}, or a jurisdiction's) and hands each of its
     * terms to {@code sink} when the entry reads cleanly.
     */
    void rightsEntry(JsonNode node, String at, TermSink sink) {
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
                f.problem(ep, PolicyJson.kind(ext), "must have exactly one of \"to\" (a total from the same start) "
                        + "or \"by\" (more time after the first deadline)");
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
            RightsTerm[] built = new RightsTerm[1];
            if (f.construct(at, () -> built[0] = new RightsTerm(t, term, Optional.ofNullable(alternative)))) {
                sink.accept(built[0], at + ".types[" + index + "]");
            }
        }
    }

    void calendar(JsonNode root) {
        JsonNode calendar = f.object(root, "$", "calendar", false);
        if (calendar == null) {
            return;
        }
        String at = "$.calendar";
        f.onlyKnown(calendar, at, "weekend", "holidays", "workingDays");
        Set<DayOfWeek> weekend = f.enumList(calendar, at, "weekend", DayOfWeek.class);
        if (weekend != null) {
            b.weekend(weekend.toArray(new DayOfWeek[0]));
        }
        Set<LocalDate> holidays = f.dates(calendar, at, "holidays", PolicyLimits.MAX_HOLIDAYS,
                "holidays a calendar may list (PolicyLimits.MAX_HOLIDAYS)");
        if (holidays != null) {
            b.holidays(holidays.toArray(new LocalDate[0]));
        }
        Set<LocalDate> workingDays = f.dates(calendar, at, "workingDays", PolicyLimits.MAX_WORKING_DAYS,
                "working days a calendar may list (PolicyLimits.MAX_WORKING_DAYS)");
        if (workingDays != null) {
            b.workingDays(workingDays.toArray(new LocalDate[0]));
        }
    }
}
