package dev.consent.retention;

import dev.consent.internal.Checks;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A dry run: what a sweep at {@code at} would do, through the same selection as the real sweep, disposing of
 * nothing, and what it would leave alone because no rule has it due. Counts are keyed by {@code category} and by
 * rule id.
 *
 * <p>Nothing the store keeps is skipped silently (GDPR Art. 5(2): the shop demonstrates that it keeps data no longer
 * than needed; Art. 30(1)(f): it knows the time limits of every category): every active item is either in the due
 * part ({@link #items}, {@link #due()}, {@link #held()}) or counted in {@link #unscheduled()}, except items whose due
 * instant is still ahead of {@code at} (verdict KEEP), which a later plan lists, and items an earlier version indexed
 * at the end of a minimum with no maximum started, listed once that end passes or after
 * {@link RetentionService#reindexAll()}.
 *
 * <p>Memory: the due part holds every due and held verdict, as the sweep would meet them; the unscheduled part holds
 * counts and at most {@link #UNSCHEDULED_SAMPLE} verdicts, however many items no rule schedules (a shop of a million
 * customers who never closed their accounts has a million NOT_STARTED items). {@link RetentionService#unscheduled}
 * lists them all, page by page.
 *
 * <p>Which due categories a sweeper has no handler for (it would audit them as NO_HANDLER and dispose of nothing) is
 * the sweeper's to say: {@link Sweeper#withoutHandler(DisposalPlan)}.
 *
 * @param items every due item with its verdict (held ones included, with status HELD)
 * @param held how many of {@code items} a legal hold keeps
 * @param unscheduled the items no rule has due: counts per status and per category, and the first verdicts
 */
public record DisposalPlan(Instant at, List<RetentionVerdict> items, Map<String, Long> dueByCategory,
        Map<String, Long> dueByRule, long held, Unscheduled unscheduled) {

    /** How many unscheduled verdicts a plan carries at most; the counts cover all of them. */
    public static final int UNSCHEDULED_SAMPLE = 100;

    /**
     * Copies the collections.
     *
     * @param at the instant planned for
     * @param items every due item with its verdict (held ones included, with status HELD)
     * @param dueByCategory how many items would be disposed of, per category id
     * @param dueByRule how many items would be disposed of, per deciding rule id
     * @param held how many of {@code items} a legal hold keeps
     * @param unscheduled the items no rule has due
     * @throws dev.consent.InvalidValueException when {@code at} or {@code unscheduled} is null
     */
    public DisposalPlan {
        Checks.required("at", at);
        items = List.copyOf(items);
        dueByCategory = Map.copyOf(dueByCategory);
        dueByRule = Map.copyOf(dueByRule);
        Checks.required("unscheduled", unscheduled);
    }

    /**
     * How many items would be disposed of.
     *
     * @return the sum of {@link #dueByCategory()}; held items are not counted
     */
    public long due() {
        return dueByCategory.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Items whose maximum rules all wait for an anchor event that never happened (an account never closed).
     *
     * @return the NOT_STARTED count of {@link #unscheduled()}
     */
    public long notStarted() {
        return unscheduled.count(RetentionVerdict.Status.NOT_STARTED);
    }

    /**
     * Items of a category no maximum rule covers: a gap in the policy.
     *
     * @return the NO_RULE count of {@link #unscheduled()}
     */
    public long noRule() {
        return unscheduled.count(RetentionVerdict.Status.NO_RULE);
    }

    /**
     * The items no sweep would reach on its own because no rule has them due: those without a due instant in the
     * store, and those the due index had due by {@code at} whose verdict is no longer due (a minimum that ended
     * with no maximum started). Each verdict says why ({@link RetentionVerdict#reason()}).
     *
     * <p>Their verdicts at {@code at} are mostly {@link RetentionVerdict.Status#NOT_STARTED NOT_STARTED} and
     * {@link RetentionVerdict.Status#NO_RULE NO_RULE}; HELD when a legal hold is on as well; KEEP or DUE only when
     * the item was indexed under rules that have changed since (run {@link RetentionService#reindexAll()}).
     *
     * @param byStatus how many items per verdict status (every status present, zero when none)
     * @param byCategory how many items per category
     * @param sample the first {@link #UNSCHEDULED_SAMPLE} verdicts, in the order the plan met them (the due
     *     index's first, then key order)
     */
    public record Unscheduled(Map<RetentionVerdict.Status, Long> byStatus, Map<String, Long> byCategory,
            List<RetentionVerdict> sample) {

        /**
         * Adds a zero count for every status not given, and copies the collections.
         *
         * @param byStatus how many items per verdict status
         * @param byCategory how many items per category
         * @param sample the first verdicts, at most {@link #UNSCHEDULED_SAMPLE}
         * @throws dev.consent.InvalidValueException when {@code byStatus} is null or {@code sample} is too long
         */
        public Unscheduled {
            EnumMap<RetentionVerdict.Status, Long> all = new EnumMap<>(RetentionVerdict.Status.class);
            for (RetentionVerdict.Status s : RetentionVerdict.Status.values()) {
                all.put(s, 0L);
            }
            all.putAll(Checks.required("byStatus", byStatus));
            byStatus = java.util.Collections.unmodifiableMap(all);
            byCategory = Map.copyOf(byCategory);
            sample = List.copyOf(sample);
            if (sample.size() > UNSCHEDULED_SAMPLE) {
                throw new dev.consent.InvalidValueException("sample", sample.size(), "must hold at most "
                        + UNSCHEDULED_SAMPLE + " verdicts");
            }
        }

        /**
         * How many unscheduled items there are.
         *
         * @return the sum over every status
         */
        public long total() {
            return byStatus.values().stream().mapToLong(Long::longValue).sum();
        }

        /**
         * How many have this status.
         *
         * @param status a verdict status
         * @return how many unscheduled items have it; 0 when none
         * @throws dev.consent.InvalidValueException when {@code status} is null
         */
        public long count(RetentionVerdict.Status status) {
            return byStatus.get(Checks.required("status", status));
        }

        /**
         * Whether {@link #sample()} holds every unscheduled item.
         *
         * @return true when the sample is as long as {@link #total()}, so nothing is left to page through
         */
        public boolean complete() {
            return sample.size() == total();
        }
    }
}
