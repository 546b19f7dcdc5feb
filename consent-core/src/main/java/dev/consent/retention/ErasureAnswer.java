package dev.consent.retention;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The answer to an erasure request (GDPR Art. 17), per item: disposed of at once (when the erasure was carried out
 * with a {@link Sweeper}, {@link dev.consent.rights.RightsService#erase}), due and not yet disposed of (since when:
 * the next {@link Sweeper#sweep sweep} disposes of it), or kept, until when and why (a legal minimum, Art. 17(3)(b), or
 * a legal hold, Art. 17(3)(e)). This is the explanation a shop owes the subject (Art. 12(4)); it never says "erased"
 * of an item whose disposal is not recorded.
 *
 * <p>An answer without entries does not mean that nothing was held: the library knows only the items whose anchors
 * the shop recorded. For a customer from before the library was introduced, whose anchors were never recorded, the
 * shop's tables may still hold everything. Such an answer says so ({@link #nothingKnown()}, {@link #explain()}):
 * the erasure is owed all the same (Art. 17(1)), and the shop must be able to show what it erased (Art. 5(2)), so
 * {@link dev.consent.rights.RightsService#erase} leaves the request open until the shop confirms what it erased.
 */
public record ErasureAnswer(SubjectId subject, Instant requestedAt, List<Entry> entries) {

    /**
     * What happens to one item.
     *
     * @param dueAt for {@link Outcome#KEPT_UNTIL}: the instant the item falls due, when the legal minimum ends; for
     *     {@link Outcome#DUE_NOW} and {@link Outcome#DISPOSED}: the instant it fell due; empty for {@link Outcome#HELD}
     * @param legalReference for {@link Outcome#KEPT_UNTIL}: the legal reference of the rule that keeps the item
     * @param holds for {@link Outcome#HELD}: the ids of the legal holds in force
     */
    public record Entry(ItemKey item, Outcome outcome, Optional<Instant> dueAt, Optional<String> ruleId,
            Optional<String> legalReference, List<String> holds) {
    }

    /** Disposed of, due now, kept for a while, or held indefinitely. */
    public enum Outcome {
        /**
         * Disposed of at once: the host's handler disposed of it and the disposal is recorded in the audit
         * ({@link Sweeper#disposeDue}, as {@link dev.consent.rights.RightsService#erase} calls it with a sweeper).
         */
        DISPOSED,
        /**
         * Due since {@link Entry#dueAt()}, not yet disposed of: the next {@link Sweeper#sweep sweep} disposes of it
         * (or retries it, after a disposal at once that failed); until the disposal is recorded the data is still
         * there.
         */
        DUE_NOW,
        /** Kept (and restricted) until a legal minimum ends ({@link Entry#dueAt()}), then erased. */
        KEPT_UNTIL,
        /** Kept under a legal hold until the hold is released. */
        HELD
    }

    /**
     * Copies the entries.
     *
     * @param subject who asked
     * @param requestedAt when the request was made
     * @param entries one per active item of the subject, in the store's order
     */
    public ErasureAnswer {
        entries = List.copyOf(entries);
    }

    /**
     * Whether the library knows of no retained item of the subject: none was ever recorded (a legacy customer whose
     * anchors never were), or all were disposed of before. Nothing was erased through the library then, and whatever
     * the shop holds of the subject outside its retention records must be found and erased by the shop (GDPR
     * Art. 17(1)); the answer must not read as "nothing to erase".
     *
     * @return true when the answer has no entry
     */
    public boolean nothingKnown() {
        return entries.isEmpty();
    }

    /**
     * Entries kept rather than erased (neither disposed of nor due).
     *
     * @return the {@link Outcome#KEPT_UNTIL} and {@link Outcome#HELD} entries, in order
     */
    public List<Entry> kept() {
        return entries.stream().filter(e -> e.outcome() == Outcome.KEPT_UNTIL || e.outcome() == Outcome.HELD)
                .toList();
    }

    /**
     * Entries due and not yet disposed of: left to the next sweep.
     *
     * @return the {@link Outcome#DUE_NOW} entries, in order
     */
    public List<Entry> due() {
        return entries.stream().filter(e -> e.outcome() == Outcome.DUE_NOW).toList();
    }

    /**
     * This answer after disposals: each {@link Outcome#DUE_NOW} entry whose item {@code disposals} records as
     * {@link DisposalRecord.Outcome#DISPOSED} becomes {@link Outcome#DISPOSED}; every other entry stays as it was
     * (an attempt that failed, found a hold or no handler leaves the item due, for the next sweep).
     *
     * @param disposals the outcome of the disposal attempt of each item attempted
     * @return the updated answer; this one is unchanged
     * @throws InvalidValueException when {@code disposals} is null
     */
    public ErasureAnswer withDisposals(Map<ItemKey, DisposalRecord.Outcome> disposals) {
        Checks.required("disposals", disposals);
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            boolean disposed = e.outcome() == Outcome.DUE_NOW
                    && disposals.get(e.item()) == DisposalRecord.Outcome.DISPOSED;
            out.add(disposed ? new Entry(e.item(), Outcome.DISPOSED, e.dueAt(), e.ruleId(), e.legalReference(),
                    e.holds()) : e);
        }
        return new ErasureAnswer(subject, requestedAt, out);
    }

    /**
     * A readable answer to send to the subject.
     *
     * @return one line for the request and one per item, naming category, purpose, outcome, instants, rule and legal
     *     reference, never the subject's id
     */
    public String explain() {
        StringBuilder b = new StringBuilder("Erasure requested at " + requestedAt + ":");
        if (nothingKnown()) {
            return b.append(" no retained item of this subject is known to the retention records (none was recorded,"
                    + " or all were disposed of before), so none was erased through them. Data the shop holds outside"
                    + " those records must be found and erased by the shop itself.").toString();
        }
        for (Entry e : entries) {
            b.append("\n  - ").append(e.item().category()).append(e.item().purpose().map(p -> " (" + p + ")").orElse(""))
                    .append(": ");
            switch (e.outcome()) {
                case DISPOSED -> b.append("erased");
                case DUE_NOW -> b.append("due since ").append(e.dueAt().map(Object::toString).orElse(requestedAt
                        .toString())).append(", not yet erased: the next retention sweep erases it");
                case KEPT_UNTIL -> b.append("kept until ").append(e.dueAt().orElseThrow())
                        .append(" because of rule ").append(e.ruleId().orElse("?"))
                        .append(e.legalReference().map(r -> " (" + r + ")").orElse(""))
                        .append("; processing is restricted to keeping it until then");
                case HELD -> b.append("kept under legal hold ").append(String.join(", ", e.holds()));
            }
        }
        return b.toString();
    }
}
