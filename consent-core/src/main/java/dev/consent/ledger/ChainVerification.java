package dev.consent.ledger;

import java.util.Optional;

/**
 * The result of checking a subject's hash chain: intact, or the first broken link and what is wrong
 * with it.
 *
 * @param eventsChecked how many events were found intact before the break (all of them when intact)
 */
public record ChainVerification(SubjectId subject, boolean intact, long eventsChecked, Optional<Break> firstBreak) {

    /** The first event at which the chain does not hold, and why. */
    public record Break(long sequence, String problem) {
        @Override
        public String toString() {
            return "event #" + sequence + " " + problem;
        }
    }

    static ChainVerification intact(SubjectId subject, long checked) {
        return new ChainVerification(subject, true, checked, Optional.empty());
    }

    static ChainVerification broken(SubjectId subject, long checked, long sequence, String problem) {
        return new ChainVerification(subject, false, checked, Optional.of(new Break(sequence, problem)));
    }
}
