package dev.consent.store;

import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.Tombstone;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where retention state lives: the due index of retained items, legal holds, sweeper claims, the disposal
 * audit and tombstones. Expected conflicts (a version that moved, a claim taken over) are returned as
 * {@code false}; failures throw {@link dev.consent.StoreException}. Thread-safe and safe to share between
 * nodes. Every implementation must pass {@code RetentionStoreContract} from consent-core's test-jar.
 */
public interface RetentionStore {

    /**
     * The stored item with this key, at the version it is stored at.
     *
     * @param key the item's key
     * @return the item, or empty when it was never saved or has been removed
     */
    Optional<RetainedItem> item(ItemKey key);

    /**
     * The stored items with these keys, read together in a bounded number of round trips, not one per key: for each
     * key, exactly what {@link #item(ItemKey)} returns for it (the item at the version it is stored at); a key never
     * saved, or whose item has been removed, has no entry. A key asked twice is read once.
     *
     * <p>The default reads one key at a time through {@link #item(ItemKey)}, so that stores written before this method
     * keep working; the stores of this library override it with a set-based read, and so should any store whose
     * {@code item} is a round trip.
     *
     * @param keys the keys asked about
     * @return the stored items, by key; only keys with a stored item have an entry
     * @throws dev.consent.InvalidValueException when the collection or one of its keys is null
     */
    default Map<ItemKey, RetainedItem> items(Collection<ItemKey> keys) {
        Map<ItemKey, RetainedItem> out = new LinkedHashMap<>();
        for (ItemKey key : StoreArguments.distinct("keys", keys)) {
            item(key).ifPresent(item -> out.put(key, item));
        }
        return out;
    }

    /**
     * Every item of a subject, in key order.
     *
     * @param subject whose items are read
     * @return the items, active and disposed of; empty when none is stored
     */
    List<RetainedItem> items(SubjectId subject);

    /**
     * The first {@code limit} items of every subject, in key order; {@link #allItemsAfter} reads on.
     *
     * @param limit how many items at most
     * @return the first items
     */
    List<RetainedItem> allItems(int limit);

    /**
     * Up to {@code limit} items of every subject, in key order, after {@code after} (exclusive).
     *
     * @param after the last key of the page before
     * @param limit how many items at most
     * @return the next items
     */
    List<RetainedItem> allItemsAfter(ItemKey after, int limit);

    /**
     * Saves an item if its stored version is still {@code item.version()}: the item carries the version it was read
     * at, and a new item ({@link RetainedItem#create}) version 0, which no stored row ever has, so it is saved only if
     * no item with its key is stored. The stored version becomes {@code item.version() + 1} (the one rule for every
     * optimistic save of this SPI, see the package documentation). Returns false, changing nothing, if another writer
     * got there first. Leaves any claim on the item as it is.
     *
     * @param item the item, carrying the version it was read at
     * @return true when it was saved
     */
    boolean saveItem(RetainedItem item);

    /**
     * The first {@code limit} active items due at or before {@code dueBy}, ordered by due instant then key; {@link
     * #dueItemsAfter} reads on. Claims and backoff are ignored: this is the planner's view.
     *
     * @param dueBy the instant planned for
     * @param limit how many items at most
     * @return the first due items
     */
    List<RetainedItem> dueItems(Instant dueBy, int limit);

    /**
     * As {@link #dueItems}, after the keyset position {@code after} (exclusive).
     *
     * @param dueBy the instant planned for
     * @param after the due instant and key of the last item of the page before
     * @param limit how many items at most
     * @return the next due items
     */
    List<RetainedItem> dueItemsAfter(Instant dueBy, DueCursor after, int limit);

    /**
     * The first {@code limit} active items without a due instant (no rule makes them due: the anchor a rule counts
     * from never happened, or no rule covers them), in key order; {@link #undatedItemsAfter} reads on. Disposed items
     * are not listed. This is the planner's view of what no sweep will ever reach on its own, so the dry run can list
     * it instead of skipping it silently (GDPR Art. 5(2) and Art. 30: the shop accounts for every item it keeps, not
     * only for those falling due). Implementations read an index of undated active items, not every item.
     *
     * @param limit how many items at most
     * @return the first undated active items
     * @throws dev.consent.InvalidValueException if {@code limit} is not positive
     */
    List<RetainedItem> undatedItems(int limit);

