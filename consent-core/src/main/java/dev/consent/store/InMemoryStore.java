package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;

import dev.consent.policy.PurposeId;
import dev.consent.processing.ProcessingEntry;
import dev.consent.retention.Claim;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.Tombstone;
import dev.consent.rights.RightsRequest;
import dev.consent.recipients.DeliveryHistory;
import dev.consent.recipients.DeliveryRecord;
import dev.consent.recipients.NoticeClaim;
import dev.consent.recipients.NoticeFinish;
import dev.consent.recipients.OutboxEntry;
import dev.consent.recipients.RecipientNotice;

import java.time.Clock;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/**
 * A complete, thread-safe store (consent ledger, retention state, rights requests, the recipients' outbox, the processing log and consent receipts) held in this JVM's memory: for tests, demos and single-node hosts that
 * rebuild state on start. Nothing survives a restart.
 *
 * <p>Writes take one lock, so they are serialised; reads take no lock and see each subject's events as
 * an immutable snapshot.
 *
 * <p>Sweeper leases are set and judged by this store's one clock (see {@link RetentionStore#claimDue}), given to the
 * constructor, so every service sharing the store agrees on them whatever clocks the services have.
 */
public class InMemoryStore implements ConsentStore, RetentionStore, RightsStore, OutboxStore, ProcessingStore,
        ReceiptStore {
    private final Clock leaseClock;
    private final Object writeLock = new Object();
    private final Map<SubjectId, List<ConsentEvent>> chains = new ConcurrentHashMap<>();
    private final Map<EventId, ConsentEvent> byId = new ConcurrentHashMap<>();
    private final Map<SubjectId, SubjectId> customerOfVisitor = new ConcurrentHashMap<>();
    private final Map<SubjectId, List<SubjectId>> visitorsOfCustomer = new ConcurrentHashMap<>();
    private final Map<SubjectId, ChainHead> headRows = new ConcurrentHashMap<>();
    private final Map<SubjectId, ChainCheckpoint> checkpoints = new ConcurrentHashMap<>();
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /**
     * Guarded by {@code writeLock}. Positions are dense from the first entry's (1 until the feed is pruned), so entry
     * n sits at index n minus the first position; pruning removes a prefix.
     */
    private final List<FeedEntry> changes = new ArrayList<>();
    /** Guarded by {@code writeLock}: the last position handed out; positions continue after pruning. */
    private long lastPosition;

    /** One change-feed entry as kept here: a {@link Change} with its stamp and write instant. */
    private record FeedEntry(long position, SubjectId subject, long stamp, Instant writtenAt) {
        Change change() {
            return new Change(position, subject);
        }

        FeedCursor cursor() {
            return new FeedCursor(position, stamp);
        }
    }

    /** A store whose sweeper leases run on the system clock (UTC). */
    public InMemoryStore() {
        this(Clock.systemUTC());
    }

    /**
     * A store whose sweeper leases are set and judged by {@code leaseClock} (tests move it to run leases out).
     *
     * @throws InvalidValueException if {@code leaseClock} is null
     */
    public InMemoryStore(Clock leaseClock) {
        this.leaseClock = Checks.required("leaseClock", leaseClock);
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
        synchronized (writeLock) {
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

    /** Guarded by {@code writeLock}. The stamp is random and never 0, which means "no stamp". */
    private void addChange(SubjectId subject, Instant writtenAt) {
        long stamp;
        do {
            stamp = ThreadLocalRandom.current().nextLong();
        } while (stamp == 0);
        changes.add(new FeedEntry(++lastPosition, subject, stamp, writtenAt));
    }

    /** Guarded by {@code writeLock}: the index of the first entry after {@code position}. */
    private int indexAfter(long position) {
        if (changes.isEmpty()) {
            return 0;
        }
        long first = changes.get(0).position();
        return (int) Math.min(Math.max(position - first + 1, 0), changes.size());
    }

    @Override
    public long changePosition() {
        synchronized (writeLock) {
            return changes.isEmpty() ? 0 : changes.get(changes.size() - 1).position();
        }
    }

    @Override
    public List<Change> changesSince(long position, int limit) {
        positive(limit);
        synchronized (writeLock) {
            int from = indexAfter(position);
            List<Change> out = new ArrayList<>();
            for (int i = from; i < changes.size() && out.size() < limit; i++) {
                out.add(changes.get(i).change());
            }
            return out;
        }
    }

    @Override
    public FeedCursor changeCursor() {
        synchronized (writeLock) {
            return changes.isEmpty() ? FeedCursor.START : changes.get(changes.size() - 1).cursor();
        }
    }

    @Override
    public ChangeRead readChanges(FeedCursor cursor, int limit) {
        Checks.required("cursor", cursor);
        positive(limit);
        synchronized (writeLock) {
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
        synchronized (writeLock) {
            return removeOldPrefix(writtenBefore, null);
        }
    }

    @Override
    public long eraseChanges(SubjectId subject, Instant writtenBefore) {
        Checks.required("subject", subject);
        Checks.required("writtenBefore", writtenBefore);
        synchronized (writeLock) {
            removeOldPrefix(writtenBefore, subject);
            return changes.stream().filter(e -> e.subject().equals(subject)).count();
        }
    }

    /**
     * Guarded by {@code writeLock}. Removes the entries before the first one written at or after {@code writtenBefore},
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
     * Empties the change feed behind every rule, as an operator's {@code TRUNCATE} would; with
     * {@code restartPositions} new entries start again at position 1, as after {@code TRUNCATE ... RESTART
     * IDENTITY} or a restore. Only for tests that prove readers notice. Not part of the store contract.
     */
    protected void tamperTruncateChanges(boolean restartPositions) {
        synchronized (writeLock) {
            changes.clear();
            if (restartPositions) {
                lastPosition = 0;
            }
        }
    }

    // ------------------------------------------------------------------------------------- retention

    private static final Comparator<DueCursor> DUE_ORDER = Comparator.comparing(DueCursor::dueAt)
            .thenComparing(DueCursor::key);
    private final Object retentionLock = new Object();
    private final Map<ItemKey, RetainedItem> items = new HashMap<>();
    private final TreeMap<DueCursor, ItemKey> dueIndex = new TreeMap<>(DUE_ORDER);
    /** Active items without a due instant, in key order: what {@link #undatedItems} pages through. */
    private final java.util.TreeSet<ItemKey> undatedIndex = new java.util.TreeSet<>();
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
        if (item.state() == RetainedItem.State.ACTIVE && item.dueAt().isEmpty()) {
            undatedIndex.add(item.key());
        } else {
            undatedIndex.remove(item.key());
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
    public List<RetainedItem> undatedItems(Optional<ItemKey> after, int limit) {
        Checks.required("after", after);
        positive(limit);
        synchronized (retentionLock) {
            List<RetainedItem> out = new ArrayList<>();
            for (ItemKey key : after.isPresent() ? undatedIndex.tailSet(after.get(), false) : undatedIndex) {
                if (out.size() >= limit) {
                    break;
                }
                out.add(items.get(key));
            }
            return out;
        }
    }

    @Override
    public List<Claim> claimDue(Instant now, int limit, String owner, Duration lease) {
        positive(limit);
        Checks.required("now", now);
        positiveLease(lease);
        synchronized (retentionLock) {
            // due and backoff by the caller's clock; leases by this store's own
            Instant leaseNow = leaseClock.instant();
            List<Claim> out = new ArrayList<>();
            for (Map.Entry<DueCursor, ItemKey> e : dueIndex.entrySet()) {
                if (e.getKey().dueAt().isAfter(now) || out.size() >= limit) {
                    break;
                }
                RetainedItem item = items.get(e.getValue());
                ClaimRow held = claims.get(item.key());
                if (held != null && held.leaseUntil().isAfter(leaseNow)) {
                    continue;
                }
                if (item.notBefore().isPresent() && item.notBefore().get().isAfter(now)) {
                    continue;
                }
                ClaimRow row = new ClaimRow(UUID.randomUUID().toString(), owner, leaseNow.plus(lease));
                claims.put(item.key(), row);
                out.add(new Claim(item, row.token(), owner, row.leaseUntil(), item.attempts() + 1));
            }
            return out;
        }
    }

    @Override
    public Optional<Claim> claimItem(ItemKey key, Instant now, String owner, Duration lease) {
        Checks.required("now", now);
        positiveLease(lease);
        synchronized (retentionLock) {
            Instant leaseNow = leaseClock.instant();
            RetainedItem item = items.get(key);
            if (item == null || item.state() != RetainedItem.State.ACTIVE || item.dueAt().isEmpty()
                    || item.dueAt().get().isAfter(now)
                    || item.notBefore().isPresent() && item.notBefore().get().isAfter(now)) {
                return Optional.empty();
            }
            ClaimRow held = claims.get(key);
            if (held != null && held.leaseUntil().isAfter(leaseNow)) {
                return Optional.empty();
            }
            ClaimRow row = new ClaimRow(UUID.randomUUID().toString(), owner, leaseNow.plus(lease));
            claims.put(key, row);
            return Optional.of(new Claim(item, row.token(), owner, row.leaseUntil(), item.attempts() + 1));
        }
    }

    /** {@inheritDoc} Atomic: the whole list is renewed under the store's lock, at one instant of its clock. */
    @Override
    public List<Optional<Claim>> renewClaims(List<Claim> toRenew, Duration lease) {
        checkClaims(toRenew);
        positiveLease(lease);
        synchronized (retentionLock) {
            Instant until = leaseClock.instant().plus(lease);
            List<Optional<Claim>> out = new ArrayList<>(toRenew.size());
            for (Claim c : toRenew) {
                ClaimRow held = claims.get(c.item().key());
                if (held == null || !held.token().equals(c.token())) {
                    out.add(Optional.empty());
                    continue;
                }
                claims.put(c.item().key(), new ClaimRow(held.token(), held.owner(), until));
                out.add(Optional.of(new Claim(c.item(), c.token(), c.owner(), until, c.attempt())));
            }
            return List.copyOf(out);
        }
    }

    /** {@inheritDoc} Atomic: the whole list is released under the store's lock. */
    @Override
    public List<Boolean> releaseClaims(List<Claim> toRelease) {
        checkClaims(toRelease);
        synchronized (retentionLock) {
            List<Boolean> out = new ArrayList<>(toRelease.size());
            for (Claim c : toRelease) {
                ClaimRow held = claims.get(c.item().key());
                boolean mine = held != null && held.token().equals(c.token());
                if (mine) {
                    claims.remove(c.item().key());
                }
                out.add(mine);
            }
            return List.copyOf(out);
        }
    }

    private static void checkClaims(List<Claim> list) {
        Checks.required("claims", list);
        for (Claim c : list) {
            Checks.required("claim", c);
            Checks.required("claim.item", c.item());
            Checks.required("claim.token", c.token());
        }
    }

    private static void positiveLease(Duration lease) {
        if (lease == null || lease.isNegative() || lease.isZero()) {
            throw new InvalidValueException("lease", lease, "must be a positive duration");
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
                    if (f.updated().disposedAfterErasure()) {
                        items.remove(key); // nothing of it is needed, and its key names the erased subject
                    }
                }
                disposals.add(f.audit().withSequence(disposals.size() + 1L));
                out.add(true);
            }
            return List.copyOf(out);
        }
    }

    @Override
    public boolean removeItem(RetainedItem item) {
        Checks.required("item", item);
        synchronized (retentionLock) {
            RetainedItem stored = items.get(item.key());
            if (stored == null || stored.version() != item.version()
                    || stored.state() != RetainedItem.State.DISPOSED || claims.containsKey(item.key())) {
                return false;
            }
            items.remove(item.key());
            return true;
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
                // the subject is not quoted: it is personal data (as JdbcStore)
                throw new dev.consent.InvalidValueException("request.subject", request.id(),
                        "names another subject than the stored request; a request never changes subject");
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

    @Override
    public List<RightsRequest> openRequestsAfter(RightsRequest after, int limit) {
        Checks.required("after", after);
        positive(limit);
        Comparator<RightsRequest> order = Comparator.comparing(RightsRequest::receivedAt)
                .thenComparing(RightsRequest::id);
        synchronized (requests) {
            return requests.values().stream().filter(r -> r.status().isOpen() && order.compare(r, after) > 0)
                    .sorted(order).limit(limit).toList();
        }
    }

    // ------------------------------------------------------------------------------------------ outbox

    /** Guards the outbox and the delivery audit; taken after {@code writeLock} or {@code requests}, never before. */
    private final Object outboxLock = new Object();
    /** In recording order. */
    private final Map<String, OutboxRow> outbox = new LinkedHashMap<>();
    private final List<DeliveryRecord> deliveries = new ArrayList<>();

    private record OutboxRow(OutboxEntry entry, ClaimRow claim) {
    }

    /**
     * {@inheritDoc} Under the ledger's write lock: the append (through {@link #append(List)}, so a subclass's override
     * takes part) and the notices, or nothing.
     */
    @Override
    public AppendResult append(List<ConsentEvent> events, List<RecipientNotice> notices) {
        List<RecipientNotice> checked = checkedNotices(notices);
        if (Checks.required("events", events).isEmpty() && !checked.isEmpty()) {
            throw new InvalidValueException("notices", checked.size() + " notices",
                    "are written only with the events that caused them");
        }
        synchronized (writeLock) {
            AppendResult result = append(events);
            if (result.appended()) {
                addNotices(checked);
            }
            return result;
        }
    }

    /** {@inheritDoc} Under the requests' lock: the save (through {@link #saveRequest(RightsRequest)}) and the notices. */
    @Override
    public boolean saveRequest(RightsRequest request, List<RecipientNotice> notices) {
        List<RecipientNotice> checked = checkedNotices(notices);
        synchronized (requests) {
            boolean saved = saveRequest(request);
            if (saved) {
                addNotices(checked);
            }
            return saved;
        }
    }

    private static List<RecipientNotice> checkedNotices(List<RecipientNotice> notices) {
        Checks.required("notices", notices);
        notices.forEach(n -> Checks.required("notices[]", n));
        return List.copyOf(notices);
    }

    private void addNotices(List<RecipientNotice> notices) {
        synchronized (outboxLock) {
            for (RecipientNotice n : notices) {
                outbox.putIfAbsent(n.id(), new OutboxRow(OutboxEntry.pending(n), null));
            }
        }
    }

    @Override
    public List<NoticeClaim> claimNotices(Instant now, int limit, String owner, Duration lease) {
        positive(limit);
        Checks.required("now", now);
        Checks.text("owner", owner, 100);
        Checks.required("lease", lease);
        synchronized (outboxLock) {
            List<OutboxRow> due = new ArrayList<>();
            for (OutboxRow row : outbox.values()) {
                OutboxEntry e = row.entry();
                if (e.state() == OutboxEntry.State.PENDING && !e.nextAttemptAt().orElseThrow().isAfter(now)
                        && (row.claim() == null || !row.claim().leaseUntil().isAfter(now))) {
                    due.add(row);
                }
            }
            due.sort(Comparator.comparing((OutboxRow r) -> r.entry().nextAttemptAt().orElseThrow())
                    .thenComparing(r -> r.entry().notice().id()));
            List<NoticeClaim> out = new ArrayList<>();
            for (OutboxRow row : due.subList(0, Math.min(limit, due.size()))) {
                ClaimRow claim = new ClaimRow(UUID.randomUUID().toString(), owner, now.plus(lease));
                outbox.put(row.entry().notice().id(), new OutboxRow(row.entry(), claim));
                out.add(new NoticeClaim(row.entry(), claim.token(), owner, claim.leaseUntil(),
                        row.entry().attempts() + 1));
            }
            return List.copyOf(out);
        }
    }

    /** {@inheritDoc} Under the requests' lock and then the outbox's, so the history step joins the delivery. */
    @Override
    public boolean finishNotice(NoticeFinish finish) {
        Checks.required("finish", finish);
        String id = finish.claim().entry().notice().id();
        synchronized (requests) {
            synchronized (outboxLock) {
                OutboxRow row = outbox.get(id);
                if (row == null || row.claim() == null || !row.claim().token().equals(finish.claim().token())) {
                    return false;
                }
                OutboxEntry e = row.entry();
                DeliveryRecord audit = finish.audit();
                OutboxEntry next = audit.outcome() == DeliveryRecord.Outcome.DELIVERED
                        ? new OutboxEntry(e.notice(), OutboxEntry.State.DELIVERED, e.attempts(), Optional.empty(),
                                Optional.of(audit.at()), e.lastFailure())
                        : new OutboxEntry(e.notice(), OutboxEntry.State.PENDING, finish.claim().attempt(),
                                finish.retryAt(), Optional.empty(), audit.failure());
                outbox.put(id, new OutboxRow(next, null));
                deliveries.add(audit.withSequence(deliveries.size() + 1L));
                if (finish.historyNote().isPresent() && e.notice().requestId().isPresent()) {
                    RightsRequest stored = requests.get(e.notice().requestId().get());
                    if (stored != null && stored.subject().equals(e.notice().subject())) {
                        requests.put(stored.id(), DeliveryHistory.withDelivery(stored, audit.at(),
                                finish.historyNote().get()));
                    }
                }
                return true;
            }
        }
    }

    @Override
    public Optional<OutboxEntry> notice(String id) {
        synchronized (outboxLock) {
            return Optional.ofNullable(outbox.get(Checks.required("id", id))).map(OutboxRow::entry);
        }
    }

    @Override
    public List<OutboxEntry> notices(SubjectId subject) {
        Checks.required("subject", subject);
        synchronized (outboxLock) {
            return outbox.values().stream().map(OutboxRow::entry).filter(e -> e.notice().subject().equals(subject))
                    .sorted(Comparator.comparing((OutboxEntry e) -> e.notice().recordedAt())
                            .thenComparing(e -> e.notice().id()))
                    .toList();
        }
    }

    @Override
    public List<DeliveryRecord> deliveries(long afterSequence, int limit) {
        positive(limit);
        synchronized (outboxLock) {
            int from = (int) Math.min(Math.max(afterSequence, 0), deliveries.size());
            return List.copyOf(deliveries.subList(from, (int) Math.min(deliveries.size(), (long) from + limit)));
        }
    }

    // ---------------------------------------------------------------------------------- processing log

    /** Shares the ledger's write lock, so that its change-feed guard is atomic with consent appends and links. */
    private final InMemoryUses uses = new InMemoryUses(writeLock, this::changedSinceLocked);

    /** Of {@code subjects}, those with a change-feed entry above {@code position}. Called under {@code writeLock}. */
    private Set<SubjectId> changedSinceLocked(long position, Set<SubjectId> subjects) {
        Set<SubjectId> out = new LinkedHashSet<>();
        for (int i = (int) Math.min(Math.max(position, 0), changes.size()); i < changes.size(); i++) {
            if (subjects.contains(changes.get(i).subject())) {
                out.add(changes.get(i).subject());
            }
        }
        return out;
    }

    @Override
    public UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition) {
        return uses.appendUses(entries, feedPosition);
    }

    @Override
    public List<ProcessingEntry> uses(SubjectId subject, Optional<UseCursor> after, int limit) {
        return uses.uses(subject, after, limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUses(String pseudonym, Optional<UseCursor> after, int limit) {
        return uses.pseudonymisedUses(pseudonym, after, limit);
    }

    @Override
    public long countUses(PurposeId purpose, Instant from, Instant until) {
        return uses.countUses(purpose, from, until);
    }

    @Override
    public long pseudonymise(Map<SubjectId, String> pseudonyms, Optional<Instant> upTo) {
        return uses.pseudonymise(pseudonyms, upTo);
    }

    @Override
    public List<SubjectId> subjectsWithUses(Instant upTo, Optional<SubjectId> after, int limit) {
        return uses.subjectsWithUses(upTo, after, limit);
    }

    @Override
    public long deleteUses(Collection<SubjectId> subjects, Instant upTo) {
        return uses.deleteUses(subjects, upTo);
    }

    @Override
    public long deletePseudonymisedUses(Instant upTo) {
        return uses.deletePseudonymisedUses(upTo);
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
}
