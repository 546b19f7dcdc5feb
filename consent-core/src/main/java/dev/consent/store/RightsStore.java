package dev.consent.store;

import dev.consent.ledger.SubjectId;
import dev.consent.rights.RightsRequest;

import java.util.List;
import java.util.Optional;

/**
 * Where rights requests live. Thread-safe and shareable between nodes; every implementation passes
 * {@code RightsStoreContract} from consent-core's test-jar.
 */
public interface RightsStore {

    /**
     * Saves a request if the stored version is still {@code request.version() - 1} (a new request has version 1
     * and must not exist yet). Returns false, changing nothing, when another writer got there first.
     */
    boolean saveRequest(RightsRequest request);

    Optional<RightsRequest> request(String id);

    /** The subject's requests, oldest first. */
    List<RightsRequest> requests(SubjectId subject);

    /** Up to {@code limit} open requests (neither completed nor refused), oldest first. */
    List<RightsRequest> openRequests(int limit);
}
