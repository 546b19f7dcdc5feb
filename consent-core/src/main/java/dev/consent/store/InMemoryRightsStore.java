package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.ledger.SubjectId;
import dev.consent.rights.RightsRequest;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Rights requests held in this JVM's memory, complete and thread-safe, for tests, demos and single-node hosts. Nothing
 * survives a restart. Every write takes one lock, {@link #lock}, which the in-memory outbox built over this store also
 * takes, so that notices join the save of the request that caused them.
 */
public final class InMemoryRightsStore implements RightsStore {
    /** Guards {@link #requests}; package-private so that the outbox built over this store joins its writes. */
    final Object lock = new Object();
    /** The order of {@link #openRequests}: received time, then id. */
    private static final Comparator<RightsRequest> OPEN_ORDER =
            Comparator.comparing(RightsRequest::receivedAt).thenComparing(RightsRequest::id);
    /** Guarded by {@link #lock}: the requests by id, as stored (their version already the saved one). */
    private final Map<String, RightsRequest> requests = new LinkedHashMap<>();

    /** An empty store. */
    public InMemoryRightsStore() {
    }

    @Override
    public boolean saveRequest(RightsRequest request) {
        Checks.required("request", request);
        synchronized (lock) {
            RightsRequest stored = requests.get(request.id());
            long storedVersion = stored == null ? 0 : stored.version();
            if (request.version() != storedVersion) {
                return false;
            }
            if (stored != null && !stored.subject().equals(request.subject())) {
                // the subject is not quoted: it is personal data (as JdbcStore)
                throw new InvalidValueException("request.subject", request.id(),
                        "names another subject than the stored request; a request never changes subject");
            }
            requests.put(request.id(), request.nextVersion());
            return true;
        }
    }

    @Override
    public Optional<RightsRequest> request(String id) {
        synchronized (lock) {
            return Optional.ofNullable(requests.get(id));
        }
    }

    @Override
    public List<RightsRequest> requests(SubjectId subject) {
        synchronized (lock) {
            return requests.values().stream().filter(r -> r.subject().equals(subject))
                    .sorted(Comparator.comparing(RightsRequest::receivedAt)).toList();
        }
    }

    @Override
    public List<RightsRequest> openRequests(int limit) {
        StoreArguments.limit(limit);
        synchronized (lock) {
            return requests.values().stream().filter(r -> r.status().isOpen())
                    .sorted(OPEN_ORDER).limit(limit).toList();
        }
    }

    @Override
    public List<RightsRequest> openRequestsAfter(RightsRequest after, int limit) {
        Checks.required("after", after);
        StoreArguments.limit(limit);
        synchronized (lock) {
            return requests.values().stream().filter(r -> r.status().isOpen() && OPEN_ORDER.compare(r, after) > 0)
                    .sorted(OPEN_ORDER).limit(limit).toList();
        }
    }

    /**
     * Replaces a stored request by {@code next} (its version the stored one plus one), as the outbox does when a
     * delivery adds a step to the request's history. Called under {@link #lock}; does nothing when the request is
     * not stored or names another subject.
     */
    void replaceLocked(String id, SubjectId subject, UnaryOperator<RightsRequest> next) {
        RightsRequest stored = requests.get(id);
        if (stored != null && stored.subject().equals(subject)) {
            requests.put(id, next.apply(stored));
        }
    }
}
