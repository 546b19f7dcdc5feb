package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.jdbc.Transactions.SqlWork;
import dev.consent.ledger.SubjectId;
import dev.consent.rights.RightsRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The rights requests of {@link JdbcStore} (its {@link dev.consent.store.RightsStore} operations), and the one place
 * that decides their transactions: arguments are checked before any connection is borrowed, then
 * {@link RightsRequestRepository} runs on one connection ({@link Transactions}) and the save commits or rolls back
 * here.
 */
final class JdbcRights {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcRights.class);
    /** What a save without notices writes besides the request: nothing. */
    private static final SqlWork<Void> NOTHING_ELSE = c -> null;

    private final Transactions tx;
    private final String prefix;
    private final RightsRequestRepository requests;

    JdbcRights(Transactions tx, Dialect dialect, String prefix) {
        this.tx = tx;
        this.prefix = prefix;
        this.requests = new RightsRequestRepository(dialect, prefix);
    }

    /** The requests table, whose history the outbox's deliveries extend. */
    RightsRequestRepository repository() {
        return requests;
    }

    /** A save without notices. */
    boolean saveRequest(RightsRequest request) {
        return saveRequest(request, 0, NOTHING_ELSE);
    }

    /**
     * One transaction: an {@code INSERT} for a new request (a concurrent first save makes it a unique violation:
     * false), otherwise an {@code UPDATE} over the version it was read at; only when saved, {@code alsoWrite} (the
     * {@code notices} notices of the recipients' outbox) on the same connection.
     *
     * @throws InvalidValueException when the request names another subject than the stored one; nothing is written
     */
    boolean saveRequest(RightsRequest request, int notices, SqlWork<Void> alsoWrite) {
        Checks.required("request", request);
        RightsRequestRepository.Write write = requests.write(request);
        boolean saved = tx.inTransaction("saveRequest", c -> requests.save(c, write, alsoWrite), c -> false);
        if (LOG.isDebugEnabled()) {
            LOG.debug("consent store {}: save of a rights request over version {} with {} notices: {}", prefix,
                    request.version(), notices, saved ? "saved" : "lost a race");
        }
        return saved;
    }

    Optional<RightsRequest> request(String id) {
        Checks.required("id", id);
        return tx.read("request", c -> requests.find(c, id));
    }

    /** Requests received in the same microsecond come in id order. */
    List<RightsRequest> requests(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("requests", c -> requests.ofSubject(c, subject));
    }

    List<RightsRequest> openRequests(int limit) {
        StoreArguments.limit(limit);
        return tx.read("openRequests", c -> requests.open(c, null, null, limit));
    }

    List<RightsRequest> openRequestsAfter(RightsRequest after, int limit) {
        Checks.required("after", after);
        StoreArguments.limit(limit);
        Instant bound = requests.pageBound(after);
        return tx.read("openRequests", c -> requests.open(c, after, bound, limit));
    }
}
