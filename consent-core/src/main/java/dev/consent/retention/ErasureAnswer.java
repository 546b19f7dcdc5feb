package dev.consent.retention;

import dev.consent.ledger.SubjectId;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The answer to an erasure request (GDPR Art. 17), per item: erased as soon as the sweeper runs, or kept,
 * until when and why (a legal minimum, Art. 17(3)(b), or a legal hold, Art. 17(3)(e)). This is the
 * explanation a shop owes the subject (Art. 12(4)).
 */
public record ErasureAnswer(SubjectId subject, Instant requestedAt, List<Entry> entries) {

    /** What happens to one item. */
    public record Entry(ItemKey item, Outcome outcome, Optional<Instant> keptUntil, Optional<String> ruleId,
            Optional<String> legalReference, List<String> holds) {
    }

    /** Erased now, kept for a while, or held indefinitely. */
    public enum Outcome {
        /** Due now: the next sweep disposes of it. */
        ERASED_NOW,
        /** Kept (and restricted) until a legal minimum ends, then erased. */
        KEPT_UNTIL,
        /** Kept under a legal hold until the hold is released. */
        HELD
    }

    public ErasureAnswer {
        entries = List.copyOf(entries);
    }

    /** Entries kept rather than erased. */
    public List<Entry> kept() {
        return entries.stream().filter(e -> e.outcome() != Outcome.ERASED_NOW).toList();
    }

    /** A readable answer to send to the subject. */
    public String explain() {
        StringBuilder b = new StringBuilder("Erasure requested at " + requestedAt + ":");
        for (Entry e : entries) {
            b.append("\n  - ").append(e.item().category()).append(e.item().purpose().map(p -> " (" + p + ")").orElse(""))
                    .append(": ");
            switch (e.outcome()) {
                case ERASED_NOW -> b.append("erased");
                case KEPT_UNTIL -> b.append("kept until ").append(e.keptUntil().orElseThrow())
                        .append(" because of rule ").append(e.ruleId().orElse("?"))
                        .append(e.legalReference().map(r -> " (" + r + ")").orElse(""))
                        .append("; processing is restricted to keeping it until then");
                case HELD -> b.append("kept under legal hold ").append(String.join(", ", e.holds()));
            }
        }
        return b.toString();
    }
}