    /**
     * As {@link #undatedItems}, after {@code after} (exclusive) in key order.
     *
     * @param after the last key of the page before
     * @param limit how many items at most
     * @return the next undated active items
     */
    List<RetainedItem> undatedItemsAfter(ItemKey after, int limit);

    /**
     * Atomically claims up to {@code limit} active items due at or before {@code now}, in due order, that are
     * neither claimed under an unexpired lease nor waiting out a backoff. Two callers never receive the same
     * item while its lease runs; a lease that has expired can be claimed again. Each claim's attempt is the
     * item's failed attempts plus one, and its {@link Claim#item() item} is the item as stored when it was
     * claimed (read in the same atomic step), so the caller need not read it again.
     *
     * <p>Two clocks, on purpose. {@code now} is the caller's clock, the policy's time: it decides which items are
     * due and which backoffs are over. Leases are set and judged by the <b>store's own clock</b> alone (a database's
     * {@code CURRENT_TIMESTAMP}, the in-memory store's one clock): a claim's lease ends {@code lease} after the store's
     * instant of claiming, and it has expired once the store's clock has passed that end. So a caller whose clock is
     * ahead of the others' cannot take over their live claims, however far ahead it is; what clock skew between
     * nodes still shifts is only when an item counts as due.
     *
     * @param now the caller's instant, deciding what is due
     * @param limit how many items at most
     * @param owner the claiming node's name, kept with the claim
     * @param lease how long each claim lasts, by the store's clock
     * @return the claims made, in due order; empty when nothing is claimable
     */
    List<Claim> claimDue(Instant now, int limit, String owner, Duration lease);

    /**
     * Claims one item, as {@link #claimDue} would, if it is active, due at or before {@code now}, not claimed under an
     * unexpired lease (by the store's clock) and not waiting out a backoff (used to dispose of an erased subject's
     * items at once).
     *
     * @param key the item
     * @param now the caller's instant, deciding whether it is due
     * @param owner the claiming node's name
     * @param lease how long the claim lasts, by the store's clock
     * @return the claim, or empty when the item is not claimable
     */
    Optional<Claim> claimItem(ItemKey key, Instant now, String owner, Duration lease);

    /**
     * Extends the leases of claims that are still held, atomically and for the whole list at once (one write, not
     * one per claim): for each claim whose token is still the item's, the lease ends {@code lease} after the store's
     * current instant (its own clock, as for {@link #claimDue}). A claim whose lease has ended but that no one took
     * over is still the only claim on its item and is renewed too. Returns, per claim in list order, the renewed
     * claim (same token, item and attempt, the new lease end) or empty when the claim was lost: taken over by another
     * caller after its lease ended, finished, or released. Nothing else about the item changes.
     *
     * @param claims the claims held
     * @param lease the new lease, from the store's current instant
     * @return one entry per claim
     */
    List<Optional<Claim>> renewClaims(List<Claim> claims, Duration lease);

    /**
     * Gives claims back unused (a sweep whose budget ran out before their handlers were called): each claim still
     * held is cleared, so the item can be claimed again at once; the item, its failed attempts and its backoff are
     * unchanged and no audit entry is written. Atomic for the whole list. Returns, per claim in list order, whether
     * it was still held.
     *
     * @param claims the claims given back
     * @return one answer per claim
     */
    List<Boolean> releaseClaims(List<Claim> claims);

