/**
 * Telling recipients (GDPR Art. 19, Art. 17(2)): when consent is withdrawn or an erasure, restriction or
 * rectification is carried out, a {@link dev.consent.recipients.RecipientNotice} for every recipient the policy names
 * for those categories and purposes is written to a durable outbox in the same transaction as the change that caused
 * it; {@link dev.consent.recipients.RecipientDispatcher} delivers each at least once through the host's
 * {@link dev.consent.recipients.RecipientNotifier}, with backoff, and records a
 * {@link dev.consent.recipients.DeliveryRecord} without personal data, listed in the rights request's history.
 */
package dev.consent.recipients;
