package dev.consent.store;

import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.processing.ProcessingEntry;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the processing log lives (seed 002: "All internal data usage activities are systematically logged"; GDPR
 * Art. 30 and Art. 5(2)). It extends {@link ConsentStore} because an append is guarded by that store's change feed:
 * the log and the consent ledger it checks against must be one store, so that a use is never written after a
 * withdrawal of the same subject's consent that committed before it.
 *
 * <p>Expected conflicts are returned as values; failures throw {@link dev.consent.StoreException}. Thread-safe and
 * safe to share between nodes. Every implementation must pass {@code ProcessingStoreContract} from consent-core's
 * test-jar. Entries are kept exactly as given (instants are whole microseconds).
 */
public interface ProcessingStore extends ConsentStore {

    /**
     * Appends entries atomically (all of them or none), guarded by the change feed: when a change-feed entry with a
     * position above {@code feedPosition} (the {@link FeedCursor#position() position} of a {@link #changeCursor()}
     * taken before the decisions the entries rest on were read) names the subject of any of the entries (a choice, restriction or
     * objection recorded for it, a visitor linked to it or a linked visitor's choice), nothing is written and the
     * result names those subjects. Every change committed before the guard reads is seen by it, whether or not a
     * reader of the feed has reached it yet; a change that commits later is ordered after the append (which a store
     * may make atomic with the guard, as the in-memory store does, or not, as the JDBC store, which takes no lock).
     *
     * @param entries the entries, each with a new id
     * @param feedPosition the change-feed position the decisions were read at
     * @return appended, or refused with the subjects whose consents changed
     * @throws dev.consent.ConflictException when an entry's id is already stored or appears twice; nothing is written
     */
    UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition);

    /**
     * The first {@code limit} entries that name {@code subject} (not pseudonymised), in order of their instant then
     * id; {@link #usesAfter} reads on.
     *
     * @param subject whose uses are read
     * @param limit how many entries at most
     * @return the first entries
     */
    List<ProcessingEntry> uses(SubjectId subject, int limit);

    /**
     * As {@link #uses}, after the position {@code after} (exclusive).
     *
     * @param subject whose uses are read
     * @param after the position of the last entry of the page before
     * @param limit how many entries at most
     * @return the next entries
     */
    List<ProcessingEntry> usesAfter(SubjectId subject, UseCursor after, int limit);

    /**
     * As {@link #uses}, for the entries kept under {@code pseudonym}.
     *
     * @param pseudonym the pseudonym an erased subject's entries are kept under
     * @param limit how many entries at most
     * @return the first entries
     */
    List<ProcessingEntry> pseudonymisedUses(String pseudonym, int limit);

    /**
     * As {@link #usesAfter}, for the entries kept under {@code pseudonym}.
     *
     * @param pseudonym the pseudonym
     * @param after the position of the last entry of the page before
     * @param limit how many entries at most
     * @return the next entries
     */
    List<ProcessingEntry> pseudonymisedUsesAfter(String pseudonym, UseCursor after, int limit);

    /**
     * How many entries, pseudonymised or not, record a use for {@code purpose} at or after {@code from} and before
     * {@code until}.
     *
     * @param purpose the purpose
     * @param from the start, inclusive
     * @param until the end, exclusive
     * @return the count
     */
    long countUses(PurposeId purpose, Instant from, Instant until);

    /**
     * Replaces, atomically, the subject of every entry naming one of the keys of {@code pseudonyms}, whatever its
     * instant, by that key's pseudonym, marks it pseudonymised and drops its linked visitor id; everything else of the
     * entry is kept. Returns how many entries changed (0 when none was left to change). Used when a subject is erased.
     *
     * @param pseudonyms each erased subject's pseudonym
     * @return the number of entries changed
     */
    long pseudonymise(Map<SubjectId, String> pseudonyms);

    /**
     * As {@link #pseudonymise}, only for the entries at or before {@code upTo} (the log's own retention).
     *
     * @param pseudonyms each subject's pseudonym
     * @param upTo the last instant pseudonymised, inclusive
     * @return the number of entries changed
     */
    long pseudonymiseUpTo(Map<SubjectId, String> pseudonyms, Instant upTo);

    /**
     * The first {@code limit} distinct subjects that entries at or before {@code upTo} name (not pseudonymised), in
     * the store's order of subject ids; {@link #subjectsWithUsesAfter} reads on.
     *
     * @param upTo the last instant considered, inclusive
     * @param limit how many subjects at most
     * @return the first subjects
     */
    List<SubjectId> subjectsWithUses(Instant upTo, int limit);

    /**
     * As {@link #subjectsWithUses}, after {@code after} (exclusive) in the store's order of subject ids.
     *
     * @param upTo the last instant considered, inclusive
     * @param after the last subject of the page before
     * @param limit how many subjects at most
     * @return the next subjects
     */
    List<SubjectId> subjectsWithUsesAfter(Instant upTo, SubjectId after, int limit);

    /**
     * Deletes the entries naming one of {@code subjects} at or before {@code upTo}; returns how many.
     *
     * @param subjects the subjects whose entries go
     * @param upTo the last instant deleted, inclusive
     * @return the number of entries deleted
     */
    long deleteUses(Collection<SubjectId> subjects, Instant upTo);

    /**
     * Deletes the pseudonymised entries at or before {@code upTo}; returns how many.
     *
     * @param upTo the last instant deleted, inclusive
     * @return the number of entries deleted
     */
    long deletePseudonymisedUses(Instant upTo);

    /**
     * What {@link #appendUses} did: appended, or refused because these subjects' consents changed.
     *
     * @param appended whether the entries were written
     * @param changedSubjects when refused: the subjects whose consents changed
     */
    record UseAppend(boolean appended, Set<SubjectId> changedSubjects) {
        /**
         * Copies the set.
         *
         * @param appended whether the entries were written
         * @param changedSubjects when refused: the subjects whose consents changed; empty exactly when appended
         * @throws IllegalArgumentException when {@code appended} and {@code changedSubjects} disagree
         */
        public UseAppend {
            changedSubjects = Set.copyOf(Checks.required("changedSubjects", changedSubjects));
            if (appended != changedSubjects.isEmpty()) {
                throw new IllegalArgumentException("an append is refused exactly when it names changed subjects");
            }
        }

        /**
         * @return an append that was written
         */
        public static UseAppend success() {
            return new UseAppend(true, Set.of());
        }

        /**
         * @param subjects the subjects whose consents changed, at least one
         * @return a refused append
         * @throws IllegalArgumentException when {@code subjects} is empty
         */
        public static UseAppend changed(Set<SubjectId> subjects) {
            return new UseAppend(false, subjects);
        }
    }

    /**
     * A keyset position in the order entries are listed: instant, then id.
     *
     * @param at the entry's instant
     * @param id the entry's id
     */
    record UseCursor(Instant at, String id) {
        /**
         * @param at the entry's instant
         * @param id the entry's id
         * @throws dev.consent.InvalidValueException when a component is null
         */
        public UseCursor {
            Checks.required("at", at);
            Checks.required("id", id);
        }

        /**
         * The position of an entry, to read on after it.
         *
         * @param entry the last entry read
         * @return its position
         */
        public static UseCursor of(ProcessingEntry entry) {
            return new UseCursor(entry.at(), entry.id());
        }
    }
}
