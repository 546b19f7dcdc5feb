package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.internal.Checks;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.recipients.DeliveryHistory;
import dev.consent.recipients.DeliveryRecord;
import dev.consent.recipients.NoticeAction;
import dev.consent.store.NoticeClaim;
import dev.consent.store.NoticeFinish;
import dev.consent.recipients.OutboxEntry;
import dev.consent.recipients.RecipientNotice;
import dev.consent.rights.RightsRequest;
import dev.consent.store.RightsRequestCodec;

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
 * The recipients' outbox of {@link JdbcStore}, in the tables of {@code V10__outbox.sql}: {@code notices} (one row per
 * notice, pending or delivered, with its claim columns), {@code deliveries} (the audit, no personal data) and
 * {@code delivery_counter} (the one-row counter the audit's gapless sequence comes from, locked until commit).
 *
 * <p>Notices are inserted by {@link #insert} on the connection of the transaction that writes their cause (the
 * ledger's append, a rights request's save), so they commit or roll back with it. Claims: on PostgreSQL and MariaDB one
 * transaction picks due rows with {@code FOR UPDATE SKIP LOCKED} and writes token, owner and lease end into them; on
 * H2, whose SKIP LOCKED applies the limit first, candidates are read without locks and each is claimed by an
 * {@code UPDATE} that is conditional on the row being unchanged and still claimable. The claim columns, not a held
 * lock, make a claim exclusive: it outlives its transaction and lapses by itself when its lease ends.
 */
final class OutboxTables {
    /** The most characters of a notice's purposes or categories, joined by spaces. */
    private static final int MAX_IDS = 4_000;
    private static final String COLUMNS = "notice_id, subject, recipient_id, recipient_name, recipient_role, action,"
            + " purposes, categories, request_id, %s, %s, state, attempts, %s, %s, last_failure";
    private static final String CLAIMABLE = "due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)";

    private final Transactions tx;
    private final Dialect dialect;
    private final String notices;
    private final String deliveries;
    private final String counter;
    private final String requests;
    private final String columns;

    OutboxTables(Transactions tx, Dialect dialect, String prefix) {
        this.tx = tx;
        this.dialect = dialect;
        this.notices = prefix + "notices";
        this.deliveries = prefix + "deliveries";
        this.counter = prefix + "delivery_counter";
        this.requests = prefix + "rights_requests";
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
        for (int from = 0; from < ids.size(); from += dialect.chunkSize()) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + dialect.chunkSize()));
            try (PreparedStatement ps = c.prepareStatement("SELECT notice_id FROM " + notices + " WHERE "
                    + dialect.oneOf("notice_id", chunk.size()))) {
                dialect.bindKeys(c, ps, 1, chunk);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        stored.add(rs.getString(1));
                    }
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + notices + " (notice_id, subject, recipient_id,"
                + " recipient_name, recipient_role, action, purposes, categories, request_id, occurred_at, recorded_at,"
                + " state, attempts, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)")) {
            int pending = 0;
            for (Row r : rows) {
                RecipientNotice n = r.notice();
                if (!stored.add(n.id())) {
                    continue; // stored before, or twice in this list
                }
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
                ps.addBatch();
                pending++;
            }
            if (pending > 0) {
                ps.executeBatch();
            }
        }
    }

    // -------------------------------------------------------------------------------------------- claims

    List<NoticeClaim> claimNotices(Instant now, int limit, String owner, Duration lease) {
        positive(limit);
        Checks.text("owner", owner, 100);
        if (Checks.required("lease", lease).isNegative() || lease.isZero()) {
            throw new InvalidValueException("lease", lease, "must be a positive duration");
        }
        Instant at = StoredInstants.roundedDown("now", now, dialect);
        Instant leaseUntil = StoredInstants.roundedUp("leaseUntil", now.plus(lease), dialect);
        String pick = "SELECT " + columns + " FROM " + notices + " WHERE " + CLAIMABLE
                + " ORDER BY due_at, notice_id LIMIT ?";
        return dialect.claim(tx, new Dialect.Claiming<OutboxEntry, NoticeClaim>() {
            @Override
            public String operation() {
                return "claimNotices";
            }

            @Override
            public List<OutboxEntry> pick(Connection c, int limit, String lockClause) throws SQLException {
                return Sql.query(c, pick + lockClause, ps -> bindClaimable(ps, at, limit), OutboxTables.this::entry);
            }

            @Override
            public List<NoticeClaim> claimLocked(Connection c, List<OutboxEntry> picked) throws SQLException {
                List<NoticeClaim> claims = picked.stream().map(e -> new NoticeClaim(e, UUID.randomUUID().toString(),
                        owner, leaseUntil, e.attempts() + 1)).toList();
                // the rows are locked by this transaction: every update applies
                Sql.batch(c, "UPDATE " + notices + " SET claim_token = ?, claim_owner = ?, lease_until = ?"
                        + " WHERE notice_id = ?", claims, OutboxTables.this::bindClaim);
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
        }, limit);
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

    /**
     * One transaction: the token-checked update of the notice (delivered, or failed and due again), the audit entry
     * with the next sequence from the counter row (locked until commit, so sequences are gapless and become visible in
     * order), and for a delivery of a request's notice the request's history step, read with a locking read and saved
     * over its version.
     */
    boolean finishNotice(NoticeFinish finish) {
        Checks.required("finish", finish);
        NoticeClaim claim = finish.claim();
        RecipientNotice n = claim.entry().notice();
        DeliveryRecord audit = finish.audit();
        boolean delivered = audit.outcome() == DeliveryRecord.Outcome.DELIVERED;
        Instant at = StoredInstants.exact("audit.at", audit.at(), dialect);
        Optional<Instant> retryAt = finish.retryAt().map(t -> StoredInstants.roundedUp("retryAt", t, dialect));
        String purposes = joined("audit.purposes", audit.purposes(), PurposeId::value);
        String categories = joined("audit.categories", audit.categories(), CategoryId::value);
        return tx.inTransaction("finishNotice", c -> {
            String update = delivered
                    ? "UPDATE " + notices + " SET state = ?, due_at = NULL, delivered_at = ?, claim_token = NULL,"
                            + " claim_owner = NULL, lease_until = NULL WHERE notice_id = ? AND claim_token = ?"
                    : "UPDATE " + notices + " SET attempts = ?, due_at = ?, last_failure = ?, claim_token = NULL,"
                            + " claim_owner = NULL, lease_until = NULL WHERE notice_id = ? AND claim_token = ?";
            try (PreparedStatement ps = c.prepareStatement(update)) {
                int i = 1;
                if (delivered) {
                    ps.setString(i++, OutboxEntry.State.DELIVERED.name());
                    dialect.setInstant(ps, i++, at);
                } else {
                    ps.setInt(i++, claim.attempt());
                    dialect.setInstant(ps, i++, retryAt.orElseThrow());
                    ps.setString(i++, audit.failure().orElseThrow());
                }
                ps.setString(i++, n.id());
                ps.setString(i, claim.token());
                if (ps.executeUpdate() != 1) {
                    return Outcome.rollback(false); // the lease lapsed and another dispatcher claimed it
                }
            }
            long seq = advanceCounter(c);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + deliveries + " (seq, recorded_at,"
                    + " notice_id, recipient_id, action, purposes, categories, outcome, attempt, node, failure)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, seq);
                dialect.setInstant(ps, 2, at);
                ps.setString(3, audit.noticeId());
                ps.setString(4, audit.recipientId());
                ps.setString(5, audit.action().name());
                ps.setString(6, purposes);
                ps.setString(7, categories);
                ps.setString(8, audit.outcome().name());
                ps.setInt(9, audit.attempt());
                ps.setString(10, audit.node());
                ps.setString(11, audit.failure().orElse(null));
                ps.executeUpdate();
            }
            if (delivered && finish.historyNote().isPresent() && n.requestId().isPresent()) {
                addHistoryStep(c, n, at, finish.historyNote().get());
            }
            return Outcome.commit(true);
        }, c -> {
            throw new StoreException("finishNotice", "the delivery audit sequence taken from " + counter
                    + " is already used in " + deliveries + ": the counter is behind the audit (a partial restore or"
                    + " manual edit?)");
        });
    }

    private long advanceCounter(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + counter + " SET last_seq = last_seq + 1 WHERE id = 1")) {
            if (ps.executeUpdate() != 1) {
                throw new StoreException("finishNotice", "the delivery counter row (id 1) is missing from " + counter
                        + "; the schema is incomplete: apply V10__outbox.sql or let the store create its schema");
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT last_seq FROM " + counter + " WHERE id = 1");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The request's history step for a delivery, if the request is stored and is about the notice's subject. */
    private void addHistoryStep(Connection c, RecipientNotice n, Instant at, String note) throws SQLException {
        RightsRequest stored;
        try (PreparedStatement ps = c.prepareStatement("SELECT document FROM " + requests
                + " WHERE request_id = ? FOR UPDATE")) {
            ps.setString(1, n.requestId().get());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                try {
                    stored = RightsRequestCodec.fromJson(rs.getString(1));
                } catch (RuntimeException e) {
                    throw new SQLException("a stored document of " + requests + " is not a valid request: "
                            + e.getMessage(), "XX001", e);
                }
            }
        }
        if (!stored.subject().equals(n.subject())) {
            return; // a notice never writes another subject's request
        }
        RightsRequest next = DeliveryHistory.withDelivery(stored, at, note);
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + requests + " SET version = ?, document = ?"
                + " WHERE request_id = ? AND version = ?")) {
            ps.setLong(1, next.version());
            ps.setString(2, RightsRequestCodec.toJson(next));
            ps.setString(3, next.id());
            ps.setLong(4, stored.version());
            if (ps.executeUpdate() != 1) {
                // the row is locked by this transaction, so only a document out of step with its column gets here
                throw new SQLException("the version column of request " + next.id() + " in " + requests
                        + " differs from its document", "XX001");
            }
        }
    }

    // --------------------------------------------------------------------------------------------- reads

    Optional<OutboxEntry> notice(String id) {
        Checks.required("id", id);
        return tx.read("notice", c -> Sql.queryOne(c, "SELECT " + columns + " FROM " + notices
                + " WHERE notice_id = ?", ps -> ps.setString(1, id), this::entry));
    }

    List<OutboxEntry> notices(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("notices", c -> List.copyOf(Sql.query(c, "SELECT " + columns + " FROM " + notices
                + " WHERE subject = ? ORDER BY recorded_at, notice_id", ps -> ps.setString(1, subject.value()),
                this::entry)));
    }

    List<DeliveryRecord> deliveries(long afterSequence, int limit) {
        positive(limit);
        return tx.read("deliveries", c -> List.copyOf(Sql.query(c, "SELECT seq, " + dialect.selectInstant("recorded_at")
                + ", notice_id, recipient_id, action, purposes, categories, outcome, attempt, node, failure FROM "
                + deliveries + " WHERE seq > ? ORDER BY seq LIMIT ?", ps -> {
                    ps.setLong(1, afterSequence);
                    ps.setInt(2, limit);
                }, rs -> new DeliveryRecord(rs.getLong(1), dialect.getInstant(rs, 2), rs.getString(3),
                        rs.getString(4), NoticeAction.valueOf(rs.getString(5)),
                        ids(rs.getString(6), PurposeId::of), ids(rs.getString(7), CategoryId::of),
                        DeliveryRecord.Outcome.valueOf(rs.getString(8)), rs.getInt(9), rs.getString(10),
                        Optional.ofNullable(rs.getString(11))))));
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

    private static void positive(int limit) {
        if (limit < 1) {
            throw new InvalidValueException("limit", limit, "must be 1 or more");
        }
    }
}
