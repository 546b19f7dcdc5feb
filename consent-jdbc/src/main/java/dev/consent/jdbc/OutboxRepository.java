package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.recipients.DeliveryHistory;
import dev.consent.recipients.DeliveryRecord;
import dev.consent.recipients.OutboxBacklog;
import dev.consent.recipients.NoticeAction;
import dev.consent.store.NoticeClaim;
import dev.consent.store.NoticeFinish;
import dev.consent.recipients.OutboxEntry;
import dev.consent.recipients.RecipientNotice;
import dev.consent.rights.RightsRequest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

/**
 * The recipients' outbox, in the tables of {@code V10__outbox.sql}: {@code notices} (one row per notice, pending or
 * delivered, with its claim columns), {@code deliveries} (the audit, no personal data) and {@code delivery_counter}
 * (the one-row counter the audit's gapless sequence comes from, locked until commit). Every method runs on the
 * connection it is handed, inside the caller's transaction; none commits.
 *
 * <p>Notices are inserted by {@link #insert} on the connection of the transaction that writes their cause (the
 * ledger's append, a rights request's save), so they commit or roll back with it. Claims: on PostgreSQL and MariaDB one
 * transaction picks due rows with {@code FOR UPDATE SKIP LOCKED} and writes token, owner and lease end into them; on
 * H2, whose SKIP LOCKED applies the limit first, candidates are read without locks and each is claimed by an
 * {@code UPDATE} that is conditional on the row being unchanged and still claimable. The claim columns, not a held
 * lock, make a claim exclusive: it outlives its transaction and lapses by itself when its lease ends.
 */
final class OutboxRepository {
    /** The most characters of a notice's purposes or categories, joined by spaces. */
    private static final int MAX_IDS = 4_000;
    private static final String COLUMNS = "notice_id, subject, recipient_id, recipient_name, recipient_role, action,"
            + " purposes, categories, request_id, %s, %s, state, attempts, %s, %s, last_failure";
    private static final String CLAIMABLE = "due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)";

    private final Dialect dialect;
    private final RightsRequestRepository requests;
    private final String notices;
    private final String deliveries;
    private final String counter;
    private final String columns;

    OutboxRepository(Dialect dialect, String prefix, RightsRequestRepository requests) {
        this.dialect = dialect;
        this.requests = requests;
        this.notices = prefix + "notices";
        this.deliveries = prefix + "deliveries";
        this.counter = prefix + "delivery_counter";
        this.columns = String.format(COLUMNS, dialect.selectInstant("occurred_at"),
                dialect.selectInstant("recorded_at"), dialect.selectInstant("due_at"),
                dialect.selectInstant("delivered_at"));
    }

    // ------------------------------------------------------------------------------------------- writing

    /** A notice checked against what the tables hold, before any connection is borrowed. */
    record Row(RecipientNotice notice, String purposes, String categories) {
    }

    /**
     * Checks notices before their transaction starts: instants must be exact to the microsecond and in range, the
     * joined id lists at most {@value #MAX_IDS} characters.
     *
     * @throws InvalidValueException for the first notice that breaks a rule; nothing is written
     */
    List<Row> rows(List<RecipientNotice> notices) {
        Checks.required("notices", notices);
        List<Row> out = new ArrayList<>(notices.size());
        for (RecipientNotice n : notices) {
            Checks.required("notices[]", n);
            StoredInstants.exact("notice.occurredAt", n.occurredAt(), dialect);
            StoredInstants.exact("notice.recordedAt", n.recordedAt(), dialect);
            out.add(new Row(n, joined("notice.purposes", n.purposes(), PurposeId::value),
                    joined("notice.categories", n.categories(), CategoryId::value)));
        }
        return out;
    }

    private static <T> String joined(String field, SortedSet<T> ids, Function<T, String> value) {
        String s = String.join(" ", ids.stream().map(value).toList());
        if (s.length() > MAX_IDS) {
            throw new InvalidValueException(field, s.length() + " characters", "must be at most " + MAX_IDS
                    + " characters joined by spaces");
        }
        return s;
    }

