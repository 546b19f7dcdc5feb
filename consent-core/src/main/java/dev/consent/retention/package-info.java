/**
 * Retention: when each category of each subject's data falls due, and the sweeper that disposes of it.
 * {@link dev.consent.retention.RetentionService} keeps anchors ("last transaction", "account closed") per item,
 * evaluates {@link dev.consent.retention.RetentionRule}s by the principles of retention (a legal hold beats
 * everything; a legal minimum beats deletion and erasure, GDPR Art. 17(3)(b); the longest minimum and the shortest
 * maximum win; explicit beats implicit) and explains every {@link dev.consent.retention.RetentionVerdict}; the
 * {@link dev.consent.retention.Sweeper} calls the host's {@link dev.consent.retention.DisposalHandler}s in leased
 * batches, at least once and idempotently, with a personal-data-free audit of every disposal. One name stands for
 * the instant an item falls due throughout: {@code dueAt}.
 */
package dev.consent.retention;
