package dev.consent.retention;

/**
 * What one sweep did. {@code budgetExhausted} says whether it stopped for its budget (more may be due).
 */
public record SweepReport(int claimed, int disposed, int failed, int skippedHeld, int skippedNotDue,
        int withoutHandler, int lostClaims, boolean budgetExhausted) {
}
