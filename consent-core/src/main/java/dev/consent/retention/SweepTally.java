package dev.consent.retention;

import java.util.List;

/** A sweep's counts so far; used by one thread at a time (see {@link SweepBatch}). */
final class SweepTally {
    int claimed;
    int disposed;
    int failed;
    int held;
    int notDue;
    int noHandler;
    int lost;

    /** Counts recorded outcomes; null stands for an attempt whose claim was lost to another sweeper. */
    void add(List<DisposalRecord.Outcome> outcomes) {
        for (DisposalRecord.Outcome outcome : outcomes) {
            if (outcome == null) {
                lost++; // the lease ran out during the attempt and another sweeper took the item over
                continue;
            }
            switch (outcome) {
                case DISPOSED -> disposed++;
                case FAILED -> failed++;
                case SKIPPED_HELD -> held++;
                case SKIPPED_NOT_DUE -> notDue++;
                case NO_HANDLER -> noHandler++;
            }
        }
    }

    SweepReport report(boolean budgetExhausted) {
        return new SweepReport(claimed, disposed, failed, held, notDue, noHandler, lost, budgetExhausted);
    }
}
