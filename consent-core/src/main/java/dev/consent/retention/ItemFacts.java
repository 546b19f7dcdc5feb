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

    public ItemFacts {
        Checks.required("item", item);
        anchors = java.util.Collections.unmodifiableMap(new TreeMap<>(Checks.required("anchors", anchors)));
        Checks.required("erasureRequestedAt", erasureRequestedAt);
        holds = List.copyOf(Checks.required("holds", holds));
    }

    public static ItemFacts of(ItemKey item, Map<Anchor, Instant> anchors) {
        return new ItemFacts(item, anchors, Optional.empty(), List.of());
    }

    public ItemFacts withErasureRequestedAt(Instant at) {
        return new ItemFacts(item, anchors, Optional.of(at), holds);
    }

    public ItemFacts withHolds(List<LegalHold> h) {
        return new ItemFacts(item, anchors, erasureRequestedAt, h);
    }
}
