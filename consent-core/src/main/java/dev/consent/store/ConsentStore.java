package dev.consent.store;

import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
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

    /** The chain heads of the given subjects; subjects with no events are absent from the map. */
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
     * @throws dev.consent.InvalidValueException when an event breaks a rule of
     *         {@link dev.consent.ledger.NewConsentEvent} (an instant outside {@code LedgerInstants}, among others);
     *         nothing is written
     */
    AppendResult append(List<ConsentEvent> events);

    /** The stored events with the given ids. */
    Map<EventId, ConsentEvent> findEvents(Collection<EventId> ids);

    /** Up to {@code limit} events of one subject with a sequence above {@code afterSequence}, in sequence order. */
    List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit);

    /**
     * Every event that decides the given subjects' consents: each subject's own events and those of the
     * visitors linked to it, keyed by the subject asked for, in any order. One call for the whole
     * collection: implementations answer it in a bounded number of round trips, never one per subject.
     */
    Map<SubjectId, List<ConsentEvent>> decisionEvents(Collection<SubjectId> subjects);

    /**
     * What {@link #decisionEvents} returns, narrowed to what a decision reads: for every subject asked, one
     * {@link ChoiceFact} per event that {@code decisionEvents} would return for it, no more and no fewer (its own
     * events and those of the visitors linked to it, each fact naming the subject whose chain holds the event),
     * keyed by the subject asked for, in any order. Every subject asked is a key of the result (with an empty list
     * when nothing decides it). Same round-trip bound as {@code decisionEvents}: one call for the whole collection,
     * never one query per subject.
     *
     * <p>The consent service reads decisions only through this method. The default derives the facts from
     * {@link #decisionEvents}; a store overrides it to read only the columns a decision needs, and must then keep
     * to exactly the same events ({@code ConsentStoreContract} compares the two).
     */
    default Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects) {
        Map<SubjectId, List<ConsentEvent>> events = decisionEvents(subjects);
        Map<SubjectId, List<ChoiceFact>> out = new HashMap<>(Math.max(16, subjects.size() * 2));
        for (SubjectId s : subjects) {
            List<ConsentEvent> found = events.getOrDefault(s, List.of());
            List<ChoiceFact> facts = new ArrayList<>(found.size());
            for (ConsentEvent e : found) {
                facts.add(ChoiceFact.of(e));
            }
            out.put(s, facts);
        }
        return out;
    }

    /**
     * Links an anonymous visitor to the customer it turned out to be. Idempotent: linking again to the
     * same customer returns {@link LinkResult#ALREADY_LINKED}; a visitor already linked to another
     * customer returns {@link LinkResult#LINKED_ELSEWHERE} and changes nothing. Adds a change-feed entry
     * for the customer.
     */
    LinkResult link(SubjectId visitor, SubjectId customer, Instant linkedAt);

    /** The customer a visitor is linked to, if any. */
    Optional<SubjectId> customerOf(SubjectId visitor);

    /** The visitors linked to a customer. */
    List<SubjectId> visitorsOf(SubjectId customer);

    /**
     * Removes the events of {@code checkpoint.subject()} up to and including {@code checkpoint.sequence()} and
     * records the checkpoint in their place, atomically. Refused (returns false, changes nothing) unless the
     * stored event at that sequence has the checkpoint's hash and the checkpoint lies beyond any earlier one.
     * Used only for the ledger's own retention; the chain head is untouched.
     */
    boolean prune(ChainCheckpoint checkpoint);

    /** The subject's latest checkpoint, if its chain was ever pruned. */
    Optional<ChainCheckpoint> checkpoint(SubjectId subject);

    /**
     * Optional push: arranges for {@code wakeUp} to run soon after a change-feed entry is written by any node (e.g.
     * through PostgreSQL LISTEN/NOTIFY), so that a poller reads the feed at once instead of at its next interval.
     * {@code wakeUp} must return quickly and may be called spuriously. The default pushes nothing; polling alone then
     * bounds staleness. Closing the returned handle stops the calls.
     */
    default AutoCloseable onChanges(Runnable wakeUp) {
        return () -> {
        };
    }

    /** The position of the newest change-feed entry; 0 when there is none. Never decreases. */
    long changePosition();

    /** Up to {@code limit} change-feed entries after {@code position}, in position order. */
    List<Change> changesSince(long position, int limit);

    /**
     * What {@link #append} did: either appended, naming every subject whose decisions changed (those appended
     * to and the customers of linked visitors among them), or refused, naming the conflicts.
     */
    record AppendResult(boolean appended, Set<SubjectId> changedSubjects, Set<SubjectId> headConflicts,
            Set<EventId> duplicateIds) {

        public AppendResult {
            changedSubjects = Set.copyOf(changedSubjects);
            headConflicts = Set.copyOf(headConflicts);
            duplicateIds = Set.copyOf(duplicateIds);
        }

        public static AppendResult appended(Set<SubjectId> changedSubjects) {
            return new AppendResult(true, changedSubjects, Set.of(), Set.of());
        }

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
        LINKED, ALREADY_LINKED, LINKED_ELSEWHERE
    }

    /** One change-feed entry: something about this subject's consents changed. */
    record Change(long position, SubjectId subject) {
    }
}
