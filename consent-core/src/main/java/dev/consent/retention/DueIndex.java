package dev.consent.retention;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;
import dev.consent.store.RetentionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The due index of {@link RetentionService}: every change of a retained item (an anchor recorded or cleared, a minor
 * found, a re-index) is saved with the instant the item falls due, compare-and-set on the item's version and retried
 * when another writer got there first, so that every sweeper on every node finds what is due by reading the index.
 */
final class DueIndex {
    private static final Logger LOG = LoggerFactory.getLogger(DueIndex.class);
    private static final int MAX_SAVE_ATTEMPTS = 20;

    private final PolicyVersions versions;
    /** One engine per version, by identity. */
    private final Map<Policy, RetentionEngine> engines;
    private final RetentionStore store;
    private final Clock clock;
    /**
     * Whether any version sets a service-wide minimum age: only then does a {@link Anchor#MINOR_FOUND} anchor count
     * ({@link RetentionEngine}), so only then is a new item's subject read for one.
     */
    private final boolean serviceMinimumAge;

    DueIndex(PolicyVersions versions, Map<Policy, RetentionEngine> engines, RetentionStore store, Clock clock) {
        this.versions = versions;
        this.engines = engines;
        this.store = store;
        this.clock = clock;
        this.serviceMinimumAge = versions.all().stream().anyMatch(p -> p.minimumAge().isPresent());
    }

    static RetainedItem withMinorFound(RetainedItem item, Instant when) {
        Instant earlier = item.anchors().get(Anchor.MINOR_FOUND);
        if (earlier != null && !earlier.isAfter(when)) {
            return item;
        }
        Map<Anchor, Instant> anchors = new TreeMap<>(item.anchors());
        anchors.put(Anchor.MINOR_FOUND, when);
        return item.withAnchors(anchors);
    }

    /** A new item of its subject, carrying the {@link Anchor#MINOR_FOUND} anchor when the subject's other items do. */
    private RetainedItem created(ItemKey key) {
        RetainedItem item = RetainedItem.create(key);
        if (!serviceMinimumAge) {
            return item; // no version counts the anchor: spare the read of the subject's items
        }
        Optional<Instant> found = store.items(key.subject()).stream()
                .map(i -> i.anchors().get(Anchor.MINOR_FOUND)).filter(java.util.Objects::nonNull)
                .min(Instant::compareTo);
        return found.isEmpty() ? item : withMinorFound(item, found.get());
    }


    RetentionVerdict update(ItemKey key, UnaryOperator<RetainedItem> change) {
        checkCategory(key.category(), versions.at(clock.instant()));
        for (int attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt++) {
            RetainedItem current = store.item(key).orElseGet(() -> created(key));
            RetainedItem changed = change.apply(current);
            List<LegalHold> holds = store.holds(key.subject());
            Instant now = clock.instant();
            RetentionVerdict verdict = engines.get(versions.at(now)).evaluate(changed.facts(holds), now);
            RetainedItem indexed = changed.withDueOrNone(dueIndexOf(changed, now)).withoutRetry();
            if (store.saveItem(indexed)) {
                return verdict;
            }
        }
        throw new StoreException("saveItem", "the item kept changing under concurrent writers; nothing was saved");
    }

    /**
     * The due index holds when disposal falls due ignoring holds: holds are checked when claiming, so a
     * released hold needs no re-index. Items that no rule will ever make due are not indexed: NOT_STARTED and
     * NO_RULE items, even while a minimum keeps them (when that minimum ends nothing falls due, so a claim then would
     * only be skipped as not due). The planner lists them through {@link RetentionStore#undatedItems} instead.
     *
     * <p>Judged version by version from the one in force {@code now}: the first instant, within a version's time in
     * force, at which that version makes the item due. A version that takes effect later may make it due sooner (a
     * shortened period: at once when it takes effect) or later, or not at all.
     */
    private Optional<Instant> dueIndexOf(RetainedItem item, Instant now) {
        ItemFacts facts = item.facts(List.of());
        List<Policy> all = versions.all();
        int inForce = all.indexOf(versions.at(now));
        for (int i = inForce; i < all.size(); i++) {
            Policy version = all.get(i);
            boolean current = i == inForce;
            Instant from = current ? now : version.effectiveInstant();
            // empty for NOT_STARTED and NO_RULE verdicts
            Optional<Instant> due = engines.get(version).evaluate(facts, from).dueAt();
            if (due.isEmpty()) {
                continue;
            }
            Instant at = current || due.get().isAfter(from) ? due.get() : from;
            if (i + 1 == all.size() || at.isBefore(all.get(i + 1).effectiveInstant())) {
                return Optional.of(at);
            }
        }
        return Optional.empty();
    }

    static void checkCategory(CategoryId category, Policy policy) {
        if (policy.findCategory(category).isEmpty()) {
            throw new InvalidValueException("category", category, "is not declared by policy "
                    + policy.id() + " version " + policy.version());
        }
    }


    long reindexAll() {
        long changed = 0;
        Optional<ItemKey> after = Optional.empty();
        while (true) {
            List<RetainedItem> page = after.isPresent() ? store.allItemsAfter(after.get(), 500) : store.allItems(500);
            for (RetainedItem item : page) {
                if (item.state() != RetainedItem.State.ACTIVE) {
                    continue;
                }
                Optional<Instant> before = item.dueAt();
                Policy now = versions.at(clock.instant());
                if (now.findCategory(item.key().category()).isEmpty()) {
                    LOG.warn("retained items of category {} are not governed by policy {} {}", item.key().category(),
                            now.id(), now.version());
                    continue;
                }
                RetentionVerdict v = update(item.key(), UnaryOperator.identity());
                if (!v.dueAt().equals(before)) {
                    changed++;
                }
            }
            if (page.size() < 500) {
                return changed;
            }
            after = Optional.of(page.get(page.size() - 1).key());
        }
    }
}
