package dev.consent.retention;

import dev.consent.internal.Checks;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The stored state of one item in the due index: its anchors, an erasure request if any, when it falls due
 * (as the engine last computed it), whether it has been disposed of, and its failed disposal attempts.
 * {@code version} is the version the item was read at: 0 for an item never stored, and one more with every save
 * (optimistic concurrency between nodes; {@link dev.consent.store.RetentionStore#saveItem}).
 *
 * @param dueAt when the item falls due for disposal; empty when no rule makes it due
 * @param attempts failed disposal attempts since the item last fell due
 * @param notBefore after a failed attempt, the earliest instant of the next one (backoff)
 */
public record RetainedItem(ItemKey key, Map<Anchor, Instant> anchors, Optional<Instant> erasureRequestedAt,
        Optional<Instant> dueAt, State state, int attempts, Optional<Instant> notBefore, long version) {

    /** Whether the item is still held by the host. */
    public enum State {
        /** Held: the due index and the sweeper consider it. */
        ACTIVE,
        /** Disposed of by the host's handler; active again when new data is recorded for it. */
        DISPOSED
    }

    /**
     * Copies the anchors.
     *
     * @param key the item
     * @param anchors when each anchor event happened
     * @param erasureRequestedAt when the subject asked for erasure, if it did
     * @param dueAt when the item falls due for disposal; empty when no rule makes it due
     * @param state whether it is still held
     * @param attempts failed disposal attempts since the item last fell due
     * @param notBefore after a failed attempt, the earliest instant of the next one
     * @param version the version the item was read at; 0 when never stored
     * @throws dev.consent.InvalidValueException when a component is null or {@code version} is negative
     */
    public RetainedItem {
        Checks.required("key", key);
        anchors = java.util.Collections.unmodifiableMap(new TreeMap<>(Checks.required("anchors", anchors)));
        Checks.required("erasureRequestedAt", erasureRequestedAt);
        Checks.required("dueAt", dueAt);
        Checks.required("state", state);
        Checks.required("notBefore", notBefore);
        if (version < 0) {
            throw new dev.consent.InvalidValueException("version", version, "must be 0 (never stored) or more");
        }
    }

    /**
     * A new, active item with no anchors: version 0, never stored, so its first save inserts it.
     *
     * @param key the item
     * @return the new item
     */
    public static RetainedItem create(ItemKey key) {
        return new RetainedItem(key, Map.of(), Optional.empty(), Optional.empty(), State.ACTIVE, 0, Optional.empty(), 0);
    }

    /**
     * This item with other anchors; its due instant is not recomputed here.
     *
     * @param a the anchors
     * @return a copy with those anchors
     */
    public RetainedItem withAnchors(Map<Anchor, Instant> a) {
        return new RetainedItem(key, a, erasureRequestedAt, dueAt, state, attempts, notBefore, version);
    }

    /**
     * This item with an erasure request; its due instant is not recomputed here.
     *
     * @param at when the subject asked for erasure
     * @return a copy with that request
     */
    public RetainedItem withErasureRequestedAt(Instant at) {
        return new RetainedItem(key, anchors, Optional.of(at), dueAt, state, attempts, notBefore, version);
    }

    /**
     * This item, due at {@code due} in the due index.
     *
     * @param due the due instant
     * @return a copy due then
     * @throws dev.consent.InvalidValueException when {@code due} is null
     */
    public RetainedItem withDue(Instant due) {
        return new RetainedItem(key, anchors, erasureRequestedAt, Optional.of(Checks.required("dueAt", due)), state,
                attempts, notBefore, version);
    }

    /**
     * This item, out of the due index: no rule makes it due.
     *
     * @return a copy with no due instant
     */
    public RetainedItem withoutDue() {
        return new RetainedItem(key, anchors, erasureRequestedAt, Optional.empty(), state, attempts, notBefore, version);
    }

    /** This item with its due instant {@code due} when present, and out of the due index when empty. */
    RetainedItem withDueOrNone(Optional<Instant> due) {
        return due.map(this::withDue).orElseGet(this::withoutDue);
    }

    /**
     * This item in another state.
     *
     * @param s the state
     * @return a copy in that state
     */
    public RetainedItem withState(State s) {
        return new RetainedItem(key, anchors, erasureRequestedAt, dueAt, s, attempts, notBefore, version);
    }

    /**
     * This item after {@code failedAttempts} failed disposal attempts, not to be claimed again before {@code retryAt}.
     *
     * @param failedAttempts the failed attempts so far
     * @param retryAt the earliest instant of the next attempt
     * @return a copy with those counts
     * @throws dev.consent.InvalidValueException when {@code retryAt} is null
     */
    public RetainedItem withRetry(int failedAttempts, Instant retryAt) {
        return new RetainedItem(key, anchors, erasureRequestedAt, dueAt, state, failedAttempts,
                Optional.of(Checks.required("retryAt", retryAt)), version);
    }

    /**
     * This item with no failed attempt counted and no retry pending: claimable as soon as it is due.
     *
     * @return a copy with no attempts and no retry instant
     */
    public RetainedItem withoutRetry() {
        return new RetainedItem(key, anchors, erasureRequestedAt, dueAt, state, 0, Optional.empty(), version);
    }

    /**
     * This item as the store keeps it once saved over {@link #version()}: the version one higher.
     *
     * @return a copy with the version one higher
     */
    public RetainedItem nextVersion() {
        return new RetainedItem(key, anchors, erasureRequestedAt, dueAt, state, attempts, notBefore, version + 1);
    }

    /**
     * Whether nothing of this item is needed any more: it was disposed of after its subject asked for erasure. A
     * store removes such an item instead of keeping its row (which would keep the subject id).
     *
     * @return true when the item is disposed of and its subject asked for erasure
     */
    public boolean disposedAfterErasure() {
        return state == State.DISPOSED && erasureRequestedAt.isPresent();
    }

    /**
     * The facts the engine judges this item by.
     *
     * @param holds the holds on the subject
     * @return the item's anchors and erasure request, with {@code holds}
     */
    public ItemFacts facts(java.util.List<LegalHold> holds) {
        return new ItemFacts(key, anchors, erasureRequestedAt, holds);
    }
}
