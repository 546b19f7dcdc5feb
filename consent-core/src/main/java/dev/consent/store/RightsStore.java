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
     * Saves a request if its stored version is still {@code request.version()}: the request carries the version it
     * was read at, and a new request version 0, which no stored request ever has, so it is saved only if no request
     * with its id is stored. The stored version becomes {@code request.version() + 1}, as {@link
     * RightsRequest#nextVersion()} returns it (the one rule for every optimistic save of this SPI, see the package
     * documentation). Returns false, changing nothing, when another writer got there first.
     *
     * @param request the request, carrying the version it was read at
     * @return true when it was saved
     * @throws dev.consent.InvalidValueException when the stored request names another subject; nothing is written
     */
    boolean saveRequest(RightsRequest request);

    /**
     * The request with this id, at its stored version.
     *
     * @param id the request's id
     * @return the request, or empty when none has that id
     */
    Optional<RightsRequest> request(String id);

    /**
     * The subject's requests, oldest first.
     *
     * @param subject the subject who made them
     * @return the requests; empty when none was made
     */
    List<RightsRequest> requests(SubjectId subject);

    /**
     * Up to {@code limit} open requests (neither completed nor refused), oldest first: by {@code receivedAt}, then by
     * id.
     *
     * @param limit how many requests at most
     * @return the first open requests
     */
    List<RightsRequest> openRequests(int limit);

    /**
     * The next page of {@link #openRequests(int)}: up to {@code limit} open requests that come after {@code after} in
     * that order (received later, or at the same instant with a greater id); {@code after} itself need not be open.
     *
     * @param after the last request of the page before
     * @param limit how many requests at most
     * @return the next open requests
     */
    List<RightsRequest> openRequestsAfter(RightsRequest after, int limit);
}
