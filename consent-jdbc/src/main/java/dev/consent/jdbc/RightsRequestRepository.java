package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.jdbc.Transactions.SqlWork;
import dev.consent.ledger.SubjectId;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RightsRequest;
import dev.consent.store.RightsRequestCodec;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Table {@code rights_requests}: each request is one {@link RightsRequestCodec} JSON document, the exact request,
 * beside the columns it is found and ordered by (id, subject, status, received-at to the microsecond, version). Saves
 * compare the version in the {@code UPDATE}; a new request is an {@code INSERT} that a concurrent first save turns
 * into a unique violation. Every method runs on the connection it is handed, inside the caller's transaction; none
 * commits.
 */
final class RightsRequestRepository {
    /** Open statuses, from the enum itself, so the query follows {@link RequestStatus#isOpen()}. */
    private static final List<String> OPEN = Arrays.stream(RequestStatus.values()).filter(RequestStatus::isOpen)
            .map(Enum::name).toList();

    private final Dialect dialect;
    private final String requests;
    private final String update;

    RightsRequestRepository(Dialect dialect, String prefix) {
        this.dialect = dialect;
        this.requests = prefix + "rights_requests";
        this.update = "UPDATE " + requests + " SET status = ?, received_at = ?, version = ?, document = ?"
                + " WHERE request_id = ? AND subject = ? AND version = ?";
    }

    /** A request as it is to be stored, over the version it was read at (0: never stored). */
    record Write(RightsRequest stored, long overVersion, Instant received, String document) {
    }

    /**
     * The write that saves {@code request}: stored one version higher, the received-at column rounded down to the
     * microsecond (the column orders and finds requests; the document keeps the exact instant). Checked before any
     * connection is borrowed.
     *
     * @throws InvalidValueException when the received-at instant is outside the range the database stores
     */
    Write write(RightsRequest request) {
        return write(request.nextVersion(), request.version());
    }

    private Write write(RightsRequest stored, long overVersion) {
        Instant received = StoredInstants.roundedDown("request.receivedAt", stored.receivedAt(), dialect);
        return new Write(stored, overVersion, received, RightsRequestCodec.toJson(stored));
    }

    /**
     * Saves the request and, only if it is saved, runs {@code alsoWrite} on the same connection: what it writes commits
     * with the request or not at all (the recipients' outbox uses it). A lost race is a rollback with {@code false}.
     *
     * @throws InvalidValueException when the request names another subject than the stored one
     */
    Outcome<Boolean> save(Connection c, Write w, SqlWork<Void> alsoWrite) throws SQLException {
        RightsRequest request = w.stored();
        if (w.overVersion() == 0) {
            Sql.update(c, "INSERT INTO " + requests + " (status, received_at, version, document, request_id, subject)"
                    + " VALUES (?, ?, ?, ?, ?, ?)", ps -> bind(ps, w));
            alsoWrite.run(c);
            return Outcome.commit(true);
        }
        if (update(c, w)) {
            alsoWrite.run(c);
            return Outcome.commit(true);
        }
        Optional<String> storedSubject = Sql.queryOne(c, "SELECT subject FROM " + requests
                + " WHERE request_id = ? AND version = ?", ps -> {
                    ps.setString(1, request.id());
                    ps.setLong(2, w.overVersion());
                }, rs -> rs.getString(1));
        if (storedSubject.isPresent() && !storedSubject.get().equals(request.subject().value())) {
            // the subject is not quoted: it is personal data
            throw new InvalidValueException("request.subject", request.id(),
                    "names another subject than the stored request; a request never changes subject");
        }
        return Outcome.rollback(false);
    }

    private boolean update(Connection c, Write w) throws SQLException {
        return Sql.update(c, update, ps -> {
            bind(ps, w);
            ps.setLong(7, w.overVersion());
        }) == 1;
    }

    private void bind(PreparedStatement ps, Write w) throws SQLException {
        RightsRequest r = w.stored();
        ps.setString(1, r.status().name());
        dialect.setInstant(ps, 2, w.received());
        ps.setLong(3, r.version());
        ps.setString(4, w.document());
        ps.setString(5, r.id());
        ps.setString(6, r.subject().value());
    }

    /**
     * Replaces a request this transaction read with {@link #lock} by {@code next}, its successor (one version higher).
     *
     * @throws SQLException of state XX001 when the row did not stand at the version its document says
     */
    void replaceLocked(Connection c, RightsRequest locked, RightsRequest next) throws SQLException {
        if (!update(c, write(next, locked.version()))) {
            // the row is locked by this transaction, so only a document out of step with its column gets here
            throw new SQLException("the version column of request " + next.id() + " in " + requests
                    + " differs from its document", "XX001");
        }
    }

    Optional<RightsRequest> find(Connection c, String id) throws SQLException {
        return Sql.queryOne(c, "SELECT document FROM " + requests + " WHERE request_id = ?", ps -> ps.setString(1, id),
                this::document);
    }

    /** The request {@code id}, read with a locking read held until the caller's transaction ends. */
    Optional<RightsRequest> lock(Connection c, String id) throws SQLException {
        return Sql.queryOne(c, "SELECT document FROM " + requests + " WHERE request_id = ? FOR UPDATE",
                ps -> ps.setString(1, id), this::document);
    }

    /** Oldest first; requests received in the same microsecond in id order. */
    List<RightsRequest> ofSubject(Connection c, SubjectId subject) throws SQLException {
        return List.copyOf(Sql.query(c, "SELECT document FROM " + requests + " WHERE subject = ?"
                + " ORDER BY received_at, request_id", ps -> ps.setString(1, subject.value()), this::document));
    }

    /**
     * Up to {@code limit} open requests in (received_at, request_id) order, after {@code after} unless it is null
     * ({@code afterReceived} its received-at as the column holds it).
     */
    List<RightsRequest> open(Connection c, RightsRequest after, Instant afterReceived, int limit) throws SQLException {
        return List.copyOf(Sql.query(c, "SELECT document FROM " + requests + " WHERE status IN ("
                + String.join(", ", Collections.nCopies(OPEN.size(), "?")) + ")"
                + (after != null ? " AND (received_at > ? OR (received_at = ? AND request_id > ?))" : "")
                + " ORDER BY received_at, request_id LIMIT ?", ps -> {
                    int i = 1;
                    for (String status : OPEN) {
                        ps.setString(i++, status);
                    }
                    if (after != null) {
                        dialect.setInstant(ps, i++, afterReceived);
                        dialect.setInstant(ps, i++, afterReceived);
                        ps.setString(i++, after.id());
                    }
                    ps.setInt(i, limit);
                }, this::document));
    }

    /** The received-at of {@code after} as the column holds it: the bound of the next page of open requests. */
    Instant pageBound(RightsRequest after) {
        return StoredInstants.roundedDown("after.receivedAt", after.receivedAt(), dialect);
    }

    private RightsRequest document(ResultSet rs) throws SQLException {
        try {
            return RightsRequestCodec.fromJson(rs.getString(1));
        } catch (RuntimeException e) {
            throw new SQLException("a stored document of " + requests + " is not a valid request: "
                    + StoreException.describe(e), "XX001", e);
        }
    }
}
