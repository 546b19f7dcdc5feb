package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;

import dev.consent.retention.Claim;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.Tombstone;
import dev.consent.rights.RightsRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.TreeMap;
import java.util.UUID;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * A complete, thread-safe store (consent ledger, retention state, rights requests and consent receipts) held in this JVM's memory: for tests, demos and single-node hosts that
 * rebuild state on start. Nothing survives a restart.
 *
 * <p>Writes take one lock, so they are serialised; reads take no lock and see each subject's events as
 * an immutable snapshot.
 */
public class InMemoryStore implements ConsentStore, RetentionStore, RightsStore, ReceiptStore {
    private final Object writeLock = new Object();
    private final Map<SubjectId, List<ConsentEvent>> chains = new ConcurrentHashMap<>();
    private final Map<EventId, ConsentEvent> byId = new ConcurrentHashMap<>();
    private final Map<SubjectId, SubjectId> customerOfVisitor = new ConcurrentHashMap<>();
    private final Map<SubjectId, List<SubjectId>> visitorsOfCustomer = new ConcurrentHashMap<>();
    private final Map<SubjectId, ChainHead> headRows = new ConcurrentHashMap<>();
    private final Map<SubjectId, ChainCheckpoint> checkpoints = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Guarded by {@code writeLock}. Positions are dense from 1, so entry n sits at index n - 1. */
    private final List<Change> changes = new ArrayList<>();

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
        synchronized (writeLock) {
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
                        : head == null ? dev.consent.ledger.ConsentChain.GENESIS : head.hash();
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
            for (Map.Entry<SubjectId, List<ConsentEvent>> g : grown.entrySet()) {
                List<ConsentEvent> chain = g.getValue();
                ConsentEvent last = chain.get(chain.size() - 1);
                chains.put(g.getKey(), List.copyOf(chain));
                headRows.put(g.getKey(), new ChainHead(g.getKey(), last.sequence(), last.hash()));
                changes.add(new Change(changes.size() + 1L, g.getKey()));
                changed.add(g.getKey());
                SubjectId customer = customerOfVisitor.get(g.getKey());
                if (customer != null) {
                    changes.add(new Change(changes.size() + 1L, customer));
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
        positive(limit);
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
    public Map<SubjectId, List<ConsentEvent>> decisionEvents(Collection<SubjectId> subjects) {
        Map<SubjectId, List<ConsentEvent>> out = new HashMap<>();
        for (SubjectId s : subjects) {
            List<ConsentEvent> all = new ArrayList<>(chains.getOrDefault(s, List.of()));
            for (SubjectId visitor : visitorsOfCustomer.getOrDefault(s, List.of())) {
                all.addAll(chains.getOrDefault(visitor, List.of()));
            }
            out.put(s, all);
        }
        return out;
    }

    @Override
    public LinkResult link(SubjectId visitor, SubjectId customer, Instant linkedAt) {
        LinkResult result = linkLocked(visitor, customer);
        if (result == LinkResult.LINKED) {
            notifyListeners();
        }
        return result;
    }

    private LinkResult linkLocked(SubjectId visitor, SubjectId customer) {
        synchronized (writeLock) {
            SubjectId existing = customerOfVisitor.get(visitor);
            if (existing != null) {
                return existing.equals(customer) ? LinkResult.ALREADY_LINKED : LinkResult.LINKED_ELSEWHERE;
            }
            customerOfVisitor.put(visitor, customer);
            List<SubjectId> visitors = new ArrayList<>(visitorsOfCustomer.getOrDefault(customer, List.of()));
            visitors.add(visitor);
            visitorsOfCustomer.put(customer, List.copyOf(visitors));
            changes.add(new Change(changes.size() + 1L, customer));
            return LinkResult.LINKED;
        }
    }

    @Override
    public Optional<SubjectId> customerOf(SubjectId visitor) {
        return Optional.ofNullable(customerOfVisitor.get(visitor));
    }

    @Override
    public List<SubjectId> visitorsOf(SubjectId customer) {
        return visitorsOfCustomer.getOrDefault(customer, List.of());
    }

    @Override
    public boolean prune(ChainCheckpoint checkpoint) {
        synchronized (writeLock) {
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

    @Override
    public long changePosition() {
        synchronized (writeLock) {
            return changes.size();
        }
    }

    @Override
    public List<Change> changesSince(long position, int limit) {
        positive(limit);
        synchronized (writeLock) {
            int from = (int) Math.min(Math.max(position, 0), changes.size());
            return List.copyOf(changes.subList(from, (int) Math.min(changes.size(), (long) from + limit)));
        }
    }

    // ------------------------------------------------------------------------------------- retention

    private static final Comparator<DueCursor> DUE_ORDER = Comparator.comparing(DueCursor::dueAt)
            .thenComparing(DueCursor::key);
    private final Object retentionLock = new Object();
    private final Map<ItemKey, RetainedItem> items = new HashMap<>();
    private final TreeMap<DueCursor, ItemKey> dueIndex = new TreeMap<>(DUE_ORDER);
    private final Map<ItemKey, ClaimRow> claims = new HashMap<>();
    private final Map<String, LegalHold> holds = new LinkedHashMap<>();
    private final List<DisposalRecord> disposals = new ArrayList<>();
    private final Map<String, Tombstone> tombstones = new HashMap<>();

    private record ClaimRow(String token, String owner, Instant leaseUntil) {
    }

    @Override
    public Optional<RetainedItem> item(ItemKey key) {
        synchronized (retentionLock) {
            return Optional.ofNullable(items.get(key));
        }
    }

    @Override
    public List<RetainedItem> items(SubjectId subject) {
        synchronized (retentionLock) {
            return items.values().stream().filter(i -> i.key().subject().equals(subject))
                    .sorted(Comparator.comparing(RetainedItem::key)).toList();
        }
    }

    @Override
    public List<RetainedItem> allItems(Optional<ItemKey> after, int limit) {
        positive(limit);
        synchronized (retentionLock) {
            return items.values().stream().filter(i -> after.isEmpty() || i.key().compareTo(after.get()) > 0)
                    .sorted(Comparator.comparing(RetainedItem::key)).limit(limit).toList();
        }
    }

    @Override
    public boolean saveItem(RetainedItem item) {
        synchronized (retentionLock) {
            RetainedItem stored = items.get(item.key());
            long storedVersion = stored == null ? 0 : stored.version();
            if (storedVersion != item.version()) {
                return false;
            }
            put(item.nextVersion(), stored);
            return true;
        }
    }

    private void put(RetainedItem item, RetainedItem previous) {
        if (previous != null && previous.dueAt().isPresent()) {
            dueIndex.remove(new DueCursor(previous.dueAt().get(), previous.key()));
        }
        items.put(item.key(), item);
        if (item.state() == RetainedItem.State.ACTIVE && item.dueAt().isPresent()) {
            dueIndex.put(new DueCursor(item.dueAt().get(), item.key()), item.key());
        }
    }

    @Override
    public List<RetainedItem> dueItems(Instant dueBy, Optional<DueCursor> after, int limit) {
        positive(limit);
        synchronized (retentionLock) {
            List<RetainedItem> out = new ArrayList<>();
            Map<DueCursor, ItemKey> view = after.isPresent() ? dueIndex.tailMap(after.get(), false) : dueIndex;
            for (Map.Entry<DueCursor, ItemKey> e : view.entrySet()) {
                if (e.getKey().dueAt().isAfter(dueBy) || out.size() >= limit) {
                    break;
                }
                out.add(items.get(e.getValue()));
            }
            return out;
        }
    }

    @Override
    public List<Claim> claimDue(Instant now, int limit, String owner, Duration lease) {
        positive(limit);
        synchronized (retentionLock) {
            List<Claim> out = new ArrayList<>();
            for (Map.Entry<DueCursor, ItemKey> e : dueIndex.entrySet()) {
                if (e.getKey().dueAt().isAfter(now) || out.size() >= limit) {
                    break;
                }
                RetainedItem item = items.get(e.getValue());
                ClaimRow held = claims.get(item.key());
                if (held != null && held.leaseUntil().isAfter(now)) {
                    continue;
                }
                if (item.notBefore().isPresent() && item.notBefore().get().isAfter(now)) {
                    continue;
                }
                ClaimRow row = new ClaimRow(UUID.randomUUID().toString(), owner, now.plus(lease));
                claims.put(item.key(), row);
                out.add(new Claim(item, row.token(), owner, row.leaseUntil(), item.attempts() + 1));
            }
            return out;
        }
    }

    @Override
    public Optional<Claim> claimItem(ItemKey key, Instant now, String owner, Duration lease) {
        synchronized (retentionLock) {
            RetainedItem item = items.get(key);
            if (item == null || item.state() != RetainedItem.State.ACTIVE || item.dueAt().isEmpty()
                    || item.dueAt().get().isAfter(now)
                    || item.notBefore().isPresent() && item.notBefore().get().isAfter(now)) {
                return Optional.empty();
            }
            ClaimRow held = claims.get(key);
            if (held != null && held.leaseUntil().isAfter(now)) {
                return Optional.empty();
            }
            ClaimRow row = new ClaimRow(UUID.randomUUID().toString(), owner, now.plus(lease));
            claims.put(key, row);
            return Optional.of(new Claim(item, row.token(), owner, row.leaseUntil(), item.attempts() + 1));
        }
    }

    @Override
    public boolean finishClaim(Claim claim, RetainedItem updated, DisposalRecord audit) {
        return finishClaims(List.of(new FinishedAttempt(claim, updated, audit))).get(0);
    }

    /** {@inheritDoc} Atomic: the whole list is applied under the store's lock, after every finish was checked. */
    @Override
    public List<Boolean> finishClaims(List<FinishedAttempt> finishes) {
        Checks.required("finishes", finishes);
        for (FinishedAttempt f : finishes) {
            Checks.required("finish", f);
            if (!f.updated().key().equals(f.claim().item().key())) {
                throw new InvalidValueException("updated.key", f.updated().key(), "must be the claimed item's key "
                        + f.claim().item().key());
            }
        }
        synchronized (retentionLock) {
            List<Boolean> out = new ArrayList<>(finishes.size());
            for (FinishedAttempt f : finishes) {
                ItemKey key = f.claim().item().key();
                ClaimRow held = claims.get(key);
                if (held == null || !held.token().equals(f.claim().token())) {
                    out.add(false);
                    continue;
                }
                claims.remove(key);
                RetainedItem stored = items.get(key);
                if (stored != null && stored.version() == f.updated().version()) {
                    put(f.updated().nextVersion(), stored);
                }
                disposals.add(f.audit().withSequence(disposals.size() + 1L));
                out.add(true);
            }
            return List.copyOf(out);
        }
    }

    @Override
    public void saveHold(LegalHold hold) {
        synchronized (retentionLock) {
            holds.put(hold.id(), hold);
        }
    }

    @Override
    public Optional<LegalHold> hold(String id) {
        synchronized (retentionLock) {
            return Optional.ofNullable(holds.get(id));
        }
    }

    @Override
    public List<LegalHold> holds(SubjectId subject) {
        synchronized (retentionLock) {
            return holds.values().stream().filter(h -> h.subject().equals(subject)).toList();
        }
    }

    @Override
    public Map<SubjectId, List<LegalHold>> holds(Collection<SubjectId> subjects) {
        Checks.required("subjects", subjects);
        Map<SubjectId, List<LegalHold>> out = new LinkedHashMap<>();
        for (SubjectId s : subjects) {
            out.put(Checks.required("subject", s), new ArrayList<>());
        }
        synchronized (retentionLock) {
            for (LegalHold h : holds.values()) {
                List<LegalHold> of = out.get(h.subject());
                if (of != null) {
                    of.add(h);
                }
            }
        }
        out.replaceAll((s, l) -> List.copyOf(l));
        return out;
    }

    @Override
    public List<DisposalRecord> disposals(long afterSequence, int limit) {
        positive(limit);
        synchronized (retentionLock) {
            int from = (int) Math.min(Math.max(afterSequence, 0), disposals.size());
            return List.copyOf(disposals.subList(from, (int) Math.min(disposals.size(), (long) from + limit)));
        }
    }

    @Override
    public boolean addTombstone(Tombstone tombstone) {
        synchronized (retentionLock) {
            return tombstones.putIfAbsent(tombstone.subjectReference(), tombstone) == null;
        }
    }

    @Override
    public Optional<Tombstone> tombstone(String subjectReference) {
        synchronized (retentionLock) {
            return Optional.ofNullable(tombstones.get(subjectReference));
        }
    }

    // ------------------------------------------------------------------------------------------ rights

    private final Map<String, RightsRequest> requests = new LinkedHashMap<>();

    @Override
    public boolean saveRequest(RightsRequest request) {
        synchronized (requests) {
            RightsRequest stored = requests.get(request.id());
            long storedVersion = stored == null ? 0 : stored.version();
            if (request.version() != storedVersion + 1) {
                return false;
            }
            if (stored != null && !stored.subject().equals(request.subject())) {
                throw new IllegalArgumentException("a request never changes subject");
            }
            requests.put(request.id(), request);
            return true;
        }
    }

    @Override
    public Optional<RightsRequest> request(String id) {
        synchronized (requests) {
            return Optional.ofNullable(requests.get(id));
        }
    }

    @Override
    public List<RightsRequest> requests(SubjectId subject) {
        synchronized (requests) {
            return requests.values().stream().filter(r -> r.subject().equals(subject))
                    .sorted(Comparator.comparing(RightsRequest::receivedAt)).toList();
        }
    }

    @Override
    public List<RightsRequest> openRequests(int limit) {
        positive(limit);
        synchronized (requests) {
            return requests.values().stream().filter(r -> r.status().isOpen())
                    .sorted(Comparator.comparing(RightsRequest::receivedAt).thenComparing(RightsRequest::id))
                    .limit(limit).toList();
        }
    }

    // ---------------------------------------------------------------------------------------- receipts

    private final Map<EventId, dev.consent.receipt.ConsentReceipt> receipts = new LinkedHashMap<>();

    @Override
    public dev.consent.receipt.ConsentReceipt saveReceipt(dev.consent.receipt.ConsentReceipt receipt) {
        Checks.required("receipt", receipt);
        synchronized (receipts) {
            return receipts.computeIfAbsent(receipt.event(), e -> receipt);
        }
    }

    @Override
    public Optional<dev.consent.receipt.ConsentReceipt> receipt(EventId event) {
        Checks.required("event", event);
        synchronized (receipts) {
            return Optional.ofNullable(receipts.get(event));
        }
    }

    @Override
    public List<dev.consent.receipt.ConsentReceipt> receipts(SubjectId subject) {
        Checks.required("subject", subject);
        synchronized (receipts) {
            return receipts.values().stream().filter(r -> r.subject().equals(subject))
                    .sorted(Comparator.comparingLong(dev.consent.receipt.ConsentReceipt::sequence)).toList();
        }
    }

    private static void positive(int limit) {
        if (limit < 1) {
            throw new dev.consent.InvalidValueException("limit", limit, "must be 1 or more");
        }
    }

    /**
     * Replaces a stored event in place, bypassing every rule: only for tests that prove tampering is
     * detected. Not part of the store contract.
     */
    protected void tamper(SubjectId subject, long sequence, UnaryOperator<ConsentEvent> change) {
        synchronized (writeLock) {
            List<ConsentEvent> chain = new ArrayList<>(chains.get(subject));
            int i = (int) sequence - 1;
            chain.set(i, change.apply(chain.get(i)));
            chains.put(subject, chain);
        }
    }

    /** Removes a stored event, bypassing every rule: only for tamper tests. */
    protected void tamperDelete(SubjectId subject, long sequence) {
        synchronized (writeLock) {
            List<ConsentEvent> chain = new ArrayList<>(chains.get(subject));
            chain.removeIf(e -> e.sequence() == sequence);
            chains.put(subject, chain);
        }
    }
}
