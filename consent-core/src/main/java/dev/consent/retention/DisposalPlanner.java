package dev.consent.retention;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;
import dev.consent.store.RetentionStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.TreeMap;

/**
 * The dry run behind {@link RetentionService#plan} and the listing behind {@link RetentionService#unscheduled}: pages
 * through the due index and the undated items, judging each on its subject's holds read a page at a time.
 */
final class DisposalPlanner {
    /** How many items the planner reads from the store at a time. */
    private static final int PLAN_PAGE = 500;

    /** The engine of the policy version in force at an instant. */
    private final Function<Instant, RetentionEngine> engines;
    private final RetentionStore store;

    DisposalPlanner(Function<Instant, RetentionEngine> engines, RetentionStore store) {
        this.engines = engines;
        this.store = store;
    }

    DisposalPlan plan(Instant at) {
        Checks.required("at", at);
        RetentionEngine engine = engines.apply(at);
        List<RetentionVerdict> verdicts = new ArrayList<>();
        Map<String, Long> byCategory = new TreeMap<>();
        Map<String, Long> byRule = new TreeMap<>();
        long held = 0;
        UnscheduledTally unscheduled = new UnscheduledTally();
        Optional<RetentionStore.DueCursor> cursor = Optional.empty();
        Map<SubjectId, List<LegalHold>> holdCache = new HashMap<>();
        while (true) {
            List<RetainedItem> page = cursor.isPresent() ? store.dueItemsAfter(at, cursor.get(), PLAN_PAGE)
                    : store.dueItems(at, PLAN_PAGE);
            for (RetainedItem item : page) {
                List<LegalHold> holds = holdsOf(item, page, holdCache);
                RetentionVerdict v = engine.evaluate(item.facts(holds), at);
                if (v.status() == RetentionVerdict.Status.HELD) {
                    held++;
                    verdicts.add(v);
                } else if (v.status() == RetentionVerdict.Status.DUE) {
                    verdicts.add(v);
                    byCategory.merge(item.key().category().value(), 1L, Long::sum);
                    byRule.merge(v.decidingRule().orElse("?"), 1L, Long::sum);
                } else {
                    // a minimum ended with no maximum started: the sweep will only drop it from the due index
                    unscheduled.add(v);
                }
            }
            if (page.size() < PLAN_PAGE) {
                break;
            }
            RetainedItem last = page.get(page.size() - 1);
            cursor = Optional.of(new RetentionStore.DueCursor(last.dueAt().orElseThrow(), last.key()));
            if (holdCache.size() > 10_000) {
                holdCache.clear();
            }
        }
        Optional<ItemKey> after = Optional.empty();
        while (true) {
            List<RetainedItem> page = after.isPresent() ? store.undatedItemsAfter(after.get(), PLAN_PAGE)
                    : store.undatedItems(PLAN_PAGE);
            for (RetainedItem item : page) {
                unscheduled.add(engine.evaluate(item.facts(holdsOf(item, page, holdCache)), at));
            }
            if (page.size() < PLAN_PAGE) {
                break;
            }
            after = Optional.of(page.get(page.size() - 1).key());
            if (holdCache.size() > 10_000) {
                holdCache.clear();
            }
        }
        return new DisposalPlan(at, verdicts, byCategory, byRule, held, unscheduled.result());
    }


    /** Up to {@code limit} undated items' verdicts, after {@code after} (exclusive), or from the start when null. */
    List<RetentionVerdict> unscheduled(Instant at, ItemKey after, int limit) {
        Checks.required("at", at);
        if (limit < 1 || limit > 10_000) {
            throw new InvalidValueException("limit", limit, "must be between 1 and 10000");
        }
        RetentionEngine engine = engines.apply(at);
        List<RetainedItem> page = after == null ? store.undatedItems(limit) : store.undatedItemsAfter(after, limit);
        Map<SubjectId, List<LegalHold>> holds = new HashMap<>();
        List<RetentionVerdict> out = new ArrayList<>(page.size());
        for (RetainedItem item : page) {
            out.add(engine.evaluate(item.facts(holdsOf(item, page, holds)), at));
        }
        return out;
    }

    /** The holds of the item's subject, reading those of the whole page's new subjects in one call when missing. */
    private List<LegalHold> holdsOf(RetainedItem item, List<RetainedItem> page, Map<SubjectId, List<LegalHold>> cache) {
        if (!cache.containsKey(item.key().subject())) {
            Set<SubjectId> unread = new LinkedHashSet<>();
            for (RetainedItem i : page) {
                if (!cache.containsKey(i.key().subject())) {
                    unread.add(i.key().subject());
                }
            }
            cache.putAll(store.holds(unread));
        }
        return cache.getOrDefault(item.key().subject(), List.of());
    }

    /** The unscheduled part of a plan: counts of every item, verdicts of the first few. */
    private static final class UnscheduledTally {
        private final Map<RetentionVerdict.Status, Long> byStatus =
                new EnumMap<>(RetentionVerdict.Status.class);
        private final Map<String, Long> byCategory = new TreeMap<>();
        private final List<RetentionVerdict> sample = new ArrayList<>();

        void add(RetentionVerdict v) {
            byStatus.merge(v.status(), 1L, Long::sum);
            byCategory.merge(v.item().category().value(), 1L, Long::sum);
            if (sample.size() < DisposalPlan.UNSCHEDULED_SAMPLE) {
                sample.add(v);
            }
        }

        DisposalPlan.Unscheduled result() {
            return new DisposalPlan.Unscheduled(byStatus, byCategory, sample);
        }
    }
}
