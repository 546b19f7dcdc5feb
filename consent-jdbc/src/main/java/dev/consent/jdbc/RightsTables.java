package dev.consent.jdbc;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.SubjectId;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RightsRequest;
import dev.consent.store.RightsRequestCodec;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The rights half of {@link JdbcStore}: each request is one {@link RightsRequestCodec} JSON document, the exact
 * request, beside the columns it is found and ordered by (id, subject, status, received-at to the microsecond,
 * version). Saves compare the version in the {@code UPDATE}; a new request is an {@code INSERT} that a concurrent
 * first save turns into a unique violation, reported as {@code false}.
 */
final class RightsTables {
    /** Open statuses, from the enum itself, so the query follows {@link RequestStatus#isOpen()}. */
    private static final List<String> OPEN = Arrays.stream(RequestStatus.values()).filter(RequestStatus::isOpen)
            .map(Enum::name).toList();

    private final Transactions tx;
    private final Dialect dialect;
    private final String requests;

    RightsTables(Transactions tx, Dialect dialect, String prefix) {
        this.tx = tx;
        this.dialect = dialect;
        this.requests = prefix + "rights_requests";
    }

    boolean saveRequest(RightsRequest request) {
        return saveRequest(request, c -> null);
    }

    /**
     * Saves the request as above and, only if it is saved, runs {@code alsoWrite} on the same connection before the
     * commit: what it writes commits with the request or not at all (the recipients' outbox uses it).
     */
    boolean saveRequest(RightsRequest request, Transactions.SqlWork<Void> alsoWrite) {
        Checks.required("request", request);
        // saved over the version it was read at (0: never stored), stored one higher
        RightsRequest stored = request.nextVersion();
        // the column orders and finds requests; the document keeps the exact instant
        Instant received = StoredInstants.roundedDown("request.receivedAt", request.receivedAt(), dialect);
        String document = RightsRequestCodec.toJson(stored);
        return tx.inTransaction("saveRequest", c -> {
            if (request.version() == 0) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + requests
                        + " (status, received_at, version, document, request_id, subject) VALUES (?, ?, ?, ?, ?, ?)")) {
                    bind(ps, stored, received, document);
                    ps.executeUpdate();
                }
                alsoWrite.run(c);
                return Outcome.commit(true);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + requests + " SET status = ?, received_at = ?,"
                    + " version = ?, document = ? WHERE request_id = ? AND subject = ? AND version = ?")) {
                bind(ps, stored, received, document);
                ps.setLong(7, request.version());
                if (ps.executeUpdate() == 1) {
                    alsoWrite.run(c);
                    return Outcome.commit(true);
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT subject FROM " + requests
                    + " WHERE request_id = ? AND version = ?")) {
                ps.setString(1, request.id());
                ps.setLong(2, request.version());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && !rs.getString(1).equals(request.subject().value())) {
                        // the subject is not quoted: it is personal data
                        throw new InvalidValueException("request.subject", request.id(),
                                "names another subject than the stored request; a request never changes subject");
                    }
                }
            }
            return Outcome.rollback(false);
        }, c -> false);
    }

    private void bind(PreparedStatement ps, RightsRequest r, Instant received, String document) throws SQLException {
        ps.setString(1, r.status().name());
        dialect.setInstant(ps, 2, received);
        ps.setLong(3, r.version());
        ps.setString(4, document);
        ps.setString(5, r.id());
        ps.setString(6, r.subject().value());
    }

    Optional<RightsRequest> request(String id) {
        Checks.required("id", id);
        return tx.read("request", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT document FROM " + requests + " WHERE request_id = ?")) {
                ps.setString(1, id);
                List<RightsRequest> found = documents(ps);
                return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
            }
        });
    }

    /** Oldest first; requests received in the same microsecond in id order. */
    List<RightsRequest> requests(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("requests", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT document FROM " + requests
                    + " WHERE subject = ? ORDER BY received_at, request_id")) {
                ps.setString(1, subject.value());
                return documents(ps);
            }
        });
    }

    List<RightsRequest> openRequests(int limit) {
        return openRequests(Optional.empty(), limit);
    }

    /** The open requests after {@code after} in (received_at, request_id) order, as {@link #openRequests(int)}. */
    List<RightsRequest> openRequestsAfter(RightsRequest after, int limit) {
        Checks.required("after", after);
        return openRequests(Optional.of(after), limit);
    }

    private List<RightsRequest> openRequests(Optional<RightsRequest> after, int limit) {
        if (limit < 1) {
            throw new InvalidValueException("limit", limit, "must be 1 or more");
        }
        Optional<Instant> afterReceived = after.map(a -> StoredInstants.roundedDown("after.receivedAt", a.receivedAt(),
                dialect));
        return tx.read("openRequests", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT document FROM " + requests + " WHERE status IN ("
                    + String.join(", ", Collections.nCopies(OPEN.size(), "?")) + ")"
                    + (after.isPresent() ? " AND (received_at > ? OR (received_at = ? AND request_id > ?))" : "")
                    + " ORDER BY received_at, request_id LIMIT ?")) {
                int i = 1;
                for (String status : OPEN) {
                    ps.setString(i++, status);
                }
                if (after.isPresent()) {
                    dialect.setInstant(ps, i++, afterReceived.orElseThrow());
                    dialect.setInstant(ps, i++, afterReceived.orElseThrow());
                    ps.setString(i++, after.get().id());
                }
                ps.setInt(i, limit);
                return documents(ps);
            }
        });
    }

    private List<RightsRequest> documents(PreparedStatement ps) throws SQLException {
        List<RightsRequest> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                try {
                    out.add(RightsRequestCodec.fromJson(rs.getString(1)));
                } catch (RuntimeException e) {
                    throw new SQLException("a stored document of " + requests + " is not a valid request: "
                            + dev.consent.StoreException.describe(e), "XX001", e);
                }
            }
        }
        return List.copyOf(out);
    }
}
