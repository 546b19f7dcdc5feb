package dev.consent.store;

import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.processing.ProcessingEntry;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * The processing log of {@link InMemoryStore}. Every operation runs under the store's write lock, the lock its
 * consent appends and links take, so the change-feed guard of {@link #appendUses} and the append are one atomic step
 * with respect to every consent change.
 */
final class InMemoryUses {
    private static final Comparator<ProcessingStore.UseCursor> ORDER = Comparator
            .comparing(ProcessingStore.UseCursor::at).thenComparing(ProcessingStore.UseCursor::id);

    private final Object lock;
    /** Under the lock: which of the given subjects have a change-feed entry above the given position. */
    private final BiFunction<Long, Set<SubjectId>, Set<SubjectId>> changedSince;
    private final Map<String, ProcessingEntry> byId = new HashMap<>();
    /** Entries naming a subject, by subject id (sorted: the order {@link #subjectsWithUses} pages in). */
    private final TreeMap<String, TreeMap<ProcessingStore.UseCursor, ProcessingEntry>> identified = new TreeMap<>();
    private final Map<String, TreeMap<ProcessingStore.UseCursor, ProcessingEntry>> pseudonymous = new HashMap<>();

    InMemoryUses(Object lock, BiFunction<Long, Set<SubjectId>, Set<SubjectId>> changedSince) {
        this.lock = lock;
        this.changedSince = changedSince;
    }

    ProcessingStore.UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition) {
        Checks.required("entries", entries);
        Set<String> ids = new HashSet<>();
        Set<SubjectId> subjects = new LinkedHashSet<>();
        for (ProcessingEntry e : entries) {
            Checks.required("entries[]", e);
            if (!ids.add(e.id())) {
                throw new ConflictException("entry.id: \"" + e.id() + "\" appears twice in one append; nothing written");
            }
            e.subject().ifPresent(subjects::add);
        }
        synchronized (lock) {
            for (String id : ids) {
                if (byId.containsKey(id)) {
                    throw new ConflictException("entry.id: \"" + id + "\" is already in the processing log; nothing"
                            + " written");
                }
            }
            Set<SubjectId> changed = changedSince.apply(feedPosition, subjects);
            if (!changed.isEmpty()) {
                return ProcessingStore.UseAppend.changed(changed);
            }
            entries.forEach(this::put);
            return ProcessingStore.UseAppend.success();
        }
    }

    private void put(ProcessingEntry e) {
        byId.put(e.id(), e);
        (e.pseudonymised() ? pseudonymous : identified).computeIfAbsent(e.subjectKey(), k -> new TreeMap<>(ORDER))
                .put(ProcessingStore.UseCursor.of(e), e);
    }

    List<ProcessingEntry> uses(SubjectId subject, Optional<ProcessingStore.UseCursor> after, int limit) {
        Checks.required("subject", subject);
        synchronized (lock) {
            return page(identified.get(subject.value()), after, limit);
        }
    }

    List<ProcessingEntry> pseudonymisedUses(String pseudonym, Optional<ProcessingStore.UseCursor> after, int limit) {
        Checks.required("pseudonym", pseudonym);
        synchronized (lock) {
            return page(pseudonymous.get(pseudonym), after, limit);
        }
    }

    private static List<ProcessingEntry> page(TreeMap<ProcessingStore.UseCursor, ProcessingEntry> entries,
            Optional<ProcessingStore.UseCursor> after, int limit) {
        positive(limit);
        Checks.required("after", after);
        if (entries == null) {
            return List.of();
        }
        Collection<ProcessingEntry> from = after.isPresent() ? entries.tailMap(after.get(), false).values()
                : entries.values();
        return from.stream().limit(limit).toList();
    }

    long countUses(PurposeId purpose, Instant from, Instant until) {
        Checks.required("purpose", purpose);
        Checks.required("from", from);
        Checks.required("until", until);
        synchronized (lock) {
            return byId.values().stream().filter(e -> e.purpose().equals(purpose) && !e.at().isBefore(from)
                    && e.at().isBefore(until)).count();
        }
    }

    long pseudonymise(Map<SubjectId, String> pseudonyms, Optional<Instant> upTo) {
        Checks.required("pseudonyms", pseudonyms);
        Checks.required("upTo", upTo);
        pseudonyms.forEach((s, p) -> {
            Checks.required("subject", s);
            if (!Checks.isSha256Hex(p)) {
                throw new InvalidValueException("pseudonym", null, "must be 64 lower-case hex digits");
            }
        });
        synchronized (lock) {
            long changed = 0;
            for (Map.Entry<SubjectId, String> m : pseudonyms.entrySet()) {
                TreeMap<ProcessingStore.UseCursor, ProcessingEntry> entries = identified.get(m.getKey().value());
                if (entries == null) {
                    continue;
                }
                for (Iterator<ProcessingEntry> it = entries.values().iterator(); it.hasNext(); ) {
                    ProcessingEntry e = it.next();
                    if (upTo.isEmpty() || !e.at().isAfter(upTo.get())) {
                        it.remove();
                        put(e.pseudonymisedAs(m.getValue()));
                        changed++;
                    }
                }
                if (entries.isEmpty()) {
                    identified.remove(m.getKey().value());
                }
            }
            return changed;
        }
    }

    List<SubjectId> subjectsWithUses(Instant upTo, Optional<SubjectId> after, int limit) {
        Checks.required("upTo", upTo);
        Checks.required("after", after);
        positive(limit);
        synchronized (lock) {
            List<SubjectId> out = new ArrayList<>();
            Map<String, TreeMap<ProcessingStore.UseCursor, ProcessingEntry>> from = after.isPresent()
                    ? identified.tailMap(after.get().value(), false) : identified;
            for (Map.Entry<String, TreeMap<ProcessingStore.UseCursor, ProcessingEntry>> s : from.entrySet()) {
                if (!s.getValue().isEmpty() && !s.getValue().firstKey().at().isAfter(upTo)) {
                    out.add(SubjectId.of(s.getKey()));
                    if (out.size() == limit) {
                        break;
                    }
                }
            }
            return out;
        }
    }

    long deleteUses(Collection<SubjectId> subjects, Instant upTo) {
        Checks.required("subjects", subjects);
        Checks.required("upTo", upTo);
        synchronized (lock) {
            long deleted = 0;
            for (SubjectId s : new LinkedHashSet<>(subjects)) {
                deleted += deleteUpTo(identified, Checks.required("subjects[]", s).value(), upTo);
            }
            return deleted;
        }
    }

    long deletePseudonymisedUses(Instant upTo) {
        Checks.required("upTo", upTo);
        synchronized (lock) {
            long deleted = 0;
            for (String key : new ArrayList<>(pseudonymous.keySet())) {
                deleted += deleteUpTo(pseudonymous, key, upTo);
            }
            return deleted;
        }
    }

    private long deleteUpTo(Map<String, TreeMap<ProcessingStore.UseCursor, ProcessingEntry>> index, String key,
            Instant upTo) {
        TreeMap<ProcessingStore.UseCursor, ProcessingEntry> entries = index.get(key);
        if (entries == null) {
            return 0;
        }
        long deleted = 0;
        for (Iterator<ProcessingEntry> it = entries.values().iterator(); it.hasNext(); ) {
            ProcessingEntry e = it.next();
            if (e.at().isAfter(upTo)) {
                break; // in instant order: the rest are later
            }
            it.remove();
            byId.remove(e.id());
            deleted++;
        }
        if (entries.isEmpty()) {
            index.remove(key);
        }
        return deleted;
    }

    private static void positive(int limit) {
        if (limit < 1) {
            throw new InvalidValueException("limit", limit, "must be 1 or more");
        }
    }
}
