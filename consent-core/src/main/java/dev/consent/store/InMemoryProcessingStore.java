package dev.consent.store;

import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.VisitorId;
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

/**
 * The processing log held in this JVM's memory, over the {@link InMemoryConsentStore} whose ledger it is checked
 * against (the {@link ConsentStore} methods are that store's). Every operation runs under that store's write lock, the
 * lock its appends and links take, so the change-feed guard of {@link #appendUses} and the append are one atomic step
 * with respect to every consent change. Complete and thread-safe, for tests, demos and single-node hosts; nothing
 * survives a restart.
 */
public final class InMemoryProcessingStore implements ProcessingStore {
    private static final Comparator<UseCursor> ORDER = Comparator
            .comparing(UseCursor::at).thenComparing(UseCursor::id);

    private final InMemoryConsentStore consents;
    /** The consent store's write lock. */
    private final Object lock;
    private final Map<String, ProcessingEntry> byId = new HashMap<>();
    /** Entries naming a subject, by subject id (sorted: the order {@link #subjectsWithUses} pages in). */
    private final TreeMap<String, TreeMap<UseCursor, ProcessingEntry>> identified = new TreeMap<>();
    private final Map<String, TreeMap<UseCursor, ProcessingEntry>> pseudonymous = new HashMap<>();

    /**
     * The processing log guarded by the change feed of {@code consents}, whose ledger it shares.
     *
     * @param consents the consent store whose ledger and change feed the log shares
     * @throws InvalidValueException if {@code consents} is null
     */
    public InMemoryProcessingStore(InMemoryConsentStore consents) {
        this.consents = Checks.required("consents", consents);
        this.lock = consents.lock;
    }

