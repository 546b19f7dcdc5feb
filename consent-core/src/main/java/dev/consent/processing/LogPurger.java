package dev.consent.processing;

import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Policy;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.ItemFacts;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetentionRule;
import dev.consent.retention.RetentionService;
import dev.consent.retention.RetentionVerdict;
import dev.consent.store.ProcessingStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies the log category's retention rules to the processing log ({@link ProcessingLog#purgeExpired}): each entry
 * is an item of the log category collected when it was recorded, judged by the retention engine; entries past the
 * deciding rule are deleted or pseudonymised, a page of subjects at a time, except those of subjects a legal hold on
 * the log category covers. Also holds the rule that the log has such a category at all ({@link #requireLogRule}).
 * Thread-safe.
 */
final class LogPurger {
    /** The earliest instant the purge asks the retention engine about. */
    private static final Instant YEAR_1 = Instant.parse("0001-01-01T00:00:00Z");
    /** The subject of the item the purge asks the retention engine about; rules for a category do not name one. */
    private static final SubjectId ANY_SUBJECT = SubjectId.of("processing-log");

    private final ProcessingStore store;
    private final RetentionService retention;
    private final CategoryId category;
    private final Pseudonyms pseudonyms;
    private final int page;

    LogPurger(ProcessingStore store, RetentionService retention, CategoryId category, Pseudonyms pseudonyms,
            int page) {
        this.store = store;
        this.retention = retention;
        this.category = category;
        this.pseudonyms = pseudonyms;
        this.page = page;
    }

    /** Purges what is due at {@code now} (to the microsecond); see {@link ProcessingLog#purgeExpired}. */
    LogPurge purge(Instant now) {
        RetentionVerdict oldest = verdictFor(YEAR_1, now);
        if (oldest.status() != RetentionVerdict.Status.DUE) {
            return new LogPurge(now, oldest.status(), Optional.empty(), Optional.empty(), oldest.decidingRule(), 0, 0,
                    0);
        }
        Instant cutoff = cutoff(now);
        RetentionVerdict verdict = verdictFor(cutoff, now);
        DisposalAction action = verdict.action().orElseThrow();
        long deleted = 0;
        long pseudonymised = 0;
        long held = 0;
        if (action != DisposalAction.REVIEW) {
            Optional<SubjectId> after = Optional.empty();
            while (true) {
                List<SubjectId> subjects = after.isPresent() ? store.subjectsWithUsesAfter(cutoff, after.get(), page)
                        : store.subjectsWithUses(cutoff, page);
                if (subjects.isEmpty()) {
                    break;
                }
                Map<SubjectId, List<LegalHold>> holds = retention.holds(subjects);
                List<SubjectId> free = new ArrayList<>(subjects.size());
                for (SubjectId s : subjects) {
                    ItemKey item = ItemKey.of(s, category);
                    if (holds.getOrDefault(s, List.of()).stream().anyMatch(h -> h.covers(item, now))) {
                        held++;
                    } else {
                        free.add(s);
                    }
                }
                if (action == DisposalAction.DELETE) {
                    deleted += free.isEmpty() ? 0 : store.deleteUses(free, cutoff);
                } else {
                    Map<SubjectId, String> names = new LinkedHashMap<>();
                    free.forEach(s -> names.put(s, pseudonyms.of(s)));
                    pseudonymised += names.isEmpty() ? 0 : store.pseudonymiseUpTo(names, cutoff);
                }
                if (subjects.size() < page) {
                    break;
                }
                after = Optional.of(subjects.get(subjects.size() - 1));
            }
            if (action == DisposalAction.DELETE) {
                deleted += store.deletePseudonymisedUses(cutoff);
            }
        }
        return new LogPurge(now, RetentionVerdict.Status.DUE, Optional.of(cutoff), Optional.of(action),
                verdict.decidingRule(), deleted, pseudonymised, held);
    }

    /**
     * The latest instant an entry may have been recorded at and be due now. Found by asking the retention engine
     * itself (a binary search to the microsecond, about 60 verdicts) rather than by subtracting the period from now:
     * calendar periods do not invert (a month from 28, 29, 30 and 31 January all end on 28 February), and the engine
     * is what decides every other item. The due instant never decreases as the recording instant grows, so the due
     * entries are exactly those at or before the cutoff.
     */
    private Instant cutoff(Instant now) {
        if (verdictFor(now, now).status() == RetentionVerdict.Status.DUE) {
            return now;
        }
        // in microseconds since the epoch: two thousand years of nanoseconds would overflow a long
        long due = micros(YEAR_1); // known due
        long notDue = micros(now); // known not due
        while (notDue - due > 1) {
            long mid = due + (notDue - due) / 2;
            if (verdictFor(instant(mid), now).status() == RetentionVerdict.Status.DUE) {
                due = mid;
            } else {
                notDue = mid;
            }
        }
        return instant(due);
    }

    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    private RetentionVerdict verdictFor(Instant recordedAt, Instant now) {
        return retention.evaluate(ItemFacts.of(ItemKey.of(ANY_SUBJECT, category), Map.of(Anchor.COLLECTED,
                recordedAt)), now);
    }

    /**
     * Refuses a log whose category {@code policy} does not declare with a MAXIMUM retention rule counted from {@code
     * collected}: the log is itself personal data and must not be kept forever (GDPR Art. 5(1)(e)).
     *
     * @throws InvalidValueException naming {@code logCategory}
     */
    static void requireLogRule(Policy policy, CategoryId category) {
        if (policy.findCategory(category).isEmpty()) {
            throw new InvalidValueException("logCategory", category, "is not declared by policy " + policy.id()
                    + " version " + policy.version() + ": the processing log is personal data and is kept under a"
                    + " data category with a retention rule (GDPR Art. 5(1)(e))");
        }
        boolean ruled = false;
        for (RetentionRule r : policy.retentionRulesFor(category, Optional.empty())) {
            ruled |= r.kind() == RetentionRule.Kind.MAXIMUM && r.anchor().equals(Anchor.COLLECTED);
        }
        if (!ruled) {
            throw new InvalidValueException("logCategory", category, "has no MAXIMUM retention rule counted from "
                    + "collected in policy " + policy.id() + " version " + policy.version() + ": each entry of the"
                    + " log is kept for a period from when it was recorded (GDPR Art. 5(1)(e))");
        }
    }
}
