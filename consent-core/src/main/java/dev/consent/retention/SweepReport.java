package dev.consent.retention;

/**
 * What one sweep did. {@code budgetExhausted} says whether it stopped for its budget (more may be due).
 *
 * @param claimed items claimed and taken up; claims given back unused when the budget ran out are not counted
 * @param failed handler calls that threw or did not return within the handler timeout; retried after a backoff
 * @param lostClaims items another sweeper took over after their lease ended: given up before their handler was
 *        called, or whose outcome was refused when recorded
 */
public record SweepReport(int claimed, int disposed, int failed, int skippedHeld, int skippedNotDue,
        int withoutHandler, int lostClaims, boolean budgetExhausted) {
}