    @Override
    public UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition) {
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
            Set<SubjectId> changed = consents.changedSinceLocked(feedPosition, subjects);
            if (!changed.isEmpty()) {
                return UseAppend.changed(changed);
            }
            entries.forEach(this::put);
            return UseAppend.success();
        }
    }

    private void put(ProcessingEntry e) {
        byId.put(e.id(), e);
        (e.pseudonymised() ? pseudonymous : identified).computeIfAbsent(e.subjectKey(), k -> new TreeMap<>(ORDER))
                .put(UseCursor.of(e), e);
    }

    @Override
    public List<ProcessingEntry> uses(SubjectId subject, int limit) {
        return identified(subject, null, limit);
    }

    @Override
    public List<ProcessingEntry> usesAfter(SubjectId subject, UseCursor after, int limit) {
        return identified(subject, Checks.required("after", after), limit);
    }

    private List<ProcessingEntry> identified(SubjectId subject, UseCursor after, int limit) {
        Checks.required("subject", subject);
        synchronized (lock) {
            return page(identified.get(subject.value()), after, limit);
        }
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUses(String pseudonym, int limit) {
        return pseudonymous(pseudonym, null, limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUsesAfter(String pseudonym, UseCursor after, int limit) {
        return pseudonymous(pseudonym, Checks.required("after", after), limit);
    }

    private List<ProcessingEntry> pseudonymous(String pseudonym, UseCursor after, int limit) {
        Checks.required("pseudonym", pseudonym);
        synchronized (lock) {
            return page(pseudonymous.get(pseudonym), after, limit);
        }
    }

    /** The entries in order after {@code after}, or from the first when it is null. */
    private static List<ProcessingEntry> page(TreeMap<UseCursor, ProcessingEntry> entries, UseCursor after,
            int limit) {
        StoreArguments.limit(limit);
        if (entries == null) {
            return List.of();
        }
        Collection<ProcessingEntry> from = after != null ? entries.tailMap(after, false).values() : entries.values();
        return from.stream().limit(limit).toList();
    }

    @Override
    public long countUses(PurposeId purpose, Instant from, Instant until) {
        Checks.required("purpose", purpose);
        Checks.required("from", from);
        Checks.required("until", until);
        synchronized (lock) {
            return byId.values().stream().filter(e -> e.purpose().equals(purpose) && !e.at().isBefore(from)
                    && e.at().isBefore(until)).count();
        }
    }

    @Override
    public long pseudonymise(Map<SubjectId, String> pseudonyms) {
        return pseudonymised(pseudonyms, null);
    }

    @Override
    public long pseudonymiseUpTo(Map<SubjectId, String> pseudonyms, Instant upTo) {
        return pseudonymised(pseudonyms, Checks.required("upTo", upTo));
    }

    /** Pseudonymises the entries at or before {@code upTo}, or all of them when it is null. */
    private long pseudonymised(Map<SubjectId, String> pseudonyms, Instant upTo) {
        Checks.required("pseudonyms", pseudonyms);
        pseudonyms.forEach((s, p) -> {
            Checks.required("subject", s);
            if (!Checks.isSha256Hex(p)) {
                throw new InvalidValueException("pseudonym", null, "must be 64 lower-case hex digits");
            }
        });
        synchronized (lock) {
            long changed = 0;
            for (Map.Entry<SubjectId, String> m : pseudonyms.entrySet()) {
                TreeMap<UseCursor, ProcessingEntry> entries = identified.get(m.getKey().value());
                if (entries == null) {
                    continue;
                }
                for (Iterator<ProcessingEntry> it = entries.values().iterator(); it.hasNext(); ) {
                    ProcessingEntry e = it.next();
                    if (upTo == null || !e.at().isAfter(upTo)) {
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

    @Override
    public List<SubjectId> subjectsWithUses(Instant upTo, int limit) {
        return subjects(upTo, null, limit);
    }

    @Override
    public List<SubjectId> subjectsWithUsesAfter(Instant upTo, SubjectId after, int limit) {
        return subjects(upTo, Checks.required("after", after), limit);
    }

    /** Subjects in id order after {@code after}, or from the first when it is null. */
    private List<SubjectId> subjects(Instant upTo, SubjectId after, int limit) {
        Checks.required("upTo", upTo);
        StoreArguments.limit(limit);
        synchronized (lock) {
            List<SubjectId> out = new ArrayList<>();
            Map<String, TreeMap<UseCursor, ProcessingEntry>> from = after != null
                    ? identified.tailMap(after.value(), false) : identified;
            for (Map.Entry<String, TreeMap<UseCursor, ProcessingEntry>> s : from.entrySet()) {
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

    @Override
    public long deleteUses(Collection<SubjectId> subjects, Instant upTo) {
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

    @Override
    public long deletePseudonymisedUses(Instant upTo) {
        Checks.required("upTo", upTo);
        synchronized (lock) {
            long deleted = 0;
            for (String key : new ArrayList<>(pseudonymous.keySet())) {
                deleted += deleteUpTo(pseudonymous, key, upTo);
            }
            return deleted;
        }
    }

    private long deleteUpTo(Map<String, TreeMap<UseCursor, ProcessingEntry>> index, String key,
            Instant upTo) {
        TreeMap<UseCursor, ProcessingEntry> entries = index.get(key);
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

    // ------------------------------------------------------------------ the consent store's, as given

    @Override
    public Map<SubjectId, ChainHead> heads(Collection<SubjectId> subjects) {
        return consents.heads(subjects);
    }

    @Override
    public AppendResult append(List<ConsentEvent> events) {
        return consents.append(events);
    }

    @Override
    public Map<EventId, ConsentEvent> findEvents(Collection<EventId> ids) {
        return consents.findEvents(ids);
    }

    @Override
    public List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit) {
        return consents.events(subject, afterSequence, limit);
    }

    @Override
    public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects) {
        return consents.decisionFacts(subjects);
    }

    @Override
    public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects, Set<PurposeId> purposes) {
        return consents.decisionFacts(subjects, purposes);
    }

    @Override
    public LinkResult link(VisitorId visitor, SubjectId customer, Instant linkedAt) {
        return consents.link(visitor, customer, linkedAt);
    }

    @Override
    public Optional<SubjectId> customerOf(VisitorId visitor) {
        return consents.customerOf(visitor);
    }

    @Override
    public List<VisitorId> visitorsOf(SubjectId customer) {
        return consents.visitorsOf(customer);
    }

    @Override
    public boolean prune(ChainCheckpoint checkpoint) {
        return consents.prune(checkpoint);
    }

    @Override
    public Optional<ChainCheckpoint> checkpoint(SubjectId subject) {
        return consents.checkpoint(subject);
    }

    @Override
    public AutoCloseable onChanges(Runnable wakeUp) {
        return consents.onChanges(wakeUp);
    }

    @Override
    public FeedCursor changeCursor() {
        return consents.changeCursor();
    }

    @Override
    public ChangeRead readChanges(FeedCursor cursor, int limit) {
        return consents.readChanges(cursor, limit);
    }

    @Override
    public long pruneChanges(Instant writtenBefore) {
        return consents.pruneChanges(writtenBefore);
    }

    @Override
    public long eraseChanges(SubjectId subject, Instant writtenBefore) {
        return consents.eraseChanges(subject, writtenBefore);
    }
}