    /**
     * Inserts the notices on {@code c}, in the caller's transaction, each pending and due at its recording instant.
     * Notices whose id is stored already are left as they are (their cause was written before): they are looked up
     * first under the caller's locks, then the rest inserted as one JDBC batch.
     */
    void insert(Connection c, List<Row> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        Set<String> stored = new HashSet<>();
        List<String> ids = rows.stream().map(r -> r.notice().id()).distinct().toList();
        for (List<String> chunk : Keys.chunks(ids, dialect)) {
            stored.addAll(Sql.query(c, "SELECT notice_id FROM " + notices + " WHERE "
                    + dialect.oneOf("notice_id", chunk.size()), ps -> dialect.bindKeys(c, ps, 1, chunk),
                    rs -> rs.getString(1)));
        }
        List<Row> fresh = new ArrayList<>(rows.size());
        for (Row r : rows) {
            if (stored.add(r.notice().id())) { // else stored before, or twice in this list
                fresh.add(r);
            }
        }
        Sql.batch(c, "INSERT INTO " + notices + " (notice_id, subject, recipient_id, recipient_name, recipient_role,"
                + " action, purposes, categories, request_id, occurred_at, recorded_at, state, attempts, due_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)", fresh, (ps, r) -> {
                    RecipientNotice n = r.notice();
                    ps.setString(1, n.id());
                    ps.setString(2, n.subject().value());
                    ps.setString(3, n.recipientId());
                    ps.setString(4, n.recipientName());
                    ps.setString(5, n.role().name());
                    ps.setString(6, n.action().name());
                    ps.setString(7, r.purposes());
                    ps.setString(8, r.categories());
                    ps.setString(9, n.requestId().orElse(null));
                    dialect.setInstant(ps, 10, n.occurredAt());
                    dialect.setInstant(ps, 11, n.recordedAt());
                    ps.setString(12, OutboxEntry.State.PENDING.name());
                    dialect.setInstant(ps, 13, n.recordedAt());
                });
    }

    // -------------------------------------------------------------------------------------------- claims

    /**
     * The steps of claiming up to {@code limit} due notices for {@code owner}, for {@link Dialect#claim}; checked
     * before any connection is borrowed. The lease end is stored rounded up to the microsecond.
     *
     * @throws InvalidValueException when the limit, owner or lease breaks its rule
     */
    Dialect.Claiming<OutboxEntry, NoticeClaim> claiming(Instant now, int limit, String owner, Duration lease) {
        StoreArguments.limit(limit);
        Checks.text("owner", owner, 100);
        StoreArguments.lease(Checks.required("lease", lease));
        Instant at = StoredInstants.roundedDown("now", now, dialect);
        Instant leaseUntil = StoredInstants.roundedUp("leaseUntil", now.plus(lease), dialect);
        String pick = "SELECT " + columns + " FROM " + notices + " WHERE " + CLAIMABLE
                + " ORDER BY due_at, notice_id LIMIT ?";
        return new Dialect.Claiming<>() {
            @Override
            public String operation() {
                return "claimNotices";
            }

            @Override
            public List<OutboxEntry> pick(Connection c, int limit, String lockClause) throws SQLException {
                return Sql.query(c, pick + lockClause, ps -> bindClaimable(ps, at, limit), OutboxRepository.this::entry);
            }

            @Override
            public List<NoticeClaim> claimLocked(Connection c, List<OutboxEntry> picked) throws SQLException {
                List<NoticeClaim> claims = picked.stream().map(e -> new NoticeClaim(e, UUID.randomUUID().toString(),
                        owner, leaseUntil, e.attempts() + 1)).toList();
                // the rows are locked by this transaction: every update applies
                Sql.batch(c, "UPDATE " + notices + " SET claim_token = ?, claim_owner = ?, lease_until = ?"
                        + " WHERE notice_id = ?", claims, OutboxRepository.this::bindClaim);
                return claims;
            }

            @Override
            public List<NoticeClaim> claimUnchanged(Connection c, List<OutboxEntry> candidates) throws SQLException {
                List<NoticeClaim> won = new ArrayList<>();
                for (OutboxEntry e : candidates) {
                    NoticeClaim claim = new NoticeClaim(e, UUID.randomUUID().toString(), owner, leaseUntil,
                            e.attempts() + 1);
                    int updated = Sql.update(c, "UPDATE " + notices + " SET claim_token = ?, claim_owner = ?,"
                            + " lease_until = ? WHERE notice_id = ? AND attempts = ? AND " + CLAIMABLE, ps -> {
                                bindClaim(ps, claim);
                                ps.setInt(5, e.attempts());
                                dialect.setInstant(ps, 6, at);
                                dialect.setInstant(ps, 7, at);
                            });
                    if (updated == 1) {
                        won.add(claim);
                    }
                }
                return won;
            }
        };
    }

    private void bindClaimable(PreparedStatement ps, Instant at, int limit) throws SQLException {
        dialect.setInstant(ps, 1, at);
        dialect.setInstant(ps, 2, at);
        ps.setInt(3, limit);
    }

    private void bindClaim(PreparedStatement ps, NoticeClaim claim) throws SQLException {
        ps.setString(1, claim.token());
        ps.setString(2, claim.owner());
        dialect.setInstant(ps, 3, claim.leaseUntil());
        ps.setString(4, claim.entry().notice().id());
    }

