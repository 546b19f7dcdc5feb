package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.Tombstone;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Retention state held in this JVM's memory: items with their due index and index of undated items, sweeper claims,
 * legal holds, the disposal audit and tombstones; complete and thread-safe, for tests, demos and single-node hosts.
 * Nothing survives a restart. Every write takes one lock, so each (a whole {@link #finishClaims} list among them) is
 * atomic.
 *
 * <p>Sweeper leases are set and judged by this store's one clock (see {@link RetentionStore#claimDue}), given to the
 * constructor, so every service sharing the store agrees on them whatever clocks the services have.
 */
public final class InMemoryRetentionStore implements RetentionStore {
    private static final Comparator<DueCursor> DUE_ORDER = Comparator.comparing(DueCursor::dueAt)
            .thenComparing(DueCursor::key);
    private final Clock leaseClock;
    private final Object lock = new Object();
    private final Map<ItemKey, RetainedItem> items = new HashMap<>();
    private final TreeMap<DueCursor, ItemKey> dueIndex = new TreeMap<>(DUE_ORDER);
    /** Active items without a due instant, in key order: what {@link #undatedItems} pages through. */
    private final TreeSet<ItemKey> undatedIndex = new TreeSet<>();
    private final Map<ItemKey, ClaimRow> claims = new HashMap<>();
    private final Map<String, LegalHold> holds = new LinkedHashMap<>();
    private final List<DisposalRecord> disposals = new ArrayList<>();
    private final Map<String, Tombstone> tombstones = new HashMap<>();

    private record ClaimRow(String token, String owner, Instant leaseUntil) {
    }

    /** A store whose sweeper leases run on the system clock (UTC). */
    public InMemoryRetentionStore() {
        this(Clock.systemUTC());
    }

    /**
     * A store whose sweeper leases are set and judged by {@code leaseClock} (tests move it to run leases out).
     *
     * @param leaseClock the store's own clock
     * @throws InvalidValueException if {@code leaseClock} is null
     */
    public InMemoryRetentionStore(Clock leaseClock) {
        this.leaseClock = Checks.required("leaseClock", leaseClock);
    }

    @Override
    public Optional<RetainedItem> item(ItemKey key) {
        synchronized (lock) {
            return Optional.ofNullable(items.get(key));
        }
    }

    // every key looked up under the store's lock at once: one consistent view of the keys asked
    @Override
    public Map<ItemKey, RetainedItem> items(Collection<ItemKey> keys) {
        List<ItemKey> asked = StoreArguments.distinct("keys", keys);
        Map<ItemKey, RetainedItem> out = new LinkedHashMap<>();
        synchronized (lock) {
            for (ItemKey key : asked) {
                RetainedItem item = items.get(key);
                if (item != null) {
                    out.put(key, item);
                }
            }
        }
        return out;
    }

    @Override
    public List<RetainedItem> items(SubjectId subject) {
        synchronized (lock) {
            return items.values().stream().filter(i -> i.key().subject().equals(subject))
                    .sorted(Comparator.comparing(RetainedItem::key)).toList();
        }
    }

    @Override
    public List<RetainedItem> allItems(int limit) {
        return itemsAfter(null, limit);
    }

    @Override
    public List<RetainedItem> allItemsAfter(ItemKey after, int limit) {
        return itemsAfter(Checks.required("after", after), limit);
    }

    /** Items in key order after {@code after}, or from the first when it is null. */
    private List<RetainedItem> itemsAfter(ItemKey after, int limit) {
        StoreArguments.limit(limit);
        synchronized (lock) {
            return items.values().stream().filter(i -> after == null || i.key().compareTo(after) > 0)
                    .sorted(Comparator.comparing(RetainedItem::key)).limit(limit).toList();
        }
    }

    @Override
    public boolean saveItem(RetainedItem item) {
        synchronized (lock) {
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
    public List<RetainedItem> dueItems(Instant dueBy, int limit) {
        return due(Checks.required("dueBy", dueBy), null, limit);
    }

    @Override
    public List<RetainedItem> dueItemsAfter(Instant dueBy, DueCursor after, int limit) {
        return due(Checks.required("dueBy", dueBy), Checks.required("after", after), limit);
    }

    /** Active items due by {@code dueBy} in due order after {@code after}, or from the first when it is null. */
    private List<RetainedItem> due(Instant dueBy, DueCursor after, int limit) {
        StoreArguments.limit(limit);
        synchronized (lock) {
            List<RetainedItem> out = new ArrayList<>();
            Map<DueCursor, ItemKey> view = after != null ? dueIndex.tailMap(after, false) : dueIndex;
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
    public List<RetainedItem> undatedItems(int limit) {
        return undated(null, limit);
    }

    @Override
    public List<RetainedItem> undatedItemsAfter(ItemKey after, int limit) {
        return undated(Checks.required("after", after), limit);
    }

    /** Active undated items in key order after {@code after}, or from the first when it is null. */
    private List<RetainedItem> undated(ItemKey after, int limit) {
        StoreArguments.limit(limit);
        synchronized (lock) {
            List<RetainedItem> out = new ArrayList<>();
            for (ItemKey key : after != null ? undatedIndex.tailSet(after, false) : undatedIndex) {
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
        StoreArguments.limit(limit);
        Checks.required("now", now);
        StoreArguments.lease(lease);
        synchronized (lock) {
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
        StoreArguments.lease(lease);
        synchronized (lock) {
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
        StoreArguments.claims(toRenew);
        StoreArguments.lease(lease);
        synchronized (lock) {
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
        StoreArguments.claims(toRelease);
        synchronized (lock) {
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
        synchronized (lock) {
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
        synchronized (lock) {
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
        synchronized (lock) {
            holds.put(hold.id(), hold);
        }
    }

    @Override
    public Optional<LegalHold> hold(String id) {
        synchronized (lock) {
            return Optional.ofNullable(holds.get(id));
        }
    }

    @Override
    public List<LegalHold> holds(SubjectId subject) {
        synchronized (lock) {
            return holds.values().stream().filter(h -> h.subject().equals(subject)).toList();
        }
    }

    @Override
    public Map<SubjectId, List<LegalHold>> holds(Collection<SubjectId> subjects) {
        Map<SubjectId, List<LegalHold>> out = StoreArguments.perSubject(subjects);
        synchronized (lock) {
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
        StoreArguments.limit(limit);
        synchronized (lock) {
            int from = (int) Math.min(Math.max(afterSequence, 0), disposals.size());
            return List.copyOf(disposals.subList(from, (int) Math.min(disposals.size(), (long) from + limit)));
        }
    }

    @Override
    public boolean addTombstone(Tombstone tombstone) {
        synchronized (lock) {
            return tombstones.putIfAbsent(tombstone.subjectReference(), tombstone) == null;
        }
    }

    @Override
    public Optional<Tombstone> tombstone(String subjectReference) {
        synchronized (lock) {
            return Optional.ofNullable(tombstones.get(subjectReference));
        }
    }
}
