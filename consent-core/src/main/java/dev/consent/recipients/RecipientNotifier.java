package dev.consent.recipients;

/**
 * The host's code that tells one recipient of a change: calls the email service provider's suppression API, opens a
 * ticket with the payment processor, writes to a table an integration reads. The library never contacts a recipient
 * itself.
 *
 * <p>Called at least once per notice, possibly more than once (a node died after the notifier returned but before the
 * delivery was recorded), always with the same {@link RecipientNotification#idempotencyKey()} for the same notice:
 * make it idempotent. Throw to report a failure; the notice is retried with exponential backoff while other notices
 * go on. Exception messages are neither logged nor audited (they may quote personal data), only their class.
 */
@FunctionalInterface
public interface RecipientNotifier {
    /**
     * Tells the recipient; returns normally once it has been told (or has durably accepted the message).
     *
     * @param notification what to pass on, with the key to deduplicate by
     * @throws Exception any failure: the notice is retried later, and only the exception's class is recorded
     */
    void tell(RecipientNotification notification) throws Exception;
}
