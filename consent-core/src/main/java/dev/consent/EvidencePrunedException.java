package dev.consent;

import java.time.Instant;

/**
 * A point-in-time question reaches back before the ledger's pruning horizon for this subject: the events that
 * decided it were disposed of under the ledger's retention rule, so the answer can no longer be proven and is
 * refused rather than guessed.
 */
public final class EvidencePrunedException extends ConsentException {
    private static final long serialVersionUID = 1L;

    /**
     * @param asked the instant asked about
     * @param horizon the subject's pruning horizon, after {@code asked}
     */
    public EvidencePrunedException(Instant asked, Instant horizon) {
        super("at: " + asked + " is before the pruning horizon " + horizon
                + " of this subject's ledger; the evidence for that instant was disposed of");
    }
}
