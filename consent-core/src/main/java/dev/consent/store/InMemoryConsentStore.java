package dev.consent.store;

import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The consent ledger held in this JVM's memory: events, chain heads, visitor links, checkpoints and the change feed,
 * complete and thread-safe, for tests, demos and single-node hosts that rebuild state on start. Nothing survives a
 * restart.
 *
 * <p>Writes take one lock, {@link #lock}, so they are serialised; the in-memory outbox and processing log built over
 * this store take the same lock, so that notices join their append and the processing log's change-feed guard is
 * atomic with every consent change. Reads of events take no lock and see each subject's events as an immutable
 * snapshot.
 */
public final class InMemoryConsentStore implements ConsentStore {
    /**
     * Guards every write (and the change feed's reads). Package-private, as are the maps below, so that the stores
     * composed with this one join its writes, and so that tests of this package can damage the stored state as an
     * operator could behind the store's back; nothing else reaches them.
     */
    final Object lock = new Object();
    /** Each subject's stored events, in sequence order (pruned chains keep only the events after the checkpoint). */
    final Map<SubjectId, List<ConsentEvent>> chains = new ConcurrentHashMap<>();
    private final Map<EventId, ConsentEvent> byId = new ConcurrentHashMap<>();
    private final Map<SubjectId, SubjectId> customerOfVisitor = new ConcurrentHashMap<>();
    private final Map<SubjectId, List<SubjectId>> visitorsOfCustomer = new ConcurrentHashMap<>();
    private final Map<SubjectId, ChainHead> headRows = new ConcurrentHashMap<>();
    private final Map<SubjectId, ChainCheckpoint> checkpoints = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /**
     * Guarded by {@code lock}. Positions are dense from the first entry's (1 until the feed is pruned), so entry
     * n sits at index n minus the first position; pruning removes a prefix.
     */
    final List<FeedEntry> changes = new ArrayList<>();
    /** Guarded by {@code lock}: the last position handed out; positions continue after pruning. */
    long lastPosition;

    /** One change-feed entry as kept here: a {@link Change} with its stamp and write instant. */
    record FeedEntry(long position, SubjectId subject, long stamp, Instant writtenAt) {
        Change change() {
            return new Change(position, subject);
        }

        FeedCursor cursor() {
            return new FeedCursor(position, stamp);
        }
    }

    /** An empty ledger. */
    public InMemoryConsentStore() {
    }

    @Override
    public Map<SubjectId, ChainHead> heads(Collection<SubjectId> subjects) {
        Map<SubjectId, ChainHead> out = new HashMap<>();
        for (SubjectId s : subjects) {
            ChainHead head = headRows.get(s);
            if (head != null) {
                out.put(s, head);
            }
        }
        return out;
    }

    @Override
    public AppendResult append(List<ConsentEvent> events) {
        AppendResult result = appendLocked(events);
        if (result.appended()) {
            notifyListeners();
        }
        return result;
    }

    private void notifyListeners() {
        for (Runnable r : listeners) {
            r.run();
        }
    }

    @Override
    public AutoCloseable onChanges(Runnable wakeUp) {
        listeners.add(wakeUp);
        return () -> listeners.remove(wakeUp);
    }

    private AppendResult appendLocked(List<ConsentEvent> events) {
        for (ConsentEvent e : events) {
            // every rule of a new event (instants within LedgerInstants, text lengths, expiry), as JdbcStore checks
            // them: an event no service could have written is refused whole, as an invalid value
            e.content();
        }
        synchronized (lock) {
            Set<SubjectId> conflicts = new LinkedHashSet<>();
            Set<EventId> duplicates = new LinkedHashSet<>();
            Map<SubjectId, List<ConsentEvent>> grown = new LinkedHashMap<>();
            Set<EventId> batchIds = new HashSet<>();
            for (ConsentEvent e : events) {
                if (byId.containsKey(e.id()) || !batchIds.add(e.id())) {
                    duplicates.add(e.id());
                    continue;
                }
                List<ConsentEvent> chain = grown.computeIfAbsent(e.subject(),
                        s -> new ArrayList<>(chains.getOrDefault(s, List.of())));
                // the head, not the list, knows where the chain is: a pruned chain keeps fewer events than its length
                ChainHead head = chain.isEmpty() ? headRows.get(e.subject()) : null;
                long expected = !chain.isEmpty() ? chain.get(chain.size() - 1).sequence() + 1
                        : head == null ? 1 : head.sequence() + 1;
                String previous = !chain.isEmpty() ? chain.get(chain.size() - 1).hash()
                        : head == null ? ConsentChain.GENESIS : head.hash();
                if (e.sequence() != expected || !e.previousHash().equals(previous)) {
                    conflicts.add(e.subject());
                    continue;
                }
                chain.add(e);
            }
            if (!conflicts.isEmpty() || !duplicates.isEmpty()) {
                return AppendResult.conflict(conflicts, duplicates);
            }
            Set<SubjectId> changed = new LinkedHashSet<>();
            Instant writtenAt = events.stream().map(ConsentEvent::recordedAt).max(Comparator.naturalOrder()).orElseThrow();
            for (Map.Entry<SubjectId, List<ConsentEvent>> g : grown.entrySet()) {
                List<ConsentEvent> chain = g.getValue();
                ConsentEvent last = chain.get(chain.size() - 1);
                chains.put(g.getKey(), List.copyOf(chain));
                headRows.put(g.getKey(), new ChainHead(g.getKey(), last.sequence(), last.hash()));
                addChange(g.getKey(), writtenAt);
                changed.add(g.getKey());
                SubjectId customer = customerOfVisitor.get(g.getKey());
                if (customer != null) {
                    addChange(customer, writtenAt);
                    changed.add(customer);
                }
            }
            for (ConsentEvent e : events) {
                byId.put(e.id(), e);
            }
            return AppendResult.appended(changed);
        }
    }

    @Override
    public Map<EventId, ConsentEvent> findEvents(Collection<EventId> ids) {
        Map<EventId, ConsentEvent> out = new HashMap<>();
        for (EventId id : ids) {
            ConsentEvent e = byId.get(id);
            if (e != null) {
                out.put(id, e);
            }
        }
        return out;
    }

    @Override
    public List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit) {
        StoreArguments.limit(limit);
        List<ConsentEvent> chain = chains.getOrDefault(subject, List.of());
        List<ConsentEvent> out = new ArrayList<>();
        for (ConsentEvent e : chain) {
            if (e.sequence() > afterSequence) {
                out.add(e);
                if (out.size() >= limit) {
                    break;
                }
            }
        }
        return out;
    }

    @Override
    public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects) {
        return facts(subjects, e -> true);
    }

    /**
     * Leaves out what it may, as a database store does: the facts of other purposes' events that declare no age and
     * record no location.
     */
    @Override
    public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects, Set<PurposeId> purposes) {
        Set<PurposeId> read = Set.copyOf(StoreArguments.purposes(purposes));
        return facts(subjects, e -> read.contains(e.purpose()) || e.declaredAge().isPresent()
                || e.choice() == Choice.LOCATION_RECORDED);
    }

    private Map<SubjectId, List<ChoiceFact>> facts(Collection<SubjectId> subjects, Predicate<ConsentEvent> kept) {
        Checks.required("subjects", subjects);
        Map<SubjectId, List<ChoiceFact>> out = new HashMap<>(Math.max(16, subjects.size() * 2));
        for (SubjectId s : subjects) {
            List<ChoiceFact> facts = new ArrayList<>();
            List<SubjectId> chainsRead = new ArrayList<>();
            chainsRead.add(Checks.required("subject", s));
            chainsRead.addAll(visitorsOfCustomer.getOrDefault(s, List.of()));
            for (SubjectId chain : chainsRead) {
                for (ConsentEvent e : chains.getOrDefault(chain, List.of())) {
                    if (kept.test(e)) {
                        facts.add(ChoiceFact.of(e));
                    }
                }
            }
            out.put(s, facts);
        }
        return out;
    }

    @Override
    public LinkResult link(VisitorId visitor, SubjectId customer, Instant linkedAt) {
        Checks.required("visitor", visitor);
        Checks.customer("customer", customer);
        LinkResult result = linkLocked(visitor.subject(), customer, Checks.required("linkedAt", linkedAt));
        if (result == LinkResult.LINKED) {
            notifyListeners();
        }
        return result;
    }

    private LinkResult linkLocked(SubjectId visitor, SubjectId customer, Instant linkedAt) {
        synchronized (lock) {
            SubjectId existing = customerOfVisitor.get(visitor);
            if (existing != null) {
                return existing.equals(customer) ? LinkResult.ALREADY_LINKED : LinkResult.LINKED_ELSEWHERE;
            }
            customerOfVisitor.put(visitor, customer);
            List<SubjectId> visitors = new ArrayList<>(visitorsOfCustomer.getOrDefault(customer, List.of()));
            visitors.add(visitor);
            visitorsOfCustomer.put(customer, List.copyOf(visitors));
            addChange(customer, linkedAt);
            return LinkResult.LINKED;
        }
    }

    @Override
    public Optional<SubjectId> customerOf(VisitorId visitor) {
        return Optional.ofNullable(customerOfVisitor.get(Checks.required("visitor", visitor).subject()));
    }

    @Override
    public List<VisitorId> visitorsOf(SubjectId customer) {
        return visitorsOfCustomer.getOrDefault(Checks.required("customer", customer), List.of()).stream()
                .map(v -> VisitorId.from(v).orElseThrow()).toList();
    }

    @Override
    public boolean prune(ChainCheckpoint checkpoint) {
        synchronized (lock) {
            SubjectId subject = checkpoint.subject();
            List<ConsentEvent> chain = chains.getOrDefault(subject, List.of());
            ChainCheckpoint previous = checkpoints.get(subject);
            if (previous != null && previous.sequence() >= checkpoint.sequence()) {
                return false;
            }
            ConsentEvent last = chain.stream().filter(e -> e.sequence() == checkpoint.sequence()).findFirst().orElse(null);
            if (last == null || !last.hash().equals(checkpoint.hash())) {
                return false;
            }
            List<ConsentEvent> kept = chain.stream().filter(e -> e.sequence() > checkpoint.sequence()).toList();
            chain.stream().filter(e -> e.sequence() <= checkpoint.sequence()).forEach(e -> byId.remove(e.id()));
            chains.put(subject, kept);
            checkpoints.put(subject, checkpoint);
            return true;
        }
    }

    @Override
    public Optional<ChainCheckpoint> checkpoint(SubjectId subject) {
        return Optional.ofNullable(checkpoints.get(subject));
    }

    /** Guarded by {@code lock}. The stamp is random and never 0, which means "no stamp". */
    private void addChange(SubjectId subject, Instant writtenAt) {
        long stamp;
        do {
            stamp = ThreadLocalRandom.current().nextLong();
        } while (stamp == 0);
        changes.add(new FeedEntry(++lastPosition, subject, stamp, writtenAt));
    }

    /** Guarded by {@code lock}: the index of the first entry after {@code position}. */
    private int indexAfter(long position) {
        if (changes.isEmpty()) {
            return 0;
        }
        long first = changes.get(0).position();
        return (int) Math.min(Math.max(position - first + 1, 0), changes.size());
    }

    @Override
    public FeedCursor changeCursor() {
        synchronized (lock) {
            return changes.isEmpty() ? FeedCursor.START : changes.get(changes.size() - 1).cursor();
        }
    }

    @Override
    public ChangeRead readChanges(FeedCursor cursor, int limit) {
        Checks.required("cursor", cursor);
        StoreArguments.limit(limit);
        synchronized (lock) {
            if (!cursor.equals(FeedCursor.START)) {
                int at = indexAfter(cursor.position()) - 1;
                if (at < 0 || at >= changes.size() || !changes.get(at).cursor().equals(cursor)) {
                    return ChangeRead.lost(changeCursor());
                }
            }
            int from = indexAfter(cursor.position());
            List<Change> out = new ArrayList<>();
            FeedCursor next = cursor;
            for (int i = from; i < changes.size() && out.size() < limit; i++) {
                out.add(changes.get(i).change());
                next = changes.get(i).cursor();
            }
            return ChangeRead.continued(out, next);
        }
    }

    @Override
    public long pruneChanges(Instant writtenBefore) {
        Checks.required("writtenBefore", writtenBefore);
        synchronized (lock) {
            return removeOldPrefix(writtenBefore, null);
        }
    }

    @Override
    public long eraseChanges(SubjectId subject, Instant writtenBefore) {
        Checks.required("subject", subject);
        Checks.required("writtenBefore", writtenBefore);
        synchronized (lock) {
            removeOldPrefix(writtenBefore, subject);
            return changes.stream().filter(e -> e.subject().equals(subject)).count();
        }
    }

    /**
     * Guarded by {@code lock}. Removes the entries before the first one written at or after {@code writtenBefore},
     * keeping the newest unless it names {@code erased}; returns how many were removed.
     */
    private long removeOldPrefix(Instant writtenBefore, SubjectId erased) {
        int end = 0; // exclusive
        while (end < changes.size() && changes.get(end).writtenAt().isBefore(writtenBefore)) {
            end++;
        }
        if (end == changes.size() && end > 0 && !changes.get(end - 1).subject().equals(erased)) {
            end--; // the newest entry stays: a reader that has read everything must still find its cursor
        }
        changes.subList(0, end).clear();
        return end;
    }

    /**
     * Of {@code subjects}, those named by a change-feed entry above {@code position}: the processing log's guard.
     * Called under {@link #lock}.
     */
    Set<SubjectId> changedSinceLocked(long position, Set<SubjectId> subjects) {
        Set<SubjectId> out = new LinkedHashSet<>();
        for (int i = indexAfter(position); i < changes.size(); i++) {
            if (subjects.contains(changes.get(i).subject())) {
                out.add(changes.get(i).subject());
            }
        }
        return out;
    }
}
