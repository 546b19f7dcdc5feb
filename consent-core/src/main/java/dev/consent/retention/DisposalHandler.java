package dev.consent.retention;

/**
 * The host's code that disposes of one item in its own tables: deletes or anonymizes the subject's rows of
 * one category. The library never touches host tables.
 *
 * <p>Called at least once per due item, possibly more than once (a node crashed after the handler returned
 * but before the disposal was recorded), always with the same {@link DisposalRequest#idempotencyKey()} for the
 * same due item: make the handler idempotent (deleting what is already gone is fine). Throw to report a
 * failure; the item is retried with backoff while the sweep goes on with other items.
 *
 * <p>Called on the {@link Sweeper}'s own handler threads, with a time limit
 * ({@link Sweeper.Builder#handlerTimeout(java.time.Duration) handlerTimeout}): a call that has not returned
 * within it counts as failed and its thread is interrupted, so let blocking calls end on interruption (or give them
 * their own shorter timeouts). A call that ignores interruption keeps running after it was given up, and the item may
 * be retried on another node meanwhile.
 */
@FunctionalInterface
public interface DisposalHandler {
    /**
     * Disposes of one item in the host's tables, as {@link DisposalRequest#action()} says: the subject's data of the
     * category collected up to {@link DisposalRequest#dueAt()}.
     *
     * @param request the item, its action and its idempotency key
     * @throws Exception any failure: the sweeper records it by class name only and retries the item with backoff
     */
    void dispose(DisposalRequest request) throws Exception;
}
