package dev.consent.jdbc;

import dev.consent.StoreException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.processing.ProcessingEntry;
import dev.consent.store.ProcessingStore.UseAppend;
import dev.consent.store.ProcessingStore.UseCursor;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The processing log of {@link JdbcStore} (the {@link dev.consent.store.ProcessingStore} operations of its own), and the
 * one place that decides their transactions: arguments are checked before any connection is borrowed, then
 * {@link ProcessingLogRepository} runs on one connection ({@link Transactions}) and writes commit or roll back here.
 */
final class JdbcProcessing {
    private final Transactions tx;
    private final Dialect dialect;
    private final ProcessingLogRepository processing;
    private final ChangeFeedRepository feed;

    JdbcProcessing(Transactions tx, Dialect dialect, String prefix, ChangeFeedRepository feed) {
        this.tx = tx;
        this.dialect = dialect;
        this.processing = new ProcessingLogRepository(dialect, prefix);
        this.feed = feed;
    }

    /**
     * The guard, then the entries as a JDBC batch. The guard reads, on a connection of its own (so it sees what has
     * committed and never the uncommitted changes of a host's transaction, which the decisions were read with), the
     * committed change-feed entries of the entries' subjects (and of visitors linked to them) that are above {@code
     * feedPosition} or not yet numbered ({@link ChangeFeedRepository#changedAmong}, as the campaign proof's guard). {@code feedPosition} came from
     * {@link JdbcLedger#changeCursor} before the decisions were read, and every change committed after that is above
     * it or not yet numbered: so every change that committed before the guard's read is either in the decisions or
     * refuses the append. No lock is taken: a change that commits after the guard's read is ordered after the use,
     * whose instant was taken before that read.
     */
    UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition) {
        List<String> subjects = processing.checkedSubjects(entries);
        if (entries.isEmpty()) {
            return UseAppend.success();
        }
        Set<SubjectId> changed = tx.readOwn("appendUses", c -> feed.changedAmong(c, feedPosition,
                new java.util.HashSet<>(subjects)));
        if (!changed.isEmpty()) {
            return UseAppend.changed(changed);
        }
        return tx.inTransaction("appendUses", c -> processing.append(c, entries), c -> {
            throw ProcessingLogRepository.duplicateId();
        });
    }

    /** A page of a subject's entries, or with {@code after} null the first. */
    List<ProcessingEntry> uses(SubjectId subject, UseCursor after, int limit) {
        Checks.required("subject", subject);
        return page("uses", subject.value(), false, after, limit);
    }

    /** A page of a pseudonym's entries, or with {@code after} null the first. */
    List<ProcessingEntry> pseudonymisedUses(String pseudonym, UseCursor after, int limit) {
        Checks.required("pseudonym", pseudonym);
        return page("pseudonymisedUses", pseudonym, true, after, limit);
    }

    private List<ProcessingEntry> page(String operation, String key, boolean pseudonymised, UseCursor after,
            int limit) {
        StoreArguments.limit(limit);
        if (after != null) {
            processing.checkCursor(after);
        }
        return tx.read(operation, c -> processing.page(c, key, pseudonymised, after, limit));
    }

    long countUses(PurposeId purpose, Instant from, Instant until) {
        Checks.required("purpose", purpose);
        Instant low = processing.lowerBound("from", from);
        Instant high = processing.bound("until", until);
        return high == null ? 0 : tx.read("countUses", c -> processing.count(c, purpose, low, high));
    }

    /** One {@code UPDATE} per subject, as one JDBC batch in one transaction: all or nothing. */
    long pseudonymise(Map<SubjectId, String> pseudonyms) {
        processing.checkPseudonyms(pseudonyms);
        return pseudonyms.isEmpty() ? 0 : pseudonymise(pseudonyms, null);
    }

    /** As {@link #pseudonymise(Map)}, for the entries at or before {@code upTo}. */
    long pseudonymiseUpTo(Map<SubjectId, String> pseudonyms, Instant upTo) {
        Checks.required("upTo", upTo);
        processing.checkPseudonyms(pseudonyms);
        if (pseudonyms.isEmpty()) {
            return 0;
        }
        Instant bound = processing.bound("upTo", upTo);
        return bound == null ? 0 : pseudonymise(pseudonyms, bound); // null: no entry is that old
    }

    private long pseudonymise(Map<SubjectId, String> pseudonyms, Instant bound) {
        return tx.inTransaction("pseudonymise", c -> Outcome.commit(processing.pseudonymise(c, pseudonyms, bound)),
                c -> {
                    throw new StoreException("pseudonymise", "a unique violation where no unique key can be violated");
                });
    }

    /** The first page of subjects with entries at or before {@code upTo}, or with {@code after} null the first. */
    List<SubjectId> subjectsWithUses(Instant upTo, SubjectId after, int limit) {
        StoreArguments.limit(limit);
        Instant bound = processing.bound("upTo", upTo);
        return bound == null ? List.of() : tx.read("subjectsWithUses", c -> processing.subjects(c, bound, after, limit));
    }

    long deleteUses(Collection<SubjectId> subjects, Instant upTo) {
        Checks.required("subjects", subjects);
        Instant bound = processing.lowerBound("upTo", upTo);
        List<String> keys = Keys.distinct("subjects", subjects, SubjectId::value);
        if (keys.isEmpty() || upTo.isBefore(dialect.minInstant())) {
            return 0;
        }
        return tx.inTransaction("deleteUses", c -> Outcome.commit(processing.delete(c, keys, bound)), c -> 0L);
    }

    long deletePseudonymisedUses(Instant upTo) {
        Instant bound = processing.bound("upTo", upTo);
        return bound == null ? 0 : tx.inTransaction("deletePseudonymisedUses",
                c -> Outcome.commit(processing.deletePseudonymised(c, bound)), c -> 0L);
    }
}
