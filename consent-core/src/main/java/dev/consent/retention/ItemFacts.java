package dev.consent.retention;

import dev.consent.internal.Checks;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything a retention verdict depends on for one item: when its anchor events happened, whether the
 * subject asked for erasure, and the legal holds on the subject. Hosts that keep their own index pass
 * these to {@link RetentionEngine#evaluate}.
 */
public record ItemFacts(ItemKey item, Map<Anchor, Instant> anchors, Optional<Instant> erasureRequestedAt,
        List<LegalHold> holds) {

    /**
     * Copies the collections, so the facts cannot change after a verdict was given.
     *
     * @param item the item judged
     * @param anchors when each anchor event happened; sorted by anchor name
     * @param erasureRequestedAt when the subject asked for erasure (GDPR Art. 17), if it did
     * @param holds the legal holds on the subject, released ones included
     * @throws dev.consent.InvalidValueException when a component is null
     */
    public ItemFacts {
        Checks.required("item", item);
        anchors = java.util.Collections.unmodifiableMap(new TreeMap<>(Checks.required("anchors", anchors)));
        Checks.required("erasureRequestedAt", erasureRequestedAt);
        holds = List.copyOf(Checks.required("holds", holds));
    }

    /**
     * The facts of an item without an erasure request or holds.
     *
     * @param item the item
     * @param anchors when each anchor event happened
     * @return the facts
     */
    public static ItemFacts of(ItemKey item, Map<Anchor, Instant> anchors) {
        return new ItemFacts(item, anchors, Optional.empty(), List.of());
    }

    /**
     * The same facts with an erasure request.
     *
     * @param at when the subject asked for erasure
     * @return a copy with that request
     */
    public ItemFacts withErasureRequestedAt(Instant at) {
        return new ItemFacts(item, anchors, Optional.of(at), holds);
    }

    /**
     * The same facts with other holds.
     *
     * @param h the holds on the subject, released ones included (a hold covers the item only while in force)
     * @return a copy with those holds
     */
    public ItemFacts withHolds(List<LegalHold> h) {
        return new ItemFacts(item, anchors, erasureRequestedAt, h);
    }
}
