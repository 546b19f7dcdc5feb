package dev.consent.jdbc;

import dev.consent.StoreException;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.ConsentEvent;
import dev.consent.retention.Anchor;
import dev.consent.store.Claim;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetainedItem;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.IntStream;
import javax.sql.DataSource;

/**
 * PostgreSQL 12+: instants in {@code TIMESTAMP(6) WITH TIME ZONE}; a set of keys travels as one {@code text[]}
 * parameter, so every chunk is the same statement; schema initializers serialise on an advisory lock; commits notify
 * listeners. Bulk writes are one statement over array parameters per chunk ({@code INSERT ... SELECT FROM unnest},
 * {@code UPDATE ... FROM unnest}): the server plans and executes one statement per chunk instead of one per row, which
 * is what a JDBC batch of row statements costs here (the driver pipelines the rows, but each is its own execution).
 * Instants in arrays travel as text with an explicit UTC offset, which the server parses exactly whatever the
 * session's TimeZone.
 */
final class PostgresDialect implements Dialect {

    @Override
    public Database database() {
        return Database.POSTGRESQL;
    }

    @Override
    public String schemaDirectory() {
        return "postgresql";
    }

    /** One array parameter, not one per key: the limit is result size, not the protocol's 32767 bind parameters. */
    @Override
    public int chunkSize() {
        return 5_000;
    }

    /*
     * One key is compared with "= ?", not "= ANY(?)": the server plans "= ANY($1)" afresh on every execution (its
     * generic plan, costed for an array of unknown length, never beats the custom one), which took ~0.1 ms of planning
     * per single-subject lookup, more than the lookup itself. "= $1" gets a cached generic plan after five executions.
     */
    @Override
    public String oneOf(String column, int count) {
        return count == 1 ? column + " = ?" : column + " = ANY(?)";
    }

    @Override
    public int bindKeys(Connection c, PreparedStatement ps, int index, List<String> keys) throws SQLException {
        return bindKeys(c, ps, index, keys, 1);
    }

    /** One array, encoded once, for every condition: encoding (quoting every key) is most of binding's cost. */
    @Override
    public int bindKeys(Connection c, PreparedStatement ps, int index, List<String> keys, int times)
            throws SQLException {
        Object value = keys.size() == 1 ? keys.get(0) : c.createArrayOf("text", keys.toArray());
        for (int t = 0; t < times; t++) {
            ps.setObject(index + t, value);
        }
        return index + times;
    }

    /** The predicate of the partial index {@code items_undated_ix}, word for word, so the planner matches it. */
    @Override
    public UndatedScan undatedScan() {
        return new UndatedScan("state = 'ACTIVE' AND due_at IS NULL", List.of("subject", "category", "purpose"));
    }

    /** An advisory lock keyed by the name's hash; {@code pg_advisory_lock} waits as long as lock_timeout allows. */
    @Override
    public void lockSchema(Connection c, String name, int timeoutSeconds) throws SQLException {
        Sql.query(c, "SELECT set_config('lock_timeout', ?, false)", ps -> ps.setString(1, timeoutSeconds + "s"),
                rs -> rs.getString(1));
        try {
            Sql.query(c, "SELECT pg_advisory_lock(?)", ps -> ps.setLong(1, advisoryKey(name)), rs -> rs.getObject(1));
        } finally {
            Sql.update(c, "RESET lock_timeout", Sql.NO_PARAMETERS);
        }
    }

    @Override
    public void unlockSchema(Connection c, String name) throws SQLException {
        Sql.query(c, "SELECT pg_advisory_unlock(?)", ps -> ps.setLong(1, advisoryKey(name)), rs -> rs.getObject(1));
    }

    /** Delivered when (and only if) the transaction commits; several in one transaction arrive as one. */
    @Override
    public void notifyChanges(Connection c, String channel) throws SQLException {
        Sql.query(c, "SELECT pg_notify(?, '')", ps -> ps.setString(1, channel), rs -> rs.getObject(1));
    }

    @Override
    public PostgresChangeListener changeListener(DataSource dataSource, String channel) {
        return new PostgresChangeListener(dataSource, channel);
    }

    // ------------------------------------------------------------------------------------ ledger writes