    /** A finish checked against what the tables hold, before any connection is borrowed. */
    record Finish(NoticeFinish finish, Instant at, Instant retryAt, String purposes, String categories) {
    }

    /**
     * Checks a finish before its transaction starts: the audit instant exact to the microsecond, the retry instant
     * rounded up, the id lists within {@value #MAX_IDS} characters.
     *
     * @throws InvalidValueException for the first value that breaks a rule; nothing is written
     */
    Finish finish(NoticeFinish finish) {
        Checks.required("finish", finish);
        DeliveryRecord audit = finish.audit();
        return new Finish(finish, StoredInstants.exact("audit.at", audit.at(), dialect),
                finish.retryAt().map(t -> StoredInstants.roundedUp("retryAt", t, dialect)).orElse(null),
                joined("audit.purposes", audit.purposes(), PurposeId::value),
                joined("audit.categories", audit.categories(), CategoryId::value));
    }

    /**
     * Finishes a claimed notice: the token-checked update of the notice (delivered, or failed and due again), the audit
     * entry with the next sequence from the counter row (locked until commit, so sequences are gapless and become
     * visible in order), and for a delivery of a request's notice the request's history step, read with a locking read
     * and saved over its version. A lapsed claim is a rollback with {@code false}; an audit sequence stored already
     * is a unique violation, answered by {@link #counterBehindAudit}.
     */
    Outcome<Boolean> finish(Connection c, Finish f) throws SQLException {
        NoticeClaim claim = f.finish().claim();
        RecipientNotice n = claim.entry().notice();
        DeliveryRecord audit = f.finish().audit();
        boolean delivered = audit.outcome() == DeliveryRecord.Outcome.DELIVERED;
        int updated;
        if (delivered) {
            updated = Sql.update(c, "UPDATE " + notices + " SET state = ?, due_at = NULL, delivered_at = ?,"
                    + " claim_token = NULL, claim_owner = NULL, lease_until = NULL WHERE notice_id = ? AND claim_token = ?",
                    ps -> {
                        ps.setString(1, OutboxEntry.State.DELIVERED.name());
                        dialect.setInstant(ps, 2, f.at());
                        ps.setString(3, n.id());
                        ps.setString(4, claim.token());
                    });
        } else {
            updated = Sql.update(c, "UPDATE " + notices + " SET attempts = ?, due_at = ?, last_failure = ?,"
                    + " claim_token = NULL, claim_owner = NULL, lease_until = NULL WHERE notice_id = ? AND claim_token = ?",
                    ps -> {
                        ps.setInt(1, claim.attempt());
                        dialect.setInstant(ps, 2, f.retryAt());
                        ps.setString(3, audit.failure().orElseThrow());
                        ps.setString(4, n.id());
                        ps.setString(5, claim.token());
                    });
        }
        if (updated != 1) {
            return Outcome.rollback(false); // the lease lapsed and another dispatcher claimed it
        }
        long seq = advanceCounter(c);
        Sql.update(c, "INSERT INTO " + deliveries + " (seq, recorded_at, notice_id, recipient_id, action, purposes,"
                + " categories, outcome, attempt, node, failure) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
                    ps.setLong(1, seq);
                    dialect.setInstant(ps, 2, f.at());
                    ps.setString(3, audit.noticeId());
                    ps.setString(4, audit.recipientId());
                    ps.setString(5, audit.action().name());
                    ps.setString(6, f.purposes());
                    ps.setString(7, f.categories());
                    ps.setString(8, audit.outcome().name());
                    ps.setInt(9, audit.attempt());
                    ps.setString(10, audit.node());
                    ps.setString(11, audit.failure().orElse(null));
                });
        if (delivered && f.finish().historyNote().isPresent() && n.requestId().isPresent()) {
            addHistoryStep(c, n, f.at(), f.finish().historyNote().get());
        }
        return Outcome.commit(true);
    }

    /** The failure when an audit sequence taken from the counter is stored already. */
    StoreException counterBehindAudit() {
        return new StoreException("finishNotice", "the delivery audit sequence taken from " + counter
                + " is already used in " + deliveries + ": the counter is behind the audit (a partial restore or"
                + " manual edit?)");
    }

    private long advanceCounter(Connection c) throws SQLException {
        if (Sql.update(c, "UPDATE " + counter + " SET last_seq = last_seq + 1 WHERE id = 1", Sql.NO_PARAMETERS) != 1) {
            throw new StoreException("finishNotice", "the delivery counter row (id 1) is missing from " + counter
                    + "; the schema is incomplete: apply V10__outbox.sql or let the store create its schema");
        }
        return Sql.queryOne(c, "SELECT last_seq FROM " + counter + " WHERE id = 1", Sql.NO_PARAMETERS,
                rs -> rs.getLong(1)).orElseThrow();
    }

    /** The request's history step for a delivery, if the request is stored and is about the notice's subject. */
    private void addHistoryStep(Connection c, RecipientNotice n, Instant at, String note) throws SQLException {
        Optional<RightsRequest> stored = requests.lock(c, n.requestId().get());
        if (stored.isEmpty() || !stored.get().subject().equals(n.subject())) {
            return; // a notice never writes another subject's request
        }
        requests.replaceLocked(c, stored.get(), DeliveryHistory.withDelivery(stored.get(), at, note));
    }

    // --------------------------------------------------------------------------------------------- reads

    Optional<OutboxEntry> find(Connection c, String id) throws SQLException {
        return Sql.queryOne(c, "SELECT " + columns + " FROM " + notices + " WHERE notice_id = ?",
                ps -> ps.setString(1, id), this::entry);
    }

    /** The subject's notices, oldest first. */
    List<OutboxEntry> ofSubject(Connection c, SubjectId subject) throws SQLException {
        return List.copyOf(Sql.query(c, "SELECT " + columns + " FROM " + notices
                + " WHERE subject = ? ORDER BY recorded_at, notice_id", ps -> ps.setString(1, subject.value()),
                this::entry));
    }

    /**
     * The pending notices counted up to {@code limit} (one more is read to tell whether there are more) and the
     * earliest due instant among them; both over the due index, which holds only pending notices.
     */
    OutboxBacklog backlog(Connection c, int limit) throws SQLException {
        int counted = Sql.queryOne(c, "SELECT COUNT(*) FROM (SELECT notice_id FROM " + notices
                + " WHERE due_at IS NOT NULL ORDER BY due_at, notice_id LIMIT ?) pending",
                ps -> ps.setInt(1, limit + 1), rs -> rs.getInt(1)).orElse(0);
        if (counted == 0) {
            return OutboxBacklog.EMPTY;
        }
        Instant oldest = Sql.queryOne(c, "SELECT " + dialect.selectInstant("due_at") + " FROM " + notices
                + " WHERE due_at IS NOT NULL ORDER BY due_at, notice_id LIMIT 1", Sql.NO_PARAMETERS,
                rs -> dialect.getInstant(rs, 1)).orElseThrow();
        return new OutboxBacklog(Math.min(counted, limit), counted > limit, Optional.of(oldest));
    }

    /** Up to {@code limit} audit entries after {@code afterSequence}, in sequence order. */
    List<DeliveryRecord> deliveries(Connection c, long afterSequence, int limit) throws SQLException {
        return List.copyOf(Sql.query(c, "SELECT seq, " + dialect.selectInstant("recorded_at") + ", notice_id,"
                + " recipient_id, action, purposes, categories, outcome, attempt, node, failure FROM " + deliveries
                + " WHERE seq > ? ORDER BY seq LIMIT ?", ps -> {
                    ps.setLong(1, afterSequence);
                    ps.setInt(2, limit);
                }, rs -> new DeliveryRecord(rs.getLong(1), dialect.getInstant(rs, 2), rs.getString(3),
                        rs.getString(4), NoticeAction.valueOf(rs.getString(5)),
                        ids(rs.getString(6), PurposeId::of), ids(rs.getString(7), CategoryId::of),
                        DeliveryRecord.Outcome.valueOf(rs.getString(8)), rs.getInt(9), rs.getString(10),
                        Optional.ofNullable(rs.getString(11)))));
    }

    private OutboxEntry entry(ResultSet rs) throws SQLException {
        RecipientNotice n = new RecipientNotice(rs.getString(1), SubjectId.of(rs.getString(2)),
                rs.getString(3), rs.getString(4), Recipient.Role.valueOf(rs.getString(5)),
                NoticeAction.valueOf(rs.getString(6)), ids(rs.getString(7), PurposeId::of),
                ids(rs.getString(8), CategoryId::of), Optional.ofNullable(rs.getString(9)),
                dialect.getInstant(rs, 10), dialect.getInstant(rs, 11));
        return new OutboxEntry(n, OutboxEntry.State.valueOf(rs.getString(12)), rs.getInt(13),
                Optional.ofNullable(dialect.getInstant(rs, 14)), Optional.ofNullable(dialect.getInstant(rs, 15)),
                Optional.ofNullable(rs.getString(16)));
    }

    private static <T extends Comparable<? super T>> SortedSet<T> ids(String joined, Function<String, T> of) {
        SortedSet<T> out = new TreeSet<>();
        if (joined != null && !joined.isEmpty()) {
            Arrays.stream(joined.split(" ")).map(of).forEach(out::add);
        }
        return out;
    }
}
