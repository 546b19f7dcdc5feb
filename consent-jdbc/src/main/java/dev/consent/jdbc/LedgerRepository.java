package dev.consent.jdbc;

import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.jdbc.Transactions.SqlWork;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.store.ConsentStore.AppendResult;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The ledger: table {@code events} (one row per consent event, mapped by {@link EventRows}; primary key (subject,
 * seq), event id unique) and {@code heads} (per subject, the sequence and hash of its chain's last event), and the
 * append and prune that change them together with the change feed, the links they read and the checkpoints. Every
 * method runs on the connection it is handed, inside the caller's transaction; none commits, and what must be
 * rolled back is returned as an {@link Outcome}.
 */
final class LedgerRepository {
    private static final String LOCKED_IN_ORDER = " ORDER BY subject FOR UPDATE";

    private final Dialect dialect;
    private final String prefix;
    private final String events;
    private final String heads;
    private final String eventColumns;
    private final ChangeFeedRepository feed;
    private final LinkRepository links;
    private final CheckpointRepository checkpoints;

    LedgerRepository(Dialect dialect, String prefix, ChangeFeedRepository feed, LinkRepository links,
            CheckpointRepository checkpoints) {
        this.dialect = dialect;
        this.prefix = prefix;
        this.events = prefix + "events";
        this.heads = prefix + "heads";
        this.eventColumns = EventRows.columns(null, dialect);
        this.feed = feed;
        this.links = links;
        this.checkpoints = checkpoints;
    }

    /** The events table's name (the decision read selects from it). */
    String eventsTable() {
        return events;
    }

    String tablePrefix() {
        return prefix;
    }

    // ------------------------------------------------------------------------------------------ reads

    /** The heads of the chains of {@code keys} (subject ids), in chunks. */
    Map<SubjectId, ChainHead> heads(Connection c, List<String> keys) throws SQLException {
        Map<SubjectId, ChainHead> out = new HashMap<>();
        for (List<String> chunk : Keys.chunks(keys, dialect)) {
            readHeads(c, chunk, "", out);
        }
        return out;
    }

    /** As {@link #heads}, locking the rows in {@code sortedKeys}' order (the order every writer locks them in). */
    Map<SubjectId, ChainHead> lockHeads(Connection c, List<String> sortedKeys) throws SQLException {
        Map<SubjectId, ChainHead> out = new HashMap<>();
        for (List<String> chunk : Keys.chunks(sortedKeys, dialect)) {
            readHeads(c, chunk, LOCKED_IN_ORDER, out);
        }
        return out;
    }

    private void readHeads(Connection c, List<String> chunk, String lockClause, Map<SubjectId, ChainHead> into)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT subject, seq, head_hash FROM " + heads + " WHERE "
                + dialect.oneOf("subject", chunk.size()) + lockClause)) {
            dialect.bindKeys(c, ps, 1, chunk);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    SubjectId s = SubjectId.of(rs.getString(1));
                    into.put(s, new ChainHead(s, rs.getLong(2), rs.getString(3)));
                }
            }
        }
    }

    /** The events of {@code keys} (event ids) that are stored, in chunks. */
    Map<EventId, ConsentEvent> findEvents(Connection c, List<String> keys) throws SQLException {
        Map<EventId, ConsentEvent> out = new HashMap<>();
        for (List<String> chunk : Keys.chunks(keys, dialect)) {
            for (ConsentEvent e : Sql.query(c, "SELECT " + eventColumns + " FROM " + events + " WHERE "
                    + dialect.oneOf("event_id", chunk.size()), ps -> dialect.bindKeys(c, ps, 1, chunk),
                    rs -> EventRows.read(rs, 1, dialect))) {
                out.put(e.id(), e);
            }
        }
        return out;
    }

    /** Up to {@code limit} events of {@code subject} after {@code afterSequence}, in sequence order. */
    List<ConsentEvent> events(Connection c, SubjectId subject, long afterSequence, int limit) throws SQLException {
        return Sql.query(c, "SELECT " + eventColumns + " FROM " + events
                + " WHERE subject = ? AND seq > ? ORDER BY seq LIMIT ?", ps -> {
                    ps.setString(1, subject.value());
                    ps.setLong(2, afterSequence);
                    ps.setInt(3, limit);
                }, rs -> EventRows.read(rs, 1, dialect));
    }

    /** Which of {@code keys} (event ids) are stored, in chunks. */
    Set<EventId> storedEventIds(Connection c, List<String> keys) throws SQLException {
        Set<EventId> out = new LinkedHashSet<>();
        for (List<String> chunk : Keys.chunks(keys, dialect)) {
            out.addAll(Sql.query(c, "SELECT event_id FROM " + events + " WHERE " + dialect.oneOf("event_id",
                    chunk.size()), ps -> dialect.bindKeys(c, ps, 1, chunk), rs -> EventId.of(rs.getString(1))));
        }
        return out;
    }

    // ----------------------------------------------------------------------------------------- writes

    /**
     * Appends a batch that does not contradict itself, in this order: lock the head rows of the chains the batch
     * continues ({@code SELECT ... FOR UPDATE}, in sorted order) and compare them with the batch, unless the batch
     * continues one chain and names no visitor (then the compare-and-set of step 3 takes that one lock); read the links
     * of the visitors among the subjects with a locking read (only a visitor can be linked, so a batch of customers
     * reads none); write the rows in the dialect's fewest round trips ({@link Dialect#writeAppend}: update those heads
     * (compare-and-set on sequence and hash), insert the heads of new chains (a head that exists already is a unique
     * violation, hence a conflict), insert the events, queue the notification, insert the change-feed entries, not yet
     * numbered ({@link ChangeFeedRepository}: no lock is taken for the feed, so a host's transaction that appended
     * holds only the head rows of its own subjects until it commits); run {@code alsoWrite} (the recipients' notices the
     * events caused). A refusal rolls back and then reads the conflicts.
     */
    Outcome<AppendResult> append(Connection c, AppendPlan plan, SqlWork<Void> alsoWrite) throws SQLException {
        return append(c, plan, alsoWrite, null);
    }

    /**
     * As {@link #append(Connection, AppendPlan, SqlWork)}; with a {@code savepoint}, the batch must be one the dialect
     * writes in one statement with it ({@link Dialect#writesAppendInOneStatement}), continue at most one chain, name no
     * visitor and write nothing else, so that the statement is the only one this runs.
     */
    Outcome<AppendResult> append(Connection c, AppendPlan plan, SqlWork<Void> alsoWrite,
            Transactions.StatementSavepoint savepoint) throws SQLException {
        // 1. Lock and compare the heads of the chains the batch continues. A new chain has no head row to lock: its
        // head row is inserted in step 3, and if the subject has one already (a concurrent first append, or a head
        // this batch did not expect) that insert is a unique violation, answered as a conflict after the rollback.
        // Not reading them saves a lookup per new subject, the whole of this step for a batch of first-time subjects.
        List<AppendPlan.Group> updates = new ArrayList<>();
        TreeMap<String, AppendPlan.Group> inserts = new TreeMap<>(); // sorted: head rows are inserted in one order too
        List<String> visitors = new ArrayList<>();
        for (AppendPlan.Group g : plan.groups.values()) {
            if (g.isNewChain()) {
                inserts.put(g.subject.value(), g);
            } else {
                updates.add(g);
            }
            if (VisitorId.from(g.subject).isPresent()) {
                visitors.add(g.subject.value());
            }
        }
        // One continued chain and no links to read: the compare-and-set update locks that one head row itself, and
        // there is no second head row (nor a links row) it could be locked in the wrong order with. Otherwise the
        // heads are locked first, in sorted order, as every writer locks them, before the links are read.
        if (savepoint != null && (updates.size() > 1 || !visitors.isEmpty())) {
            throw new IllegalStateException("an append in one statement continues at most one chain and names no "
                    + "visitor; this one continues " + updates.size() + " and names " + visitors.size());
        }
        if (updates.size() > 1 || (!updates.isEmpty() && !visitors.isEmpty())) {
            List<String> continued = new ArrayList<>(updates.size());
            updates.forEach(g -> continued.add(g.subject.value()));
            continued.sort(null);
            Map<SubjectId, ChainHead> locked = lockHeads(c, continued);
            Set<SubjectId> moved = new LinkedHashSet<>();
            for (AppendPlan.Group g : updates) {
                if (!g.follows(locked.get(g.subject))) {
                    moved.add(g.subject);
                }
            }
            if (!moved.isEmpty()) {
                return Outcome.rollbackThen(x -> plan.conflicts(x, moved, this));
            }
        }

        // 2. The customers of the visitors appended to: their change too. A link that commits after this read gives
        // the customer an entry of its own, or the numbering finds it (ChangeFeedRepository#number).
        visitors.sort(null);
        Map<SubjectId, SubjectId> customers = visitors.isEmpty() ? Map.of() : links.lockCustomers(c, visitors);
        List<SubjectId> changed = new ArrayList<>();
        for (SubjectId s : plan.groups.keySet()) {
            changed.add(s);
            SubjectId customer = customers.get(s);
            if (customer != null) {
                changed.add(customer);
            }
        }

        // 3. Heads, events, change feed and notification (PostgreSQL delivers it on commit, and not at all on
        // rollback). The locks make the compare in the heads' update redundant where they were taken; it stays as a
        // second guard, and is the guard where they were not.
        List<Dialect.HeadMove> moves = new ArrayList<>(updates.size());
        for (AppendPlan.Group g : updates) {
            moves.add(g.headMove());
        }
        List<Dialect.HeadMove> created = new ArrayList<>(inserts.size());
        for (AppendPlan.Group g : inserts.values()) {
            created.add(g.headMove());
        }
        Set<SubjectId> notMoved = new LinkedHashSet<>();
        for (String s : dialect.writeAppend(c, new Dialect.AppendRows(heads, moves, created, events, plan.events,
                feed.entries(changed, plan.latestRecordedAt())), savepoint)) {
            notMoved.add(SubjectId.of(s));
        }
        if (!notMoved.isEmpty()) {
            return Outcome.rollbackThen(x -> plan.conflicts(x, notMoved, this));
        }
        alsoWrite.run(c);
        return Outcome.commit(AppendResult.appended(new LinkedHashSet<>(changed)));
    }

    /**
     * Prunes a chain up to a checkpoint: the subject's head row is locked first (the lock appends take), so a prune
     * and an append of the same subject are serialised; then the checkpoint and the event it names are compared, the
     * events up to it deleted and the checkpoint stored. Refused (rolled back, false) when the chain is unknown, the
     * checkpoint would move back, or the named event is not the stored one.
     */
    Outcome<Boolean> prune(Connection c, ChainCheckpoint checkpoint) throws SQLException {
        String subject = checkpoint.subject().value();
        if (lockHeads(c, List.of(subject)).isEmpty()) {
            return Outcome.rollback(false);
        }
        Optional<ChainCheckpoint> previous = checkpoints.find(c, checkpoint.subject());
        if (previous.isPresent() && previous.get().sequence() >= checkpoint.sequence()) {
            return Outcome.rollback(false); // a checkpoint never moves back
        }
        Optional<String> hash = Sql.queryOne(c, "SELECT event_hash FROM " + events + " WHERE subject = ? AND seq = ?",
                ps -> {
                    ps.setString(1, subject);
                    ps.setLong(2, checkpoint.sequence());
                }, rs -> rs.getString(1));
        if (!hash.equals(Optional.of(checkpoint.hash()))) {
            return Outcome.rollback(false);
        }
        Sql.update(c, "DELETE FROM " + events + " WHERE subject = ? AND seq <= ?", ps -> {
            ps.setString(1, subject);
            ps.setLong(2, checkpoint.sequence());
        });
        checkpoints.save(c, checkpoint, previous.isPresent());
        return Outcome.commit(true);
    }
}
