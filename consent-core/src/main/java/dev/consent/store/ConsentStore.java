package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the consent ledger lives. The consent service computes hash chains and decisions; a store only
 * keeps events, chain heads, visitor links and a change feed, and enforces the few invariants that
 * need the store's own atomicity. Expected conflicts are returned as values; failures (the store
 * cannot be reached, a write could not be committed) throw {@link dev.consent.StoreException}.
 *
 * <p>Implementations must be thread-safe and safe to share between several application nodes that use
 * the same underlying storage. Every implementation must pass {@code ConsentStoreContract} from the
 * test-jar of consent-core.
 */
public interface ConsentStore {

    /**
     * The chain heads of the given subjects; subjects with no events are absent from the map.
     *
     * @param subjects the subjects asked about
     * @return each subject's head: its last sequence and hash
     */
    Map<SubjectId, ChainHead> heads(Collection<SubjectId> subjects);

    /**
     * Appends events atomically and durably: all of them, or none.
     *
     * <p>The events of one subject come in sequence order with no gaps, the first one directly after the
     * subject's current head (sequence 1 for a new subject). If another writer has moved any of those
     * heads, or any event id is already stored, nothing is written and the result says which. On success
     * the change feed gains an entry for every subject appended to, and for the customer each linked
     * visitor belongs to.
     *
     * <p>Every instant in {@link dev.consent.ledger.LedgerInstants} is stored exactly and read back as appended.
     *
     * @param events the events, already chained by the consent service
     * @return appended with the changed subjects, or the head conflicts and duplicate ids
     * @throws dev.consent.InvalidValueException when an event breaks a rule of
     *         {@link dev.consent.ledger.NewConsentEvent} (an instant outside {@code LedgerInstants}, among others);
     *         nothing is written
     */
    AppendResult append(List<ConsentEvent> events);

    /**
     * The stored events with the given ids.
     *
     * @param ids the ids looked up
     * @return the events found, by id; ids not stored (or pruned) are absent
     */
    Map<EventId, ConsentEvent> findEvents(Collection<EventId> ids);