    private static final List<Column<ConsentEvent>> EVENT_COLUMNS = List.of(
            Column.text(e -> e.subject().value()), Column.int8(ConsentEvent::sequence), Column.text(e -> e.id().value()),
            Column.text(e -> e.purpose().value()), Column.int4(ConsentEvent::consentVersion),
            Column.text(ConsentEvent::policyVersion), Column.text(e -> e.choice().name()),
            Column.instant(ConsentEvent::occurredAt), Column.instant(ConsentEvent::recordedAt),
            Column.instant(e -> e.expiresAt().orElse(null)), Column.text(e -> e.method().name()),
            Column.text(e -> e.actor().name()),
            Column.int2(e -> e.declaredAge().isPresent() ? (short) e.declaredAge().getAsInt() : null),
            Column.text(e -> e.evidence().noticeId()), Column.text(e -> e.evidence().noticeHash()),
            Column.text(e -> e.evidence().locale()), Column.text(e -> e.evidence().userAgent()),
            Column.text(e -> e.evidence().ip()), Column.text(e -> e.evidence().reference()),
            Column.text(ConsentEvent::previousHash), Column.text(ConsentEvent::hash));

    @Override
    public void insertEvents(Connection c, String table, List<ConsentEvent> events) throws SQLException {
        inChunks(c, "INSERT INTO " + table + " (" + String.join(", ", EventRows.COLUMNS) + ") SELECT * FROM "
                + unnest(EVENT_COLUMNS), events, (ps, chunk) -> {
                    bindArrays(c, ps, 1, EVENT_COLUMNS, chunk);
                    ps.executeUpdate();
                });
    }

    private static final List<Column<dev.consent.email.CampaignRecipient>> RECIPIENT_COLUMNS = List.of(
            Column.text(r -> r.campaign().value()), Column.text(r -> r.subject().value()),
            Column.text(r -> r.purpose().value()), Column.text(r -> r.basis().name()),
            Column.text(r -> r.reason().name()), Column.text(dev.consent.email.CampaignRecipient::policyVersion),
            Column.int4(r -> r.consentVersion().isPresent() ? r.consentVersion().getAsInt() : null),
            Column.text(r -> r.decidingEvent().map(e -> e.subject().value()).orElse(null)),
            Column.int8(r -> r.decidingEvent().map(e -> e.sequence()).orElse(null)),
            Column.instant(dev.consent.email.CampaignRecipient::at));

    /** One {@code INSERT ... SELECT FROM unnest(...)} over array parameters per chunk of {@link #chunkSize()} rows. */
    @Override
    public void insertCampaignRecipients(Connection c, String table, List<dev.consent.email.CampaignRecipient> rows)
            throws SQLException {
        inChunks(c, "INSERT INTO " + table + " (" + CampaignRecipientRepository.COLUMNS + ") SELECT * FROM "
                + unnest(RECIPIENT_COLUMNS), rows, (ps, chunk) -> {
                    bindArrays(c, ps, 1, RECIPIENT_COLUMNS, chunk);
                    ps.executeUpdate();
                });
    }

    @Override
    public void insertHeads(Connection c, String table, List<HeadMove> heads) throws SQLException {
        List<Column<HeadMove>> columns = List.of(Column.text(HeadMove::subject), Column.int8(HeadMove::toSeq),
                Column.text(HeadMove::toHash));
        inChunks(c, "INSERT INTO " + table + " (subject, seq, head_hash) SELECT * FROM " + unnest(columns), heads,
                (ps, chunk) -> {
                    bindArrays(c, ps, 1, columns, chunk);
                    ps.executeUpdate();
                });
    }