    /**
     * Records finished attempts, atomically for the whole list (all or nothing), in list order. Each finish whose
     * {@code claim} is still held (its token matches) clears the claim, appends its {@code audit} entry and saves its
     * {@code updated} item if the stored version is still {@code updated.version()} (if another writer changed the
     * item meanwhile, e.g. a new purchase moved an anchor, its newer state is kept and will be evaluated again), and
     * reports {@code true}. A finish whose claim was lost reports {@code false} and changes nothing for its item: a
     * late finish, whose lease ended and whose item another caller claimed (and perhaps finished) meanwhile, never
     * overwrites that caller's outcome nor adds a second audit entry. A finish whose lease ended but that no one took
     * over is still recorded: its claim was the only one. The audit entries recorded take consecutive sequences in
     * list order, after every entry recorded before the call. Returns one answer per finish, in list order.
     *
     * <p>When the call throws, nothing of the list was recorded, and its items stay claimed until their leases end,
     * when they are claimed and handled again with the same idempotency key (at-least-once, as for a sweeper that
     * died).
     *
     * <p>An {@code updated} item that is {@link RetainedItem#disposedAfterErasure() disposed of after an erasure
     * request} is removed instead of saved, in the same atomic step: its row would keep the erased subject's id and
     * nothing needs it (the audit entry names the item by its keyed reference).
     *
     * @param finishes the attempts, each with its claim, updated item and audit entry
     * @return one answer per finish: true when recorded
     */
    List<Boolean> finishClaims(List<FinishedAttempt> finishes);

    /**
     * Removes an item that is no longer needed: only if it is stored at {@code item.version()}, is
     * {@link RetainedItem.State#DISPOSED} and carries no claim. Returns false, changing
     * nothing, otherwise. Used for a subject's items disposed of before the subject asked for erasure.
     *
     * @param item the item, at the version it was read at
     * @return true when it was removed
     */
    boolean removeItem(RetainedItem item);

    /**
     * Inserts a hold, or records its release.
     *
     * @param hold the hold; one with a stored id replaces it (its release)
     */
    void saveHold(LegalHold hold);

    /**
     * The hold with this id.
     *
     * @param id the hold's id
     * @return the hold, released or not; empty when no hold has that id
     */
    Optional<LegalHold> hold(String id);

    /**
     * Every hold ever placed on a subject, released ones included, in placement order.
     *
     * @param subject whose holds are read
     * @return the holds; empty when none was placed
     */
    List<LegalHold> holds(SubjectId subject);

    /**
     * The holds of several subjects at once, as {@link #holds(SubjectId)} returns them for each (released ones
     * included, in placement order), read together in a bounded number of round trips, not one per subject. Every
     * subject asked about has an entry, empty when it has no hold.
     *
     * @param subjects the subjects asked about
     * @return an entry per subject
     */
    Map<SubjectId, List<LegalHold>> holds(Collection<SubjectId> subjects);

    /**
     * Audit entries with a sequence above {@code afterSequence}, in sequence order.
     *
     * @param afterSequence the last sequence read; 0 from the start
     * @param limit how many entries at most
     * @return the entries; empty when none is newer
     */
    List<DisposalRecord> disposals(long afterSequence, int limit);

    /**
     * Adds a tombstone; returns false if one with that subject reference exists.
     *
     * @param tombstone the tombstone
     * @return true when it was added
     */
    boolean addTombstone(Tombstone tombstone);

    /**
     * The tombstone of a subject reference.
     *
     * @param subjectReference a reference made by {@link dev.consent.retention.ReferenceKey#subjectReference}
     * @return the tombstone, or empty when no erasure under that reference is on record
     */
    Optional<Tombstone> tombstone(String subjectReference);

    /**
     * One finished disposal attempt, as {@link #finishClaims} takes it: the claim it was made under, the item as it
     * is to be saved (over the version it was read at) and the audit entry to append (its sequence is assigned by
     * the store).
     *
     * @param claim the claim the attempt was made under
     * @param updated the item as it is to be saved
     * @param audit the audit entry to append
     */
    record FinishedAttempt(Claim claim, RetainedItem updated, DisposalRecord audit) {
        /**
         * @param claim the claim the attempt was made under
         * @param updated the item as it is to be saved
         * @param audit the audit entry to append
         * @throws dev.consent.InvalidValueException when a component is null
         */
        public FinishedAttempt {
            Checks.required("claim", claim);
            Checks.required("updated", updated);
            Checks.required("audit", audit);
        }
    }

    /**
     * A keyset position in due order: after the item {@code key}, due at {@code dueAt}.
     *
     * @param dueAt the item's due instant
     * @param key the item's key
     */
    record DueCursor(Instant dueAt, ItemKey key) {
        /**
         * @param dueAt the item's due instant
         * @param key the item's key
         * @throws dev.consent.InvalidValueException when a component is null
         */
        public DueCursor {
            Checks.required("dueAt", dueAt);
            Checks.required("key", key);
        }
    }
}