    /**
     * Up to {@code limit} events of one subject with a sequence above {@code afterSequence}, in sequence order.
     *
     * @param subject whose chain is read
     * @param afterSequence the last sequence read; 0 from the start
     * @param limit how many events at most
     * @return the events, empty when none is newer
     */
    List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit);

    /**
     * What a decision reads about the given subjects: for every subject asked, one {@link ChoiceFact} per event that
     * decides its consents (its own events and those of the visitors linked to it, each fact naming the subject whose
     * chain holds the event), keyed by the subject asked for, in any order. Every subject asked is a key of the
     * result (with an empty list when nothing decides it). One call for the whole collection: implementations answer
     * it in a bounded number of round trips, never one query per subject. The consent service reads decisions only
     * through this method.
     *
     * @param subjects the subjects decided
     * @return the facts per subject asked, every subject a key
     */
    Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects);

    /**
     * What a decision of one purpose reads about the given subjects: {@link #decisionFacts(Collection)}, from which a
     * store may leave out the facts of events that are on none of {@code purposes}, declare no age
     * ({@link ChoiceFact#declaredAge()} empty) and record no location ({@link dev.consent.ledger.Choice#LOCATION_RECORDED}:
     * a location decides the subject's jurisdiction). Every fact of an event on one of {@code purposes}, declaring an
     * age or recording a location, is in the answer, keyed as {@link #decisionFacts(Collection)} keys it; every subject asked is a key. A store
     * that filters on its side spares reading and sending the rest; the default answers every fact.
     *
     * <p>The consent service asks it for bulk decisions with the purpose's lineage (the purpose and its ancestors), the
     * only purposes whose events decide it besides age declarations; it never caches ledgers read this way.
     *
     * @param subjects the subjects decided
     * @param purposes the purposes whose events the decision reads, at least one
     * @return the facts per subject asked, every subject a key; at least those of events on {@code purposes} or
     *     declaring an age
     */
    default Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects, Set<PurposeId> purposes) {
        StoreArguments.purposes(purposes);
        return decisionFacts(subjects);
    }

    /**
     * Links an anonymous visitor to the customer it turned out to be; the visitor's chain (its
     * {@link VisitorId#subject() subject id}) then counts for the customer. Idempotent: linking again to the same
     * customer returns {@link LinkResult#ALREADY_LINKED}; a visitor already linked to another customer returns
     * {@link LinkResult#LINKED_ELSEWHERE} and changes nothing. Adds a change-feed entry for the customer.
     *
     * <p>The two namespaces stay apart: a visitor's subject id is always in the visitor namespace, and a customer
     * never is, so no customer's own data can be linked as a visitor's, a visitor can never have visitors, and a
     * subject can never be linked to itself. A store enforces this itself, whoever calls it.
     *
     * @param visitor the anonymous visitor
     * @param customer the customer it turned out to be
     * @param linkedAt when, kept with the link
     * @return what the call did
     * @throws dev.consent.InvalidValueException when {@code customer} is in the visitor namespace
     *         ({@link SubjectId#isVisitor()}); nothing is written
     */
    LinkResult link(VisitorId visitor, SubjectId customer, Instant linkedAt);

    /**
     * The customer a visitor is linked to, if any.
     *
     * @param visitor the visitor
     * @return its customer, or empty when it is not linked
     */
    Optional<SubjectId> customerOf(VisitorId visitor);

    /**
     * The visitors linked to a customer, in the order they were linked.
     *
     * @param customer the customer
     * @return its visitors, empty when none is linked
     */
    List<VisitorId> visitorsOf(SubjectId customer);

    /**
     * Removes the events of {@code checkpoint.subject()} up to and including {@code checkpoint.sequence()} and
     * records the checkpoint in their place, atomically. Refused (returns false, changes nothing) unless the
     * stored event at that sequence has the checkpoint's hash and the checkpoint lies beyond any earlier one.
     * Used only for the ledger's own retention; the chain head is untouched.
     *
     * @param checkpoint the subject, sequence and hash the pruned prefix ends with
     * @return true when the events were removed and the checkpoint recorded
     */
    boolean prune(ChainCheckpoint checkpoint);

    /**
     * The subject's latest checkpoint, if its chain was ever pruned.
     *
     * @param subject whose chain is looked up
     * @return the latest checkpoint, or empty when the chain was never pruned
     */
    Optional<ChainCheckpoint> checkpoint(SubjectId subject);

    /**
     * Whether the calls this thread makes run inside a transaction the host application owns and has not completed
     * yet: what they write is not committed (it may still roll back), and what they read includes those uncommitted
     * writes. A consent service then neither answers from nor fills its shared cache. The default, for a store that
     * always commits its own transactions: {@code false}. Called on every check, so it must not allocate.
     *
     * @return true inside an open host transaction
     */
    default boolean inHostTransaction() {
        return false;
    }

    /**
     * When this thread's calls run inside a host transaction ({@link #inHostTransaction()}): arranges for
     * {@code action} to run once that transaction has completed, committed or rolled back, and answers {@code true}.
     * Otherwise runs nothing and answers {@code false}. A consent service drops the subjects written inside the
     * transaction from its cache again then, so that a ledger read by another thread before the commit is not
     * answered after it. The default: {@code false}.
     *
     * @param action what to run once the transaction has completed
     * @return true when {@code action} was arranged to run; false when nothing was arranged
     */
    default boolean afterHostTransaction(Runnable action) {
        return false;
    }

    /**
     * Optional push: arranges for {@code wakeUp} to run soon after a change-feed entry is written by any node (e.g.
     * through PostgreSQL LISTEN/NOTIFY), so that a poller reads the feed at once instead of at its next interval.
     * {@code wakeUp} must return quickly and may be called spuriously. The default pushes nothing; polling alone then
     * bounds staleness. Closing the returned handle stops the calls.
     *
     * @param wakeUp what to run when the feed changes
     * @return a handle whose {@code close()} stops the calls
     */
    default AutoCloseable onChanges(Runnable wakeUp) {
        return () -> {
        };
    }

    /**
     * The cursor of the newest change-feed entry: where a reader that has accounted for everything stored so far
     * starts. {@link FeedCursor#START} when the feed holds no entry.
     *
     * @return the newest entry's cursor
     */
    FeedCursor changeCursor();

    /**
     * Reads the change feed after {@code cursor}, first checking that the feed still holds the entry the cursor
     * names, at the same position and with the same stamp.
     *
     * <ul>
     *   <li>If it does (or the cursor is {@link FeedCursor#START}), the result is {@linkplain ChangeRead#continuous()
     *       continuous}: up to {@code limit} entries after it, in position order, and the cursor of the last one
     *       (the same cursor when there is none). Since entries become visible in position order and are only ever
     *       removed as a prefix ({@link #pruneChanges}), a reader that follows these cursors sees every entry.</li>
     *   <li>If it does not, entries the reader never saw may be gone: the feed was pruned past the cursor, emptied
     *       by hand, or restored from a backup (positions went back, perhaps forward again past the cursor, with
     *       other entries; the stamp tells them apart). The result is not continuous, holds no entries, and names
     *       the cursor of the newest entry now stored: a reader must treat every subject as changed up to it
     *       (a cache drops everything) and go on from there.</li>
     * </ul>
     * Gaps between positions (a transaction that drew positions and rolled back) are never reported: only the
     * entry the reader saw last is checked.
     *
     * @param cursor where the reader stands
     * @param limit how many entries at most
     * @return a continuous read with its entries, or a lost one naming the newest cursor
     */
    ChangeRead readChanges(FeedCursor cursor, int limit);

    /**
     * Removes the oldest change-feed entries: the longest prefix (in position order) of entries written before
     * {@code writtenBefore}, always keeping the newest entry, so that a reader that has read everything still finds
     * its cursor. Entries written before this version of the schema have no write instant and count as old. Only a
     * prefix is ever removed, so a reader whose cursor falls inside it notices ({@link #readChanges} is then not
     * continuous) instead of missing entries. Returns how many entries were removed.
     *
     * @param writtenBefore entries written before this instant may go
     * @return the number of entries removed
     */
    long pruneChanges(Instant writtenBefore);

    /**
     * Erasure (GDPR Art. 17): {@link #pruneChanges prunes} as for {@code writtenBefore} and also removes the newest
     * entry if it names {@code subject} and was written before then, so the feed no longer names the subject once
     * its entries are old enough. Entries written later stay, since readers may not have seen them yet (they go
     * with a later prune or call). Returns how many entries naming the subject the feed still holds; 0 when it
     * names the subject no more.
     *
     * @param subject the erased subject
     * @param writtenBefore entries written before this instant may go
     * @return the number of entries naming the subject still held
     */
    long eraseChanges(SubjectId subject, Instant writtenBefore);

    /**
     * What {@link #append} did: either appended, naming every subject whose decisions changed (those appended
     * to and the customers of linked visitors among them), or refused, naming the conflicts.
     */
    record AppendResult(boolean appended, Set<SubjectId> changedSubjects, Set<SubjectId> headConflicts,
            Set<EventId> duplicateIds) {

        /**
         * Copies the sets.
         *
         * @param appended whether the events were written
         * @param changedSubjects when appended: the subjects whose decisions changed
         * @param headConflicts when refused: the subjects whose heads another writer moved
         * @param duplicateIds when refused: the event ids already stored
         */
        public AppendResult {
            changedSubjects = Set.copyOf(changedSubjects);
            headConflicts = Set.copyOf(headConflicts);
            duplicateIds = Set.copyOf(duplicateIds);
        }

        /**
         * A successful append.
         *
         * @param changedSubjects the subjects whose decisions changed
         * @return the result
         */
        public static AppendResult appended(Set<SubjectId> changedSubjects) {
            return new AppendResult(true, changedSubjects, Set.of(), Set.of());
        }

        /**
         * A refused append; nothing was written.
         *
         * @param heads the subjects whose heads moved
         * @param ids the event ids already stored
         * @return the result
         * @throws dev.consent.InvalidValueException when both sets are empty: a refusal names its cause
         */
        public static AppendResult conflict(Set<SubjectId> heads, Set<EventId> ids) {
            if (heads.isEmpty() && ids.isEmpty()) {
                throw new dev.consent.InvalidValueException("conflict", "none",
                        "names at least one head or event id");
            }
            return new AppendResult(false, Set.of(), heads, ids);
        }
    }

    /** What {@link #link} did. */
    enum LinkResult {
        /** The visitor is now linked to the customer. */
        LINKED,
        /** The visitor was already linked to the same customer; nothing changed. */
        ALREADY_LINKED,
        /** The visitor is linked to another customer; nothing changed. */
        LINKED_ELSEWHERE
    }

    /**
     * One change-feed entry: something about this subject's consents changed.
     *
     * @param position the entry's place in the feed, increasing in the order entries become visible
     * @param subject the subject whose consents changed
     */
    record Change(long position, SubjectId subject) {
    }

    /**
     * Where a reader of the change feed stands: after the entry at {@code position}, which carries {@code stamp}, a
     * random number each entry gets when it is written (0 for entries written before stamps existed). The stamp
     * tells an entry from another written at the same position after the feed went back (a restore, a restarted
     * sequence).
     *
     * @param position the entry's position; 0 for {@link #START}
     * @param stamp the entry's stamp
     */
    record FeedCursor(long position, long stamp) {
        /** Before the first entry: what a reader of an empty feed holds. */
        public static final FeedCursor START = new FeedCursor(0, 0);

        /**
         * @param position the entry's position; 0 for {@link #START}
         * @param stamp the entry's stamp; 0 at position 0
         * @throws InvalidValueException when {@code position} is negative, or {@code stamp} is not 0 at position 0
         */
        public FeedCursor {
            if (position < 0) {
                throw new InvalidValueException("position", position, "must be 0 or more");
            }
            if (position == 0 && stamp != 0) {
                throw new InvalidValueException("stamp", stamp, "must be 0 at position 0 (START)");
            }
        }
    }

    /**
     * What {@link #readChanges} found: either the feed continued from the cursor, with the entries after it, or it
     * no longer holds the cursor's entry, and {@code next} is the newest entry's cursor, up to which the reader must
     * assume everything changed.
     */
    record ChangeRead(boolean continuous, List<Change> changes, FeedCursor next) {
        /**
         * Copies the entries.
         *
         * @param continuous whether the feed still holds the cursor's entry
         * @param changes the entries after it; none when not continuous
         * @param next where the reader stands after this read
         * @throws IllegalArgumentException when a read that is not continuous carries entries
         */
        public ChangeRead {
            changes = List.copyOf(changes);
            Checks.required("next", next);
            if (!continuous && !changes.isEmpty()) {
                throw new IllegalArgumentException("a read that lost its cursor carries no entries");
            }
        }

        /**
         * The feed still holds the cursor's entry; {@code changes} follow it and end at {@code next}.
         *
         * @param changes the entries after the cursor, in position order
         * @param next the cursor of the last one, or the cursor read from when there is none
         * @return the read
         */
        public static ChangeRead continued(List<Change> changes, FeedCursor next) {
            return new ChangeRead(true, changes, next);
        }

        /**
         * The cursor's entry is gone or another entry stands at its position; {@code head} is the newest entry now.
         *
         * @param head the newest entry's cursor
         * @return the read, with no entries
         */
        public static ChangeRead lost(FeedCursor head) {
            return new ChangeRead(false, List.of(), head);
        }
    }
}