    @Override
    public Set<String> moveHeads(Connection c, String table, List<HeadMove> moves) throws SQLException {
        List<Column<HeadMove>> columns = List.of(Column.text(HeadMove::subject), Column.int8(HeadMove::fromSeq),
                Column.text(HeadMove::fromHash), Column.int8(HeadMove::toSeq), Column.text(HeadMove::toHash));
        Set<String> notMoved = new LinkedHashSet<>();
        moves.forEach(m -> notMoved.add(m.subject()));
        inChunks(c, "UPDATE " + table + " h SET seq = m.to_seq, head_hash = m.to_hash FROM " + unnest(columns)
                + " AS m(subject, from_seq, from_hash, to_seq, to_hash)"
                + " WHERE h.subject = m.subject AND h.seq = m.from_seq AND h.head_hash = m.from_hash"
                + " RETURNING h.subject", moves, (ps, chunk) -> {
                    bindArrays(c, ps, 1, columns, chunk);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            notMoved.remove(rs.getString(1));
                        }
                    }
                });
        return notMoved;
    }

    @Override
    public void insertChanges(Connection c, String table, List<String> subjects, long[] stamps, Instant writtenAt)
            throws SQLException {
        if (subjects.size() == 1) {
            Dialect.super.insertChanges(c, table, subjects, stamps, writtenAt);
            return;
        }
        List<Integer> rows = IntStream.range(0, subjects.size()).boxed().toList();
        List<Column<Integer>> columns = List.of(Column.text(subjects::get), Column.int8(i -> stamps[i]));
        inChunks(c, "INSERT INTO " + table + " (subject, stamp, written_at) SELECT s, st, ? FROM " + unnest(columns)
                + " WITH ORDINALITY AS f(s, st, n) ORDER BY n", rows, (ps, chunk) -> {
                    setInstant(ps, 1, writtenAt);
                    bindArrays(c, ps, 2, columns, chunk);
                    ps.executeUpdate();
                });
    }

    /**
     * Up to one chunk of each kind of row: one statement, one round trip, with a data-modifying {@code WITH} per kind
     * of row: the heads' compare-and-set update ({@code RETURNING} the subjects it moved, which the statement returns),
     * the new heads, the events and the feed entries inserted from array parameters, and the notification queued. The
     * statement is atomic: a unique violation in any part undoes every part. The update runs first and the inserts
     * read how many heads it moved, inserting nothing unless it moved every one, so the head rows are locked before
     * anything is inserted, as in the statements one by one, and a statement that moved one head or none either wrote
     * everything or nothing. Larger appends write kind by kind, as {@link Dialect#writeAppend} does.
     */
    @Override
    public Set<String> writeAppend(Connection c, AppendRows rows) throws SQLException {
        FeedEntries f = rows.entries();
        int chunk = chunkSize();
        if (rows.moves().size() > chunk || rows.created().size() > chunk || rows.events().size() > chunk
                || f.subjects().size() > chunk) {
            return Dialect.super.writeAppend(c, rows);
        }
        return writeAppend(c, rows, null);
    }

    /** The driver sends the statements of one prepared text together, and the server skips the rest after a failure. */
    @Override
    public boolean savepointsTravelWithStatements() {
        return true;
    }

    /** Up to one continued chain and one chunk of events and entries: the statement above does it all or nothing. */
    @Override
    public boolean writesAppendInOneStatement(int continued, int events, int entries) {
        return continued <= 1 && events <= chunkSize() && entries <= chunkSize();
    }

    /**
     * The statement of {@link #writeAppend(Connection, AppendRows)}, preceded by {@code SAVEPOINT} and followed by
     * {@code RELEASE SAVEPOINT} in the same prepared text when {@code savepoint} is given: one round trip. After a
     * failure the server skips the rest of the text, so the savepoint is left for the caller to roll back to.
     */
    @Override
    public Set<String> writeAppend(Connection c, AppendRows rows, Transactions.StatementSavepoint savepoint)
            throws SQLException {
        FeedEntries f = rows.entries();
        List<Column<HeadMove>> moveColumns = List.of(Column.text(HeadMove::subject), Column.int8(HeadMove::fromSeq),
                Column.text(HeadMove::fromHash), Column.int8(HeadMove::toSeq), Column.text(HeadMove::toHash));
        List<Column<HeadMove>> headColumns = List.of(Column.text(HeadMove::subject), Column.int8(HeadMove::toSeq),
                Column.text(HeadMove::toHash));
        List<Integer> entryRows = IntStream.range(0, f.subjects().size()).boxed().toList();
        List<Column<Integer>> entryColumns = List.of(Column.text(f.subjects()::get), Column.int8(i -> f.stamps()[i]));
        StringBuilder sql = new StringBuilder(savepoint == null ? "" : savepoint.set()).append("WITH ");
        // the inserts read the update's count, which makes the update run first and the statement all or nothing
        String allMoved = rows.moves().isEmpty() ? "" : " WHERE (SELECT count(*) FROM moved) = " + rows.moves().size();
        List<String> answers = new ArrayList<>();
        if (!rows.moves().isEmpty()) {
            sql.append("moved AS (UPDATE ").append(rows.heads()).append(" h SET seq = m.to_seq, head_hash = m.to_hash"
                    + " FROM ").append(unnest(moveColumns)).append(" AS m(subject, from_seq, from_hash, to_seq, to_hash)"
                    + " WHERE h.subject = m.subject AND h.seq = m.from_seq AND h.head_hash = m.from_hash"
                    + " RETURNING h.subject), ");
            answers.add("SELECT subject FROM moved");
        }
        if (!rows.created().isEmpty()) {
            sql.append("created AS (INSERT INTO ").append(rows.heads()).append(" (subject, seq, head_hash) SELECT * FROM ")
                    .append(unnest(headColumns)).append(allMoved).append("), ");
        }
        sql.append("appended AS (INSERT INTO ").append(rows.eventsTable()).append(" (")
                .append(String.join(", ", EventRows.COLUMNS)).append(") SELECT * FROM ").append(unnest(EVENT_COLUMNS))
                .append(allMoved).append("), entries AS (INSERT INTO ").append(f.table()).append(" (subject, stamp, written_at)"
                        + " SELECT s, st, ? FROM ").append(unnest(entryColumns))
                .append(" WITH ORDINALITY AS f(s, st, n)").append(allMoved).append(" ORDER BY n) ");
        if (f.channel() != null) {
            answers.add("SELECT NULL FROM (SELECT pg_notify(?, '')) AS notified");
        }
        if (answers.isEmpty()) {
            answers.add("SELECT CAST(NULL AS text) WHERE false");
        }
        sql.append(String.join(" UNION ALL ", answers));
        if (savepoint != null) {
            sql.append(savepoint.release());
        }
        Set<String> notMoved = new LinkedHashSet<>();
        rows.moves().forEach(m -> notMoved.add(m.subject()));
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int i = 1;
            if (!rows.moves().isEmpty()) {
                bindArrays(c, ps, i, moveColumns, rows.moves());
                i += moveColumns.size();
            }
            if (!rows.created().isEmpty()) {
                bindArrays(c, ps, i, headColumns, rows.created());
                i += headColumns.size();
            }
            bindArrays(c, ps, i, EVENT_COLUMNS, rows.events());
            i += EVENT_COLUMNS.size();
            setInstant(ps, i++, f.writtenAt());
            bindArrays(c, ps, i, entryColumns, entryRows);
            i += entryColumns.size();
            if (f.channel() != null) {
                ps.setString(i, f.channel());
            }
            // the savepoint's texts, where given, answer update counts around the statement's rows
            if (savepoint != null) {
                savepoint.sending();
            }
            for (boolean isRows = ps.execute(); isRows || ps.getUpdateCount() != -1; isRows = ps.getMoreResults()) {
                if (!isRows) {
                    continue;
                }
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) {
                        String moved = rs.getString(1);
                        if (moved != null) {
                            notMoved.remove(moved);
                        }
                    }
                }
            }
        }
        return notMoved;
    }

    // ------------------------------------------------------------------------------------ retention claims

    /**
     * Up to one chunk, picks and claims in one statement. The pick is the sweeper's scan ({@code FOR UPDATE SKIP
     * LOCKED} in due order), numbered in that order; an {@code UPDATE} in the same statement gives the nth picked row
     * the nth of {@code limit} tokens made here; the picked items come back in due order with their tokens. A picked
     * row is ACTIVE, so its due_at is its active_due_at and the numbering follows the due index. The database's
     * {@code CURRENT_TIMESTAMP} (the transaction's start, the same instant throughout the statement) judges the leases
     * and starts the new ones, whose end comes back with each row. Larger claims pick, then write the claims as
     * {@link #writeItemClaims} does.
     */
    @Override
    public List<Claim> claimDueItems(Transactions tx, ClaimRepository.DueClaims due, int limit) {
        if (limit > chunkSize()) {
            return Dialect.super.claimDueItems(tx, due, limit);
        }
        List<String> tokens = new ArrayList<>(limit);
        for (int n = 0; n < limit; n++) {
            tokens.add(UUID.randomUUID().toString());
        }
        String numbered = "row_id, subject, category, purpose, anchors, erasure_requested_at, due_at, state, attempts,"
                + " not_before, version";
        String leaseNow = currentInstant();
        // the update finds the picked rows by their physical address (ctid), which the row locks keep still until the
        // statement ends: a TID scan of the picked rows, where a join on the key was planned as a scan of the whole
        // table (a hash join against every row, costed cheaper than one index probe per picked row)
        String sql = "WITH picked AS MATERIALIZED (" + due.pickSql("ctid AS row_id", leaseNow, " FOR UPDATE SKIP LOCKED")
                + "), numbered AS MATERIALIZED (SELECT " + numbered + ", row_number() OVER (ORDER BY due_at, subject,"
                + " category, purpose) AS n FROM picked),"
                + " claimed AS (UPDATE " + due.items() + " i SET claim_token = (?::text[])[p.n], claim_owner = ?,"
                + " lease_until = " + leaseNow + " + CAST(? AS interval) FROM numbered p"
                + " WHERE i.ctid = p.row_id AND i.ctid = ANY(ARRAY(SELECT row_id FROM numbered))"
                + " RETURNING i.subject, i.category, i.purpose, i.claim_token, i.lease_until)"
                + " SELECT p.subject, p.category, p.purpose, p.anchors, p.erasure_requested_at, p.due_at, p.state,"
                + " p.attempts, p.not_before, p.version, k.claim_token, k.lease_until FROM numbered p JOIN claimed k"
                + " ON k.subject = p.subject AND k.category = p.category AND k.purpose = p.purpose ORDER BY p.n";
        return tx.inTransaction(due.operation(), c -> {
            List<Claim> claims = Sql.query(c, sql, ps -> {
                int i = due.bindDueAndBackoff(ps, 1);
                ps.setInt(i++, limit);
                ps.setArray(i++, c.createArrayOf("text", tokens.toArray()));
                ps.setString(i++, due.owner());
                ps.setString(i, due.leaseMicros() + " microseconds");
            }, rs -> {
                RetainedItem item = due.itemRow(rs);
                return new Claim(item, rs.getString(11), due.owner(), getInstant(rs, 12), item.attempts() + 1);
            });
            return claims.isEmpty() ? Outcome.rollback(claims) : Outcome.commit(List.copyOf(claims));
        }, c -> {
            throw new StoreException(due.operation(), "a claim met a unique violation, which no claim can cause");
        });
    }

    /** One {@code UPDATE ... FROM unnest(...)} per chunk. */
    @Override
    public void writeItemClaims(Connection c, ClaimRepository.DueClaims due, List<Claim> claims) throws SQLException {
        List<Column<Claim>> columns = List.of(Column.text(k -> k.item().key().subject().value()),
                Column.text(k -> k.item().key().category().value()), Column.text(k -> k.item().key().purposeKey()),
                Column.text(Claim::token), Column.text(Claim::owner), Column.instant(Claim::leaseUntil));
        inChunks(c, "UPDATE " + due.items() + " i SET claim_token = v.token, claim_owner = v.owner, lease_until = v.lease_until"
                + " FROM " + unnest(columns) + " AS v(subject, category, purpose, token, owner, lease_until)"
                + " WHERE i.subject = v.subject AND i.category = v.category AND i.purpose = v.purpose", claims,
                (ps, chunk) -> {
                    bindArrays(c, ps, 1, columns, chunk);
                    ps.executeUpdate();
                });
    }

    private static final List<Column<Finishing>> FINISH_COLUMNS = List.of(
            Column.text(f -> f.updated().key().subject().value()), Column.text(f -> f.updated().key().category().value()),
            Column.text(f -> f.updated().key().purposeKey()), Column.text(Finishing::token),
            Column.text(f -> f.item().anchors()), Column.instant(f -> f.item().erasureRequestedAt()),
            Column.instant(f -> f.item().dueAt()), Column.text(f -> f.item().state()),
            Column.int4(f -> f.item().attempts()), Column.instant(f -> f.item().notBefore()),
            Column.int8(f -> f.updated().version()));

    private static final List<Column<AuditValues>> AUDIT_COLUMNS = List.of(
            Column.instant(AuditValues::at), Column.text(a -> a.r().itemReference()), Column.text(a -> a.r().category()),
            Column.text(a -> a.r().purpose()), Column.text(a -> a.r().ruleId()), Column.text(a -> a.r().policyVersion()),
            Column.text(a -> a.r().anchor().map(Anchor::name).orElse(null)),
            Column.instant(a -> a.anchorAt().orElse(null)), Column.instant(AuditValues::cutoff),
            Column.text(a -> a.r().action().name()), Column.text(a -> a.r().outcome().name()),
            Column.int4(a -> a.r().attempt()), Column.text(a -> a.r().idempotencyKey()), Column.text(a -> a.r().node()),
            Column.text(a -> a.r().failure().orElse(null)));

    /** Both halves of a finish, per finish: its item columns, then its audit entry's. */
    private static final List<Column<Finishing>> FINISH_AND_AUDIT_COLUMNS = finishAndAuditColumns();

    private static List<Column<Finishing>> finishAndAuditColumns() {
        List<Column<Finishing>> out = new ArrayList<>(FINISH_COLUMNS);
        AUDIT_COLUMNS.forEach(a -> out.add(a.of(Finishing::audit)));
        return List.copyOf(out);
    }

    /**
     * When no two finishes are for the same item (only then is one statement per chunk the same as the row statements
     * in list order): per chunk, one statement that does all of a finish (one round trip, where there were two). Its
     * {@code UPDATE ... FROM unnest(...) WITH ORDINALITY}, for every row whose token still matches, saves the item if
     * its version is the expected one (else keeps the newer item) and releases the claim, returning the ordinal of
     * each finish still held; the audit entries of those finishes (sent beside them, same ordinals) are numbered in list
     * order, the counter is advanced by their number ({@code UPDATE ... RETURNING}, under its row lock, only when there
     * are any) and they are inserted with the sequences it moved over ({@code INSERT ... SELECT}). Every part of a
     * {@code WITH} runs to completion whether or not the final {@code SELECT} reads it; that {@code SELECT} returns the
     * held ordinals with how many entries were inserted, which must be as many (no counter row, none inserted: fails).
     */
    @Override
    public Optional<List<Boolean>> finishItemClaims(Connection c, ClaimRepository.Finishes finishes)
            throws SQLException {
        List<Finishing> rows = finishes.rows();
        Set<ItemKey> keys = new HashSet<>(rows.size() * 2);
        for (Finishing f : rows) {
            if (!keys.add(f.updated().key())) {
                return Dialect.super.finishItemClaims(c, finishes);
            }
        }
        boolean[] held = new boolean[rows.size()];
        String saved = "i.version = v.version";
        StringBuilder set = new StringBuilder();
        for (String col : ItemValues.COLUMNS) {
            set.append(' ').append(col).append(" = CASE WHEN ").append(saved).append(" THEN v.").append(col)
                    .append(" ELSE i.").append(col).append(" END,");
        }
        StringBuilder audit = new StringBuilder();
        for (int k = 1; k <= AUDIT_COLUMNS.size(); k++) {
            audit.append(", a").append(k);
        }
        String entries = audit.substring(2);
        String sql = "WITH v AS MATERIALIZED (SELECT * FROM " + unnest(FINISH_AND_AUDIT_COLUMNS)
                + " WITH ORDINALITY AS v(subject, category, purpose, token, anchors, erasure_requested_at, due_at, state,"
                + " attempts, not_before, version, " + entries + ", n)),"
                + " f AS (UPDATE " + finishes.items() + " i SET" + set + " version = CASE WHEN " + saved
                + " THEN v.version + 1 ELSE i.version END, " + ClaimRepository.CLEAR_CLAIM + " FROM v"
                + " WHERE i.subject = v.subject AND i.category = v.category AND i.purpose = v.purpose"
                + " AND i.claim_token = v.token RETURNING v.n),"
                + " a AS MATERIALIZED (SELECT " + entries + ", row_number() OVER (ORDER BY v.n) AS k FROM v"
                + " WHERE v.n IN (SELECT n FROM f)),"
                + " c AS (UPDATE " + finishes.audit().counter() + " SET last_seq = last_seq + (SELECT count(*) FROM a)"
                + " WHERE id = 1 AND EXISTS (SELECT 1 FROM a) RETURNING last_seq),"
                + " ins AS (INSERT INTO " + finishes.audit().table() + " (" + AuditValues.COLUMNS + ")"
                + " SELECT c.last_seq - (SELECT count(*) FROM a) + a.k" + audit + " FROM c, a ORDER BY a.k RETURNING 1)"
                + " SELECT f.n, (SELECT count(*) FROM ins) FROM f";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int from = 0; from < rows.size(); from += chunkSize()) {
                List<Finishing> chunk = rows.subList(from, Math.min(rows.size(), from + chunkSize()));
                bindArrays(c, ps, 1, FINISH_AND_AUDIT_COLUMNS, chunk);
                int returned = 0;
                long inserted = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long n = rs.getLong(1);
                        if (n < 1 || n > chunk.size() || held[from + (int) n - 1]) {
                            throw new SQLException("the finish update returned an ordinal it was not given: " + n,
                                    "XX000");
                        }
                        held[from + (int) n - 1] = true;
                        inserted = rs.getLong(2);
                        returned++;
                    }
                }
                if (inserted != returned) { // a failed insert throws; none inserted for held finishes: no counter
                    throw finishes.audit().counterMissing();
                }
            }
        }
        List<Boolean> out = new ArrayList<>(rows.size());
        for (boolean h : held) {
            out.add(h);
        }
        return Optional.of(List.copyOf(out));
    }

    // ------------------------------------------------------------------------------------ array parameters

    /** One column of an {@code unnest(...)} over array parameters: its SQL type, the arrays' element, each row's value. */
    private record Column<T>(String sqlType, String element, Function<T, Object> value) {
        static <T> Column<T> text(Function<T, String> v) {
            return new Column<>("text", "text", v::apply);
        }

        static <T> Column<T> int8(Function<T, Long> v) {
            return new Column<>("int8", "int8", v::apply);
        }

        static <T> Column<T> int4(Function<T, Integer> v) {
            return new Column<>("int4", "int4", v::apply);
        }

        static <T> Column<T> int2(Function<T, Short> v) {
            return new Column<>("int2", "int2", v::apply);
        }

        /** Text with an explicit UTC offset, cast to {@code timestamptz} by the server. */
        static <T> Column<T> instant(Function<T, Instant> v) {
            return new Column<>("timestamptz", "text", r -> {
                Instant t = v.apply(r);
                return t == null ? null : utcText(t);
            });
        }

        /** This column over rows {@code S} that lead to a {@code T}. */
        <S> Column<S> of(Function<S, T> row) {
            return new Column<>(sqlType, element, s -> value.apply(row.apply(s)));
        }
    }

    /**
     * An instant as {@code uuuu-MM-dd HH:mm:ss.SSSSSS+00} (UTC, to the microsecond, truncated), for an array element
     * the server casts to {@code timestamptz}. Written by hand: a sweep converts several instants per item, and a
     * {@code DateTimeFormatter} took about a microsecond each; the years the columns hold (1 to 9999) are four digits.
     */
    static String utcText(Instant t) {
        LocalDateTime d = LocalDateTime.ofEpochSecond(t.getEpochSecond(), t.getNano(), ZoneOffset.UTC);
        int year = d.getYear();
        if (year < 1 || year > 9999) {
            throw new IllegalArgumentException("instant out of the stored range (years 1 to 9999): " + t);
        }
        char[] c = new char[29];
        digits(c, 0, year, 4);
        c[4] = '-';
        digits(c, 5, d.getMonthValue(), 2);
        c[7] = '-';
        digits(c, 8, d.getDayOfMonth(), 2);
        c[10] = ' ';
        digits(c, 11, d.getHour(), 2);
        c[13] = ':';
        digits(c, 14, d.getMinute(), 2);
        c[16] = ':';
        digits(c, 17, d.getSecond(), 2);
        c[19] = '.';
        digits(c, 20, d.getNano() / 1000, 6);
        c[26] = '+';
        c[27] = '0';
        c[28] = '0';
        return new String(c);
    }

    /** Writes {@code value} as {@code width} decimal digits, zero-padded, at {@code at}. */
    private static void digits(char[] c, int at, int value, int width) {
        int v = value;
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + v % 10);
            v /= 10;
        }
    }

    private static <T> String unnest(List<Column<T>> columns) {
        return "unnest(" + String.join(", ", columns.stream().map(c -> "?::" + c.sqlType() + "[]").toList()) + ")";
    }

    private static <T> void bindArrays(Connection c, PreparedStatement ps, int index, List<Column<T>> columns,
            List<T> rows) throws SQLException {
        int i = index;
        for (Column<T> col : columns) {
            ps.setArray(i++, c.createArrayOf(col.element(), rows.stream().map(col.value()).toArray()));
        }
    }

    /** Prepares {@code sql} once and runs it for each chunk of at most {@link #chunkSize()} rows. */
    private <T> void inChunks(Connection c, String sql, List<T> rows, Sql.RowBinder<List<T>> run) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int from = 0; from < rows.size(); from += chunkSize()) {
                run.bind(ps, rows.subList(from, Math.min(rows.size(), from + chunkSize())));
            }
        }
    }

    /** A stable 64-bit key for the lock name: the first 8 bytes of its SHA-256. */
    private static long advisoryKey(String name) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return database().name();
    }
}
