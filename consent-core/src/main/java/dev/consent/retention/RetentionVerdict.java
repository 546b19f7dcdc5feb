package dev.consent.retention;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What retention says of one item at one instant, and why: every rule that applied, what each said, and
 * which one decided. Conflicts are resolved by the principles of retention (legal hold first; a minimum
 * blocks disposal and erasure; the longest minimum; explicit over implicit; the shortest maximum; erasure
 * makes due at once unless a hold or minimum applies; DELETE over ANONYMIZE unless a rule says otherwise).
 *
 * @param dueAt the instant the item falls (or, for {@link Status#DUE}, fell) due for disposal, as things stand: for
 *     {@link Status#HELD}, when it would fall due without the hold, if known; empty for {@link Status#NOT_STARTED}
 *     and {@link Status#NO_RULE}, which no rule has due (see {@link #keptAtLeastUntil()})
 * @param action what the deciding rule prescribes once due
 * @param decidingRule the id of the rule that decided, or {@value #ERASURE_REQUEST} when the subject's
 *     erasure request did, or {@value #MINOR_FOUND} when finding the subject a minor did
 * @param restrictProcessing the subject asked for erasure but the data must be kept (a minimum or a hold):
 *     processing must be restricted to keeping it until then (GDPR Art. 17(3)(b), Art. 18)
 * @param holds ids of the legal holds in force on the item
 * @param rules what each applicable rule said, in policy order
 */
public record RetentionVerdict(ItemKey item, Instant at, Status status, Optional<Instant> dueAt,
        Optional<DisposalAction> action, Optional<String> decidingRule,
        boolean restrictProcessing, List<String> holds, List<RuleOutcome> rules, String policyVersion) {

    /** The pseudo rule id of an erasure request. */
    public static final String ERASURE_REQUEST = "erasure-request";
    /**
     * The pseudo rule id of a subject found below the policy's service-wide minimum age ({@link Anchor#MINOR_FOUND}):
     * the subject's data falls due at once, as for an erasure request (seed 004, section 8; GDPR Art. 17(1)).
     */
    public static final String MINOR_FOUND = "minor-found";

    /** The verdict's kind. */
    public enum Status {
        /** Keep: disposal is not due yet (or a minimum still runs). */
        KEEP,
        /** Disposal is due; the sweeper will act. */
        DUE,
        /** A legal hold keeps the item whatever else applies. */
        HELD,
        /** No maximum rule has started: the anchor events it counts from never happened. */
        NOT_STARTED,
        /** No maximum rule applies to the item's category at all: a gap in the policy, reported. */
        NO_RULE
    }

    /**
     * What one rule said of the item.
     *
     * @param ruleId the rule's id
     * @param kind whether it is a minimum or a maximum
     * @param anchor the anchor it counts from
     * @param anchorAt when that anchor happened; empty when it never did
     * @param endsAt when the rule's period ends; empty when it has not started
     * @param role the part it played in the verdict
     */
    public record RuleOutcome(String ruleId, RetentionRule.Kind kind, Anchor anchor, Optional<Instant> anchorAt,
            Optional<Instant> endsAt, Role role) {

        @Override
        public String toString() {
            return ruleId + " (" + kind + " from " + anchor + anchorAt.map(a -> " at " + a).orElse(" (never happened)")
                    + endsAt.map(e -> ", ends " + e).orElse("") + "): " + role.text;
        }
    }

    /**
     * The part a rule played.
     *
     */
    public enum Role {
        /**
         * The rule decides the due instant and the action.
         */
        DECIDES("decides"),
        /**
         * A minimum still running: nothing is disposed of, erasure included, until it ends (GDPR Art. 17(3)(b)).
         */
        BLOCKS_DISPOSAL("a minimum still running: it blocks disposal and erasure until it ends"),
        /**
         * A minimum outlasted by a longer one.
         */
        SHORTER_MINIMUM("a longer minimum outlasts it"),
        /**
         * A minimum that ends before disposal falls due, so it keeps nothing.
         */
        MINIMUM_ENDED("a minimum that ends before disposal falls due"),
        /**
         * A category default replaced by a rule for the item's purpose.
         */
        OUTRANKED_BY_EXPLICIT("a category default, outranked by a rule for the item's purpose"),
        /**
         * A maximum that ends later than the deciding one.
         */
        LATER_MAXIMUM("a maximum that ends later than the one that decides"),
        /**
         * A maximum ending at the same instant as the deciding one, whose action yields to it.
         */
        ACTION_YIELDS("falls due at the same instant, but its action yields (DELETE wins unless a rule overrides)"),
        /**
         * A maximum ending after the subject's erasure request, which decides instead (GDPR Art. 17(1)).
         */
        SUPERSEDED_BY_ERASURE("ends after the subject's erasure request, which decides"),
        /**
         * A rule whose anchor event never happened, so it has not started.
         */
        NOT_STARTED("its anchor event never happened");

        private final String text;

        Role(String text) {
            this.text = text;
        }

        /**
         * @return the role in words, as {@link RuleOutcome#toString()} shows it
         */
        public String text() {
            return text;
        }
    }

    /**
     * For an item no rule has due ({@link Status#NOT_STARTED}, {@link Status#NO_RULE}) that a legal minimum still
     * keeps: when that minimum ends. The item does not fall due then (no maximum has started); it is only kept at
     * least that long. Empty otherwise.
     *
     * @return the end of the minimum that keeps an unscheduled item, or empty
     */
    public Optional<Instant> keptAtLeastUntil() {
        if (status != Status.NOT_STARTED && status != Status.NO_RULE || decidingRule.isEmpty()) {
            return Optional.empty();
        }
        return rules.stream().filter(r -> r.ruleId().equals(decidingRule.get())).findFirst()
                .flatMap(RuleOutcome::endsAt);
    }

    /**
     * Why the item stands where it does, in one line without the subject's id: the deciding rule and its instant,
     * the holds, or for an item no rule has due yet, what is missing. A {@link Status#NOT_STARTED} item names the
     * anchor events its maximum rules wait for (an account never closed: {@code account_closed}); a
     * {@link Status#NO_RULE} item says that no maximum rule covers its category, a gap in the policy. Both are
     * reported, never skipped: the shop must be able to say how long it keeps every item (GDPR Art. 5(1)(e),
     * Art. 5(2), Art. 30(1)(f)).
     *
     * @return the reason, without the subject's id
     */
    public String reason() {
        String minimum = keptAtLeastUntil().map(t -> "; minimum rule " + decidingRule.orElseThrow()
                + " keeps it at least until " + t).orElse("");
        return switch (status) {
            case KEEP -> "kept until " + dueAt.orElseThrow() + decidingRule.map(r -> ", decided by " + r).orElse("")
                    + action.map(a -> ", then " + a).orElse("")
                    + (restrictProcessing ? "; erasure requested: processing restricted until then" : "");
            case DUE -> "due since " + dueAt.orElseThrow() + decidingRule.map(r -> ", decided by " + r).orElse("")
                    + action.map(a -> ": " + a).orElse("");
            case HELD -> "held by legal hold " + String.join(", ", holds)
                    + dueAt.map(t -> "; otherwise due " + t).orElse("");
            case NOT_STARTED -> "no maximum rule has started: waiting for " + rules.stream()
                    .filter(r -> r.kind() == RetentionRule.Kind.MAXIMUM && r.role() == Role.NOT_STARTED)
                    .collect(Collectors.groupingBy(r -> r.anchor().name(), java.util.LinkedHashMap::new,
                            Collectors.mapping(RuleOutcome::ruleId, Collectors.toList())))
                    .entrySet().stream().map(e -> e.getKey() + (e.getValue().size() == 1 ? " (rule " : " (rules ")
                            + String.join(", ", e.getValue()) + ")")
                    .collect(Collectors.joining(", ")) + ", which never happened" + minimum;
            case NO_RULE -> "no maximum retention rule covers " + item.category()
                    + item.purpose().map(p -> " held for " + p).orElse("") + " in policy version " + policyVersion
                    + ": a gap in the policy" + minimum;
        };
    }

    /**
     * A readable explanation, one line for the verdict and one per rule.
     *
     * @return the explanation, naming the item by category and purpose only
     */
    public String explain() {
        StringBuilder b = new StringBuilder();
        b.append(item).append(" at ").append(at).append(": ").append(status);
        if (status == Status.DUE) {
            dueAt.ifPresent(t -> b.append(" since ").append(t));
        } else {
            dueAt.or(this::keptAtLeastUntil).ifPresent(t -> b.append(status == Status.HELD ? " (otherwise until "
                    : " until ").append(t).append(status == Status.HELD ? ")" : ""));
        }
        action.ifPresent(a -> b.append(", then ").append(a));
        decidingRule.ifPresent(r -> b.append(", decided by ").append(r));
        if (!holds.isEmpty()) {
            b.append(", held by ").append(String.join(", ", holds));
        }
        if (restrictProcessing) {
            b.append("; erasure requested: restrict processing now, dispose when the retention obligation ends");
        }
        b.append(" (policy ").append(policyVersion).append(')');
        if (!rules.isEmpty()) {
            b.append('\n').append(rules.stream().map(r -> "  - " + r).collect(Collectors.joining("\n")));
        }
        return b.toString();
    }
}
