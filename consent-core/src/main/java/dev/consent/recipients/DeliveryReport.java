package dev.consent.recipients;

/**
 * What one {@link RecipientDispatcher#deliver} run did. {@code lostClaims} counts attempts whose claim had lapsed and
 * been taken over before they were recorded (the notice will have been, or will be, delivered by the other
 * dispatcher with the same idempotency key). {@code budgetExhausted} says whether it stopped for its budget.
 */
public record DeliveryReport(int claimed, int delivered, int failed, int lostClaims, boolean budgetExhausted) {
}
