package dev.consent.retention;

import dev.consent.internal.Checks;
import dev.consent.policy.Policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides retention verdicts from a policy and an item's facts. Stateless, pure and thread-safe: the same
 * facts at the same instant always give the same verdict. Hosts that keep their own index can call
 * {@link #evaluate} directly; {@link RetentionService} uses it for its due index and its sweeper.
 *
 * <p>The principles, in the order they apply (after Microsoft Purview's "principles of retention"):
 * <ol>
 *   <li>A legal hold beats everything: the item is {@code HELD}.</li>
 *   <li>Retention wins over deletion: a MINIMUM not yet ended blocks disposal and erasure (GDPR Art.
 *       17(3)(b)); the item is kept, restricted if erasure was asked for, and disposed when it ends.</li>
 *   <li>Among MINIMUMs the longest wins.</li>
 *   <li>Explicit wins over implicit: MAXIMUM rules for the item's purpose replace the category defaults.</li>
 *   <li>Among the remaining MAXIMUMs the earliest end wins.</li>
 *   <li>An erasure request makes the item due at once (DELETE), unless 1 or 2 apply. So does the
 *       {@link Anchor#MINOR_FOUND minor_found} anchor under a policy with a service-wide
 *       {@link Policy#minimumAge() minimum age}: the subject was found below it, and the seed that sets one deletes
 *       minors' data (seed 004, section 8: "If we discover that we have collected personal information about minors
 *       ... we will try to delete the data as soon as possible"; GDPR Art. 8, Art. 17(1)); a legal minimum still
 *       keeps what the law requires (Art. 17(3)(b)).</li>
 *   <li>When DELETE and ANONYMIZE fall due at the same instant, DELETE wins unless the ANONYMIZE rule
 *       {@link RetentionRule#overridesDelete() overrides} it; then REVIEW.</li>
 * </ol>
 * A rule whose anchor event never happened has not started and does not count; if no MAXIMUM has started
 * the verdict is {@code NOT_STARTED}, and with no MAXIMUM at all it is {@code NO_RULE}: reported, never
 * silently skipped.
 */
public final class RetentionEngine {
    private final Policy policy;

    /**
     * An engine judging under one policy version.
     *
     * @param policy the version; its retention rules and zone decide every verdict
     * @throws dev.consent.InvalidValueException when {@code policy} is null
     */
    public RetentionEngine(Policy policy) {
        this.policy = Checks.required("policy", policy);
    }

    /**
     * @return the version this engine judges under
     */
    public Policy policy() {
        return policy;
    }

    /**
     * Applies the principles above to one item's facts.
     *
     * @param facts the item's anchors, erasure request and holds
     * @param at the instant judged; decides DUE against KEEP and which holds are in force
     * @return the verdict, naming the deciding rule and the part every other rule played
     */
    public RetentionVerdict evaluate(ItemFacts facts, Instant at) {
        ItemKey item = facts.item();
        List<RetentionRule> rules = policy.retentionRulesFor(item.category(), item.purpose());
        Map<String, Optional<Instant>> ends = new HashMap<>();
        for (RetentionRule r : rules) {
            Instant anchorAt = facts.anchors().get(r.anchor());
            ends.put(r.id(), anchorAt == null ? Optional.empty()
                    : Optional.of(r.period().addTo(r.countFrom().start(anchorAt, policy.zone()), policy.zone())));
        }
        Map<String, RetentionVerdict.Role> roles = new HashMap<>();

        // 3. the longest MINIMUM
        RetentionRule minimum = null;
        for (RetentionRule r : rules) {
            if (r.kind() != RetentionRule.Kind.MINIMUM) {
                continue;
            }
            if (ends.get(r.id()).isEmpty()) {
                roles.put(r.id(), RetentionVerdict.Role.NOT_STARTED);
            } else if (minimum == null || end(ends, r).isAfter(end(ends, minimum))) {
                if (minimum != null) {
                    roles.put(minimum.id(), RetentionVerdict.Role.SHORTER_MINIMUM);
                }
                minimum = r;
            } else {
                roles.put(r.id(), RetentionVerdict.Role.SHORTER_MINIMUM);
            }
        }
        Optional<Instant> minimumEnds = minimum == null ? Optional.empty() : Optional.of(end(ends, minimum));

        // 4. explicit over implicit
        List<RetentionRule> maximums = rules.stream().filter(r -> r.kind() == RetentionRule.Kind.MAXIMUM).toList();
        boolean explicit = maximums.stream().anyMatch(r -> r.purpose().isPresent());
        List<RetentionRule> competing = new ArrayList<>();
        for (RetentionRule r : maximums) {
            if (explicit && r.purpose().isEmpty()) {
                roles.put(r.id(), RetentionVerdict.Role.OUTRANKED_BY_EXPLICIT);
            } else if (ends.get(r.id()).isEmpty()) {
                roles.put(r.id(), RetentionVerdict.Role.NOT_STARTED);
            } else {
                competing.add(r);
            }
        }
        // 5. the earliest end; 7. ties: DELETE over ANONYMIZE (unless overridden) over REVIEW
        competing.sort(Comparator.comparing((RetentionRule r) -> end(ends, r))
                .thenComparingInt(RetentionEngine::actionRank).thenComparing(RetentionRule::id));
        RetentionRule maximum = competing.isEmpty() ? null : competing.get(0);
        for (int i = 1; i < competing.size(); i++) {
            RetentionRule r = competing.get(i);
            roles.put(r.id(), end(ends, r).equals(end(ends, maximum)) ? RetentionVerdict.Role.ACTION_YIELDS
                    : RetentionVerdict.Role.LATER_MAXIMUM);
        }

        // 6. erasure makes due at once; so does finding a minor where the service refuses minors
        Optional<Instant> erasure = facts.erasureRequestedAt();
        String erasedBy = RetentionVerdict.ERASURE_REQUEST;
        Optional<Instant> minorFound = policy.minimumAge().isPresent()
                ? Optional.ofNullable(facts.anchors().get(Anchor.MINOR_FOUND)) : Optional.empty();
        if (minorFound.isPresent() && (erasure.isEmpty() || minorFound.get().isBefore(erasure.get()))) {
            erasure = minorFound;
            erasedBy = RetentionVerdict.MINOR_FOUND;
        }
        Instant candidate = null;
        DisposalAction action = null;
        String decider = null;
        if (maximum != null) {
            candidate = end(ends, maximum);
            action = maximum.action().orElseThrow();
            decider = maximum.id();
        }
        if (erasure.isPresent() && (candidate == null || erasure.get().isBefore(candidate))) {
            if (maximum != null) {
                roles.put(maximum.id(), RetentionVerdict.Role.SUPERSEDED_BY_ERASURE);
            }
            candidate = erasure.get();
            action = DisposalAction.DELETE;
            decider = erasedBy;
        } else if (erasure.isPresent() && maximum != null && !(maximum.action().orElseThrow() == DisposalAction.ANONYMIZE
                && maximum.overridesDelete())) {
            // the maximum ended first, but the subject has since asked for erasure: erase, don't just anonymize
            action = DisposalAction.DELETE;
        }

        // 2. a running minimum blocks disposal until it ends
        boolean blocked = false;
        if (candidate != null && minimumEnds.isPresent() && minimumEnds.get().isAfter(candidate)) {
            blocked = true;
            roles.put(minimum.id(), RetentionVerdict.Role.BLOCKS_DISPOSAL);
            candidate = minimumEnds.get();
        } else if (minimum != null) {
            roles.put(minimum.id(), candidate == null && at.isBefore(minimumEnds.get())
                    ? RetentionVerdict.Role.BLOCKS_DISPOSAL : RetentionVerdict.Role.MINIMUM_ENDED);
        }
        if (decider != null && !decider.equals(erasedBy)) {
            roles.put(decider, RetentionVerdict.Role.DECIDES);
        }

        List<RetentionVerdict.RuleOutcome> outcomes = new ArrayList<>();
        for (RetentionRule r : rules) {
            outcomes.add(new RetentionVerdict.RuleOutcome(r.id(), r.kind(), r.anchor(),
                    Optional.ofNullable(facts.anchors().get(r.anchor())), ends.get(r.id()), roles.get(r.id())));
        }
        List<String> holds = facts.holds().stream().filter(h -> h.covers(item, at)).map(LegalHold::id).sorted().toList();
        boolean erasureAsked = erasure.isPresent() && !erasure.get().isAfter(at);

        // 1. a legal hold beats everything
        if (!holds.isEmpty()) {
            return new RetentionVerdict(item, at, RetentionVerdict.Status.HELD, Optional.ofNullable(candidate),
                    Optional.ofNullable(action), Optional.ofNullable(decider), erasureAsked, holds,
                    outcomes, policy.version());
        }
        if (candidate == null) {
            RetentionVerdict.Status status = maximums.isEmpty() ? RetentionVerdict.Status.NO_RULE
                    : RetentionVerdict.Status.NOT_STARTED;
            // a running minimum decides how long the item is kept at least (keptAtLeastUntil), not when it is due
            boolean keeping = minimumEnds.filter(at::isBefore).isPresent();
            return new RetentionVerdict(item, at, status, Optional.empty(), Optional.empty(),
                    keeping ? Optional.of(minimum.id()) : Optional.empty(), false, holds, outcomes, policy.version());
        }
        String decidedBy = blocked ? minimum.id() : decider;
        if (!at.isBefore(candidate)) {
            return new RetentionVerdict(item, at, RetentionVerdict.Status.DUE, Optional.of(candidate),
                    Optional.of(action), Optional.of(decider), false, holds, outcomes, policy.version());
        }
        return new RetentionVerdict(item, at, RetentionVerdict.Status.KEEP, Optional.of(candidate),
                Optional.of(action), Optional.of(decidedBy), erasureAsked && blocked, holds, outcomes, policy.version());
    }

    private static Instant end(Map<String, Optional<Instant>> ends, RetentionRule r) {
        return ends.get(r.id()).orElseThrow();
    }

    private static int actionRank(RetentionRule r) {
        DisposalAction a = r.action().orElseThrow();
        if (a == DisposalAction.ANONYMIZE && r.overridesDelete()) {
            return 0;
        }
        return switch (a) {
            case DELETE -> 1;
            case ANONYMIZE -> 2;
            case REVIEW -> 3;
        };
    }
}
