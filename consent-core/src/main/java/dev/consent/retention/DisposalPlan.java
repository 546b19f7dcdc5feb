package dev.consent.retention;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A dry run: what a sweep at {@code at} would do, through the same selection as the real sweep, disposing of
 * nothing. Counts are keyed by {@code category} and by rule id.
 *
 * @param items every due item with its verdict (held ones included, with status HELD)
 */
public record DisposalPlan(Instant at, List<RetentionVerdict> items, Map<String, Long> dueByCategory,
        Map<String, Long> dueByRule, long held, long withoutHandler) {

    public DisposalPlan {
        items = List.copyOf(items);
        dueByCategory = Map.copyOf(dueByCategory);
        dueByRule = Map.copyOf(dueByRule);
    }

    /** How many items would be disposed of. */
    public long due() {
        return dueByCategory.values().stream().mapToLong(Long::longValue).sum();
    }
}
