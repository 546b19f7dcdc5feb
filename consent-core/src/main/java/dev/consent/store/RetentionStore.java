package dev.consent.store;

import dev.consent.ledger.SubjectId;
import dev.consent.retention.Claim;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.Tombstone;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where retention state lives: the due index of retained items, legal holds, sweeper claims, the disposal
 * audit and tombstones. Expected conflicts (a version that moved, a claim taken over) are returned as
 * {@code false}; failures throw {@link dev.consent.StoreException}. Thread-safe and safe to share between
 * nodes. Every implementation must pass {@code RetentionStoreContract} from consent-core's test-jar.
 */
public interface RetentionStore {

    Optional<RetainedItem> item(ItemKey key);

    /** Every item of a subject, in key order. */
    List<RetainedItem> items(SubjectId subject);

    /** Up to {@code limit} items of every subject, in key order, after {@code after} (exclusive; empty to start). */
    List<RetainedItem> allItems(Optional<ItemKey> after, int limit);

    /**
     * Saves an item if its stored version is still {@code item.version()} (0: it must not exist yet); the
     * stored version becomes {@code item.version() + 1}. Returns false, changing nothing, if another writer got
     * there first. Leaves any claim on the item as it is.
     */
    boolean saveItem(RetainedItem item);

    /**
     * Active items due at or before {@code dueBy}, ordered by due instant then key, after the keyset position
     * {@code after} (exclusive; empty to start). Claims and backoff are ignored: this is the planner's view.
     */
    List<RetainedItem> dueItems(Instant dueBy, Optional<DueCursor> after, int limit);

    /**
     * Atomically claims up to {@code limit} active items due at or before {@code now}, in due order, that are
     * neither claimed under an unexpired lease nor waiting out a backoff. Two callers never receive the same
     * item while its lease runs; a lease that has expired can be claimed again. Each claim's attempt is the
     * item's failed attempts plus one.
     */
    List<Claim> claimDue(Instant now, int limit, String owner, Duration lease);

    /**
     * Claims one item, as {@link #claimDue} would, if it is active, due at or before {@code now}, not claimed under an
     * unexpired lease and not waiting out a backoff (used to dispose of an erased subject's items at once).
     */
    Optional<Claim> claimItem(ItemKey key, Instant now, String owner, Duration lease);

    /**
     * Records a finished attempt if {@code claim} is still held (its token matches), atomically: clears the claim,
     * appends {@code audit}, and saves {@code updated} if the stored version is still {@code updated.version()}
     * (if another writer changed the item meanwhile, e.g. a new purchase moved an anchor, its newer state is
     * kept and will be evaluated again). Returns false and changes nothing if the claim was lost.
     */
    boolean finishClaim(Claim claim, RetainedItem updated, DisposalRecord audit);

    /** Inserts a hold, or records its release. */
    void saveHold(LegalHold hold);

    Optional<LegalHold> hold(String id);

    /** Every hold ever placed on a subject, released ones included, in placement order. */
    List<LegalHold> holds(SubjectId subject);

    /** Audit entries with a sequence above {@code afterSequence}, in sequence order. */
    List<DisposalRecord> disposals(long afterSequence, int limit);

    /** Adds a tombstone; returns false if one with that subject reference exists. */
    boolean addTombstone(Tombstone tombstone);

    Optional<Tombstone> tombstone(String subjectReference);

    /** A keyset position in due order. */
    record DueCursor(Instant dueAt, ItemKey key) {
    }
}
