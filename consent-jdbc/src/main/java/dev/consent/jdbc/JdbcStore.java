package dev.consent.jdbc;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.EventId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PurposeId;
import dev.consent.processing.ProcessingEntry;
import dev.consent.store.Claim;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.Tombstone;
import dev.consent.rights.RightsRequest;
import dev.consent.store.ConsentStore;
import dev.consent.store.ProcessingStore;
import dev.consent.store.RetentionStore;
import dev.consent.store.RightsStore;
import dev.consent.store.OutboxStore;
import dev.consent.recipients.DeliveryRecord;
import dev.consent.store.NoticeClaim;
import dev.consent.store.NoticeFinish;
import dev.consent.recipients.OutboxEntry;
import dev.consent.recipients.RecipientNotice;
import dev.consent.store.ReceiptStore;
import dev.consent.receipt.ConsentReceipt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The durable store: the consent ledger ({@link ConsentStore}: events, chain heads, visitor links, change feed,
 * pruning checkpoints), retention state ({@link RetentionStore}: retained items and their due index, sweeper
 * claims, legal holds, the disposal audit, tombstones), rights requests ({@link RightsStore}), the recipients'
 * outbox ({@link OutboxStore}: notices written in the transaction of the change that caused them, leased claims, the
 * delivery audit), the processing log ({@link ProcessingStore}, kept by {@code ProcessingTables}) and signed consent
 * receipts ({@link ReceiptStore}), in the tables of
 * an SQL database reached through the host's {@link DataSource}. Create one with {@link #builder(DataSource)}:
 *
 * <pre>{@code
 * JdbcStore store = JdbcStore.builder(dataSource)
 *         .tablePrefix("consent_")       // default
 *         .build();                      // detects the database, creates or migrates the tables
 * }</pre>
 *
 * <p>Guarantees, on H2, PostgreSQL and MariaDB alike:
 * <ul>
 *   <li><b>Atomic, durable appends.</b> {@link #append} writes every event, chain head and change-feed
 *       entry in one transaction: it commits, or it returns a conflict, or it throws
 *       {@link StoreException} after rolling back. Expected conflicts (a head another writer moved, an
 *       event id already stored) are returned as {@link AppendResult#conflict}, never thrown. Only when the
 *       commit itself fails is the outcome unknown (the database may have committed before the connection
 *       broke); the exception then says so.</li>
 *   <li><b>No forked chains across nodes.</b> An append locks the head rows of its subjects
 *       ({@code SELECT ... FOR UPDATE}) and compares-and-sets them; a subject's first head is an insert that
 *       a concurrent first append turns into a unique violation, reported as a conflict. The primary key
 *       (subject, sequence) of the events table is the backstop.</li>
 *   <li><b>Exact round trips.</b> Every field reads back as it was hashed; instants keep their
 *       microseconds whatever the JVM's default zone and the database session's time zone.</li>
 *   <li><b>An in-order change feed.</b> Positions become visible in position order (see {@link #append} for
 *       how), so a poller that has read up to position p never later finds an entry below p. Positions may
 *       have gaps (a rolled-back transaction consumes some); they never decrease.</li>
 *   <li><b>Set-based reads.</b> {@link #decisionFacts}, {@link #heads} and
 *       {@link #findEvents} run one query per chunk of keys (500 per {@code IN} list; on PostgreSQL 5,000 per
 *       {@code = ANY(text[])}). {@link #decisionFacts}, the read behind every decision the consent service
 *       does not find cached, selects only the eleven columns a decision reads.</li>
 *   <li><b>Exclusive, leased claims.</b> {@link #claimDue} and {@link #claimItem} never give one item to two
 *       sweepers while its lease runs ({@code FOR UPDATE SKIP LOCKED} on PostgreSQL and MariaDB, conditional
 *       updates on H2); leases are judged by the database's clock, one for every node, never by a node's own;
 *       {@link #renewClaims} extends and {@link #releaseClaims} gives back claims still held, both token-checked;
 *       {@link #finishClaims} checks the tokens and writes the items and their audit entries for a whole list in
 *       one transaction.</li>
 *   <li><b>Optimistic versions.</b> Items and rights requests are saved only over the version they were read at;
 *       a lost race is {@code false}.</li>
 *   <li><b>Fail closed.</b> Any other {@link SQLException}, including an unreachable database, becomes a
 *       {@link StoreException} naming the operation; connections are always returned.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; share one instance per database and table prefix. Any number of instances on
 * any number of nodes may use the same tables. Connections are borrowed per operation and handed back in the
 * auto-commit mode they came in. Tested at each database's default isolation level (READ COMMITTED on
 * PostgreSQL and H2, REPEATABLE READ on MariaDB); the write paths take the locks they rely on explicitly
 * and read what they decide on with locking reads. On PostgreSQL, REPEATABLE READ or SERIALIZABLE would turn
 * lock waits into serialization failures (retried three times, then thrown): keep it at READ COMMITTED.
 *
 * <p>On PostgreSQL, appends and links notify a channel on commit and {@link #onChanges} listens on it (see there);
 * elsewhere the change feed is only polled. The change feed grows until {@link #pruneChanges} removes its oldest
 * entries.
 */
public final class JdbcStore implements ConsentStore, RetentionStore, RightsStore, OutboxStore, ProcessingStore,
        ReceiptStore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcStore.class);
    private static final Pattern TABLE_PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,20}");
    /** The most change-feed positions one pruning transaction deletes. */
    private static final int PRUNE_CHUNK = 10_000;

    private final Transactions tx;
    private final Dialect dialect;
    private final String prefix;
    private final String events;
    private final String heads;
    private final String links;
    private final String changes;
    private final String feedLock;
    private final String checkpoints;
    private final JdbcRetention retention;
    private final RightsTables rights;
    private final OutboxTables outbox;
    private final ProcessingTables processing;
    private final ReceiptTables receiptTables;
    /** The channel appends and links notify on commit (PostgreSQL only), or null when notifications are off. */
    private final String channel;
    /** Pushes notifications to {@link #onChanges}; null where there are none. */
    private final PostgresChangeListener listener;
    /** The select list of the decision read, and its statement for one subject (built once: a cache miss). */
    private final String factColumns;
    private final String factsOfOne;
    /** How many times the one-subject statements take the subject's id (the dialect's choice, the same for both). */
    private final int oneSubjectParameters;

    private JdbcStore(DataSource dataSource, Dialect dialect, String prefix, boolean notifications) {
        this.tx = new Transactions(dataSource);
        this.dialect = dialect;
        this.prefix = prefix;
        this.events = prefix + "events";
        this.heads = prefix + "heads";
        this.links = prefix + "links";
        this.changes = prefix + "changes";
        this.feedLock = prefix + "feed_lock";
        this.checkpoints = prefix + "checkpoints";
        this.retention = new JdbcRetention(tx, dialect, prefix);
        this.rights = new RightsTables(tx, dialect, prefix);
        this.outbox = new OutboxTables(tx, dialect, prefix);
        this.processing = new ProcessingTables(tx, dialect, prefix);
        this.receiptTables = new ReceiptTables(tx, dialect, prefix);
        PostgresChangeListener push = null;
        if (notifications) {
            try {
                push = dialect.changeListener(dataSource, prefix + "changes");
            } catch (LinkageError e) {
                // PostgreSQL reached through a driver other than org.postgresql: no push, polling only
                LOG.warn("consent store {}: change notifications need the org.postgresql JDBC driver ({}); changes are "
                        + "polled only", prefix, e.toString());
            }
        }
        this.listener = push;
        this.factColumns = EventRows.factColumns("e", dialect);
        this.factsOfOne = dialect.decisionOfOne(decisionSql(factColumns, 1), factColumns, events, links).sql();
        this.oneSubjectParameters = dialect.decisionOfOne(decisionSql(factColumns, 1), factColumns, events, links)
                .keyParameters();
        // other nodes may listen even if this one cannot; databases without notifications ignore the channel
        this.channel = notifications ? prefix + "changes" : null;
    }

    /** Starts configuring a store on the host's data source (ideally a connection pool). */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** The database in use, as configured or detected. */
    public Database database() {
        return dialect.database();
    }

    /** The prefix of every table name. */
    public String tablePrefix() {
        return prefix;
    }

    // ------------------------------------------------------------------------------------------ reads

    @Override
    public Map<SubjectId, ChainHead> heads(Collection<SubjectId> subjects) {
        List<String> keys = distinctValues("subjects", subjects, SubjectId::value);
        if (keys.isEmpty()) {
            return Map.of();
        }
        return tx.read("heads", c -> {
            Map<SubjectId, ChainHead> out = new HashMap<>();
            for (List<String> chunk : chunks(keys)) {
                readHeads(c, chunk, "", out);
            }
            return out;
        });
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

    @Override
    public Map<EventId, ConsentEvent> findEvents(Collection<EventId> ids) {
        List<String> keys = distinctValues("ids", ids, EventId::value);
        if (keys.isEmpty()) {
            return Map.of();
        }
        return tx.read("findEvents", c -> {
            Map<EventId, ConsentEvent> out = new HashMap<>();
            for (List<String> chunk : chunks(keys)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + EventRows.columns(null, dialect) + " FROM "
                        + events + " WHERE " + dialect.oneOf("event_id", chunk.size()))) {
                    dialect.bindKeys(c, ps, 1, chunk);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ConsentEvent e = EventRows.read(rs, 1, dialect);
                            out.put(e.id(), e);
                        }
                    }
                }
            }
            return out;
        });
    }

    @Override
    public List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit) {
        Checks.required("subject", subject);
        if (limit < 1) {
            throw new InvalidValueException("limit", limit, "must be 1 or more");
        }
        return tx.read("events", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + EventRows.columns(null, dialect) + " FROM "
                    + events + " WHERE subject = ? AND seq > ? ORDER BY seq LIMIT ?")) {
                ps.setString(1, subject.value());
                ps.setLong(2, afterSequence);
                ps.setInt(3, limit);
                List<ConsentEvent> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(EventRows.read(rs, 1, dialect));
                    }
                }
                return out;
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>One query per chunk of subjects, selecting only the columns a decision reads: the subjects' own events, and
     * through a join with the links table the events of the visitors linked to them, each row tagged with the subject
     * it answers.
     */
    @Override
    public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects) {
        List<String> keys = distinctValues("subjects", subjects, SubjectId::value);
        Map<String, SubjectId> asked = new HashMap<>(keys.size() * 2);
        Map<String, List<ChoiceFact>> byKey = new HashMap<>(keys.size() * 2);
        Map<SubjectId, List<ChoiceFact>> out = new HashMap<>(keys.size() * 2);
        for (SubjectId s : subjects) {
            if (!asked.containsKey(s.value())) {
                List<ChoiceFact> facts = new ArrayList<>(4);
                asked.put(s.value(), s);
                byKey.put(s.value(), facts);
                out.put(s, facts);
            }
        }
        if (keys.isEmpty()) {
            return out;
        }
        return tx.read("decisionFacts", c -> {
            Map<String, PurposeId> purposes = new HashMap<>();
            for (List<String> chunk : chunks(keys)) {
                try (PreparedStatement ps = c.prepareStatement(chunk.size() == 1 ? factsOfOne
                        : decisionSql(factColumns, chunk.size()))) {
                    dialect.bindKeys(c, ps, 1, chunk, chunk.size() == 1 ? oneSubjectParameters : 2);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            String key = rs.getString(1);
                            byKey.get(key).add(EventRows.readFact(rs, 2, dialect, asked.get(key), purposes));
                        }
                    }
                }
            }
            return out;
        });
    }

    /**
     * The decision read of {@code count} subjects bound twice by {@link Dialect#bindKeys}: each row is
     * tagged in column 1 with the subject asked for, then {@code columns} of the event: the subjects' own events,
     * and through a join with the links table those of the visitors linked to them.
     */
    private String decisionSql(String columns, int count) {
        return "SELECT e.subject AS asked, " + columns + " FROM " + events + " e WHERE " + oneKey("e.subject", count)
                + " UNION ALL SELECT l.customer AS asked, " + columns + " FROM " + links
                + " l JOIN " + events + " e ON e.subject = l.visitor WHERE " + oneKey("l.customer", count);
    }

    /**
     * {@link Dialect#oneOf}, but a plain {@code = ?} for one key on every database: H2 answers a
     * one-element {@code IN} list measurably slower than an equality (which every dialect's
     * {@link Dialect#bindKeys} binds alike for one key).
     */
    private String oneKey(String column, int count) {
        return count == 1 ? column + " = ?" : dialect.oneOf(column, count);
    }

    @Override
    public Optional<SubjectId> customerOf(VisitorId visitor) {
        Checks.required("visitor", visitor);
        return tx.read("customerOf", c -> linkedCustomer(c, visitor.subject(), ""));
    }

    @Override
    public List<VisitorId> visitorsOf(SubjectId customer) {
        Checks.required("customer", customer);
        return tx.read("visitorsOf", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT visitor FROM " + links
                    + " WHERE customer = ? ORDER BY linked_at, visitor")) {
                ps.setString(1, customer.value());
                List<VisitorId> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String visitor = rs.getString(1);
                        // a row written before the namespaces were kept apart names no visitor: the store is damaged
                        out.add(VisitorId.from(SubjectId.of(visitor)).orElseThrow(() -> new InvalidValueException(
                                "links.visitor", visitor, "must be in the visitor namespace (" + VisitorId.PREFIX
                                        + "...)")));
                    }
                }
                return List.copyOf(out);
            }
        });
    }

    @Override
    public FeedCursor changeCursor() {
        return tx.read("changeCursor", this::newestCursor);
    }

    /** The cursor of the newest entry, START when there is none. A legacy entry without a stamp reads as stamp 0. */
    private FeedCursor newestCursor(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT feed_position, stamp FROM " + changes
                     + " ORDER BY feed_position DESC LIMIT 1")) {
            return rs.next() ? new FeedCursor(rs.getLong(1), rs.getLong(2)) : FeedCursor.START;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>One query reads the cursor's own entry together with those after it ({@code feed_position >= ?}), so the
     * check costs no round trip; only a lost cursor costs a second query, for the newest entry.
     */
    @Override
    public ChangeRead readChanges(FeedCursor cursor, int limit) {
        Checks.required("cursor", cursor);
        if (limit < 1) {
            throw new InvalidValueException("limit", limit, "must be 1 or more");
        }
        boolean check = cursor.position() > 0;
        return tx.read("readChanges", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT feed_position, subject, stamp FROM " + changes
                    + " WHERE feed_position " + (check ? ">=" : ">") + " ? ORDER BY feed_position LIMIT ?")) {
                ps.setLong(1, cursor.position());
                ps.setInt(2, (int) Math.min(Integer.MAX_VALUE, limit + (check ? 1L : 0L)));
                List<Change> out = new ArrayList<>();
                FeedCursor next = cursor;
                try (ResultSet rs = ps.executeQuery()) {
                    if (check) {
                        if (!rs.next() || !new FeedCursor(rs.getLong(1), rs.getLong(3)).equals(cursor)) {
                            rs.close();
                            return ChangeRead.lost(newestCursor(c));
                        }
                    }
                    while (out.size() < limit && rs.next()) {
                        out.add(new Change(rs.getLong(1), SubjectId.of(rs.getString(2))));
                        next = new FeedCursor(rs.getLong(1), rs.getLong(3));
                    }
                }
                return ChangeRead.continued(out, next);
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>Finds the first entry written at or after {@code writtenBefore} (a scan of the entries before it: the table
     * has no index on the write instant, and pruning keeps it short), then deletes every entry before it in chunks of
     * at most {@value #PRUNE_CHUNK} positions, one transaction each; every chunk is itself a prefix, so readers see
     * a shorter prefix gone at any moment. Positions are never reused by the database's sequence, and entries being
     * written while this runs get positions above the newest one read here, so they are never removed.
     */
    @Override
    public long pruneChanges(Instant writtenBefore) {
        return removeOldPrefix("pruneChanges", writtenBefore, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Counting what remains scans the feed (no index on the subject), which pruning keeps short.
     */
    @Override
    public long eraseChanges(SubjectId subject, Instant writtenBefore) {
        Checks.required("subject", subject);
        removeOldPrefix("eraseChanges", writtenBefore, subject);
        return tx.read("eraseChanges", c -> Sql.queryOne(c, "SELECT COUNT(*) FROM " + changes + " WHERE subject = ?",
                ps -> ps.setString(1, subject.value()), rs -> rs.getLong(1)).orElseThrow());
    }

    /** Deletes the entries before the first young one, keeping the newest unless it names {@code erased}. */
    private long removeOldPrefix(String operation, Instant writtenBefore, SubjectId erased) {
        Instant cutoff = StoredInstants.roundedDown("writtenBefore", writtenBefore, dialect);
        long[] range = tx.read(operation, c -> {
            long lowest;
            long newest;
            String newestSubject;
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT feed_position, subject FROM " + changes
                         + " ORDER BY feed_position DESC LIMIT 1")) {
                if (!rs.next()) {
                    return null;
                }
                newest = rs.getLong(1);
                newestSubject = rs.getString(2);
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT MIN(feed_position) FROM " + changes)) {
                rs.next();
                lowest = rs.getLong(1);
            }
            long firstYoung;
            try (PreparedStatement ps = c.prepareStatement("SELECT MIN(feed_position) FROM " + changes
                    + " WHERE written_at >= ?")) {
                dialect.setInstant(ps, 1, cutoff);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    firstYoung = rs.getLong(1);
                    if (rs.wasNull()) {
                        firstYoung = 0;
                    }
                }
            }
            long last; // the last position to delete
            if (firstYoung > 0) {
                last = firstYoung - 1;
            } else {
                // every entry is old; the newest stays unless it is the erased subject's (readers at it then notice)
                last = erased != null && erased.value().equals(newestSubject) ? newest : newest - 1;
            }
            return new long[] {lowest, last};
        });
        if (range == null || range[1] < range[0]) {
            return 0;
        }
        long removed = 0;
        for (long through = Math.min(range[1], range[0] + PRUNE_CHUNK - 1); ;
                through = Math.min(range[1], through + PRUNE_CHUNK)) {
            long bound = through;
            removed += tx.inTransaction(operation, c -> Outcome.commit((long) Sql.update(c, "DELETE FROM " + changes
                    + " WHERE feed_position <= ?", ps -> ps.setLong(1, bound))), c -> 0L);
            if (through >= range[1]) {
                return removed;
            }
        }
    }

    // ----------------------------------------------------------------------------------------- writes

    /**
     * {@inheritDoc}
     *
     * <p>One transaction, in this order: lock the head rows of the chains the batch continues ({@code SELECT ...
     * FOR UPDATE}) and compare them with the batch; update those heads (compare-and-set on sequence and hash) and
     * insert the heads of new chains (a head that exists already is a unique violation, hence a conflict); insert
     * the events; lock the one-row feed lock table; read the links of the subjects appended to; insert the
     * change-feed entries; commit. Heads, events and change-feed entries are written in a number of statements
     * that grows with the number of chunks, not rows (the dialect decides how: JDBC batches, or on PostgreSQL one
     * statement over array parameters).
     *
     * <p>Why the feed lock: a change's position is drawn from an identity column or sequence when the row is
     * inserted, not when it commits. Without the lock, transaction A could draw position 10, transaction B
     * position 11, B commit first, and a poller read 11, remember it, and never see 10. Holding the lock from
     * drawing positions until commit makes positions visible in order. The cost is that change-feed writes
     * (appends and links) are serialised for the last two round trips and the commit of each transaction;
     * taking the lock last, after the head rows, keeps that window short and keeps one lock order (heads,
     * then feed lock, then link rows) in every transaction, so the two cannot deadlock. The links are read
     * under the feed lock with a locking read, which sees the newest committed links at any isolation level,
     * so a link committed just before is never missed.
     *
     * <p>When the batch is refused, the conflicts are worked out after the rollback by reading the stored
     * heads and event ids. A deadlock the database resolves by rolling this transaction back is retried.
     *
     * @throws InvalidValueException when an event has an instant finer than a microsecond or outside the range
     *         the database stores, or a malformed hash; nothing is written
     */
    @Override
    public AppendResult append(List<ConsentEvent> batch) {
        return append(batch, List.of());
    }

    /**
     * {@inheritDoc}
     *
     * <p>The transaction of {@link #append(List)}, with the notices inserted right after the events (before the feed
     * lock is taken, so they do not lengthen its window); a notice whose id is stored already is left as it is.
     *
     * @throws InvalidValueException when an event or a notice breaks a rule of the tables, or notices come without
     *         events; nothing is written
     */
    @Override
    public AppendResult append(List<ConsentEvent> batch, List<RecipientNotice> notices) {
        Checks.required("events", batch);
        List<OutboxTables.Row> rows = outbox.rows(notices);
        if (batch.isEmpty()) {
            if (!rows.isEmpty()) {
                throw new InvalidValueException("notices", rows.size() + " notices",
                        "are written only with the events that caused them");
            }
            return AppendResult.appended(Set.of());
        }
        for (ConsentEvent e : batch) {
            EventRows.validate(Checks.required("events[]", e), dialect);
        }
        AppendPlan plan = new AppendPlan(batch);
        if (!plan.duplicatesInBatch.isEmpty() || !plan.brokenInBatch.isEmpty()) {
            // The batch contradicts itself; report it together with what the store says, writing nothing.
            return tx.read("append", c -> plan.conflicts(c, Set.of()));
        }
        return tx.inTransaction("append", c -> appendInTransaction(c, plan, rows), c -> plan.conflicts(c, Set.of()));
    }

    private Outcome<AppendResult> appendInTransaction(Connection c, AppendPlan plan, List<OutboxTables.Row> notices)
            throws SQLException {
        // 1. Lock and compare the heads of the chains the batch continues, in one global order (sorted) so that two
        // appends cannot deadlock. A new chain has no head row to lock: its head row is inserted in step 2, and if
        // the subject has one already (a concurrent first append, or a head this batch did not expect) that insert
        // is a unique violation, answered as a conflict after the rollback. Not reading them saves a lookup per
        // new subject, the whole of this step for a batch of first-time subjects.
        List<SubjectGroup> updates = new ArrayList<>();
        TreeMap<String, SubjectGroup> inserts = new TreeMap<>(); // sorted: head rows are inserted in one order too
        for (SubjectGroup g : plan.groups.values()) {
            if (g.isNewChain()) {
                inserts.put(g.subject.value(), g);
            } else {
                updates.add(g);
            }
        }
        Set<SubjectId> moved = new LinkedHashSet<>();
        if (!updates.isEmpty()) {
            List<String> continued = new ArrayList<>(updates.size());
            updates.forEach(g -> continued.add(g.subject.value()));
            Collections.sort(continued);
            Map<SubjectId, ChainHead> locked = new HashMap<>();
            for (List<String> chunk : chunks(continued)) {
                readHeads(c, chunk, " ORDER BY subject FOR UPDATE", locked);
            }
            for (SubjectGroup g : updates) {
                if (!g.follows(locked.get(g.subject))) {
                    moved.add(g.subject);
                }
            }
            if (!moved.isEmpty()) {
                return Outcome.rollbackThen(x -> plan.conflicts(x, moved));
            }
        }

        // 2. Move the heads. The locks make the compare in WHERE redundant; it stays as a second guard.
        if (!updates.isEmpty()) {
            List<Dialect.HeadMove> moves = new ArrayList<>(updates.size());
            for (SubjectGroup g : updates) {
                moves.add(g.headMove());
            }
            for (String s : dialect.moveHeads(c, heads, moves)) {
                moved.add(SubjectId.of(s));
            }
            if (!moved.isEmpty()) {
                return Outcome.rollbackThen(x -> plan.conflicts(x, moved));
            }
        }
        if (!inserts.isEmpty()) {
            // A concurrent first append of the same subject makes this a unique violation (class 23), which
            // inTransaction turns into a conflict after rolling back.
            List<Dialect.HeadMove> created = new ArrayList<>(inserts.size());
            for (SubjectGroup g : inserts.values()) {
                created.add(g.headMove());
            }
            dialect.insertHeads(c, heads, created);
        }

        // 3. The events. A stored event id is a unique violation here, likewise turned into a conflict.
        dialect.insertEvents(c, events, plan.events);
        // 3b. The recipients' notices the events caused (GDPR Art. 19): committed with them or not at all.
        outbox.insert(c, notices);

        // 4. The change feed, under the feed lock (see the method comment). The notification is queued first, outside
        // the lock's window; PostgreSQL delivers it on commit, and not at all on rollback.
        notifyChanges(c);
        lockFeed(c, "append");
        Map<SubjectId, SubjectId> customers = new HashMap<>();
        for (List<String> chunk : chunks(plan.sortedSubjectKeys())) {
            try (PreparedStatement ps = c.prepareStatement("SELECT visitor, customer FROM " + links + " WHERE "
                    + dialect.oneOf("visitor", chunk.size()) + " FOR UPDATE")) {
                dialect.bindKeys(c, ps, 1, chunk);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        customers.put(SubjectId.of(rs.getString(1)), SubjectId.of(rs.getString(2)));
                    }
                }
            }
        }
        List<SubjectId> feed = new ArrayList<>();
        for (SubjectId s : plan.groups.keySet()) {
            feed.add(s);
            SubjectId customer = customers.get(s);
            if (customer != null) {
                feed.add(customer);
            }
        }
        insertChanges(c, feed, plan.latestRecordedAt());
        return Outcome.commit(AppendResult.appended(new LinkedHashSet<>(feed)));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Takes the feed lock first, so links are serialised with each other and with the change-feed part
     * of appends; the link row is read with a locking read under it, so the answer is never stale.
     * {@code linkedAt} is stored to the microsecond.
     */
    @Override
    public LinkResult link(VisitorId visitor, SubjectId customer, Instant linkedAt) {
        Checks.required("visitor", visitor);
        Checks.customer("customer", customer);
        Instant at = Checks.required("linkedAt", linkedAt).truncatedTo(ChronoUnit.MICROS);
        EventRows.instant("linkedAt", at, dialect);
        return tx.inTransaction("link", c -> {
            notifyChanges(c); // delivered only if the link commits
            lockFeed(c, "link");
            Optional<SubjectId> existing = linkedCustomer(c, visitor.subject(), " FOR UPDATE");
            if (existing.isPresent()) {
                return Outcome.rollback(existing.get().equals(customer) ? LinkResult.ALREADY_LINKED
                        : LinkResult.LINKED_ELSEWHERE);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + links
                    + " (visitor, customer, linked_at) VALUES (?, ?, ?)")) {
                ps.setString(1, visitor.subject().value());
                ps.setString(2, customer.value());
                dialect.setInstant(ps, 3, at);
                ps.executeUpdate();
            }
            insertChanges(c, List.of(customer), at);
            return Outcome.commit(LinkResult.LINKED);
        }, c -> {
            // Only a writer that bypassed the feed lock can get here; the stored link decides the answer.
            SubjectId stored = linkedCustomer(c, visitor.subject(), "").orElseThrow(() -> new StoreException("link",
                    "the link of a visitor was refused as a duplicate but cannot be read back"));
            return stored.equals(customer) ? LinkResult.ALREADY_LINKED : LinkResult.LINKED_ELSEWHERE;
        });
    }

    private Optional<SubjectId> linkedCustomer(Connection c, SubjectId visitor, String lockClause)
            throws SQLException {
        return Sql.queryOne(c, "SELECT customer FROM " + links + " WHERE visitor = ?" + lockClause,
                ps -> ps.setString(1, visitor.value()), rs -> SubjectId.of(rs.getString(1)));
    }

    /**
     * {@inheritDoc}
     *
     * <p>One transaction: the subject's head row is locked first (the lock appends take), so a prune and an
     * append of the same subject are serialised; then the checkpoint and the event it names are compared, the
     * events up to it deleted and the checkpoint stored. The deleted event ids may be stored again later,
     * as in the in-memory store.
     *
     * @throws InvalidValueException when an instant is finer than a microsecond or outside the stored range, or
     *         the signature is longer than 128 characters; nothing is changed
     */
    @Override
    public boolean prune(ChainCheckpoint checkpoint) {
        Checks.required("checkpoint", checkpoint);
        EventRows.instant("prunedAt", checkpoint.prunedAt(), dialect);
        EventRows.instant("horizon", checkpoint.horizon(), dialect);
        Checks.optionalText("signature", checkpoint.signature(), 128);
        String subject = checkpoint.subject().value();
        return tx.inTransaction("prune", c -> {
            Map<SubjectId, ChainHead> head = new HashMap<>();
            readHeads(c, List.of(subject), " FOR UPDATE", head);
            if (head.isEmpty()) {
                return Outcome.rollback(false);
            }
            Optional<ChainCheckpoint> previous = readCheckpoint(c, checkpoint.subject());
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
            String write = previous.isPresent()
                    ? "UPDATE " + checkpoints + " SET seq = ?, event_hash = ?, pruned_at = ?, horizon = ?,"
                            + " signature = ? WHERE subject = ?"
                    : "INSERT INTO " + checkpoints + " (seq, event_hash, pruned_at, horizon, signature, subject)"
                            + " VALUES (?, ?, ?, ?, ?, ?)";
            Sql.update(c, write, ps -> {
                ps.setLong(1, checkpoint.sequence());
                ps.setString(2, checkpoint.hash());
                dialect.setInstant(ps, 3, checkpoint.prunedAt());
                dialect.setInstant(ps, 4, checkpoint.horizon());
                ps.setString(5, checkpoint.signature());
                ps.setString(6, subject);
            });
            return Outcome.commit(true);
        }, c -> false); // a concurrent first checkpoint of the subject won; this one changed nothing
    }

    @Override
    public Optional<ChainCheckpoint> checkpoint(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("checkpoint", c -> readCheckpoint(c, subject));
    }

    private Optional<ChainCheckpoint> readCheckpoint(Connection c, SubjectId subject) throws SQLException {
        return Sql.queryOne(c, "SELECT seq, event_hash, " + dialect.selectInstant("pruned_at") + ", "
                + dialect.selectInstant("horizon") + ", signature FROM " + checkpoints + " WHERE subject = ?",
                ps -> ps.setString(1, subject.value()), rs -> new ChainCheckpoint(subject, rs.getLong(1),
                        rs.getString(2), dialect.getInstant(rs, 3), dialect.getInstant(rs, 4), rs.getString(5)));
    }

    private void lockFeed(Connection c, String operation) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM " + feedLock + " WHERE id = 1 FOR UPDATE")) {
            if (!rs.next()) {
                // Without the row there is no lock, and feed positions could become visible out of order.
                throw new StoreException(operation, "the feed lock row (id 1) is missing from " + feedLock
                        + "; the schema is incomplete: apply V1__consent.sql or let the store create its schema");
            }
        }
    }

    private void notifyChanges(Connection c) throws SQLException {
        if (channel != null) {
            dialect.notifyChanges(c, channel);
        }
    }

    /** Writes the change-feed entries of one transaction, each with a fresh random stamp (never 0: "no stamp"). */
    private void insertChanges(Connection c, List<SubjectId> subjects, Instant writtenAt) throws SQLException {
        List<String> keys = new ArrayList<>(subjects.size());
        subjects.forEach(s -> keys.add(s.value()));
        long[] stamps = new long[keys.size()];
        for (int i = 0; i < stamps.length; i++) {
            long stamp;
            do {
                stamp = ThreadLocalRandom.current().nextLong();
            } while (stamp == 0);
            stamps[i] = stamp;
        }
        dialect.insertChanges(c, changes, keys, stamps, writtenAt);
    }

    /**
     * {@inheritDoc}
     *
     * <p>On PostgreSQL (unless {@link Builder#changeNotifications(boolean) turned off}), every append and link
     * notifies the channel {@code <prefix>changes} when it commits, and this store listens on it: the first
     * registration starts one daemon thread that holds one connection of the data source (size the pool for it)
     * and runs the wake-ups when a notification arrives, typically within milliseconds of the other node's commit.
     * It reconnects with backoff after a failure and wakes everyone once it listens again; closing the last handle
     * stops it and hands the connection back. Elsewhere nothing is pushed and the feed is polled.
     */
    @Override
    public AutoCloseable onChanges(Runnable wakeUp) {
        Checks.required("wakeUp", wakeUp);
        if (listener == null) {
            return () -> {
            };
        }
        return listener.add(wakeUp);
    }

    // ------------------------------------------------------------------------------------- retention

    @Override
    public Optional<RetainedItem> item(ItemKey key) {
        return retention.item(key);
    }

    @Override
    public List<RetainedItem> items(SubjectId subject) {
        return retention.items(subject);
    }

    @Override
    public List<RetainedItem> allItems(int limit) {
        return retention.allItems(Optional.empty(), limit);
    }

    @Override
    public List<RetainedItem> allItemsAfter(ItemKey after, int limit) {
        return retention.allItems(Optional.of(Checks.required("after", after)), limit);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The due instant and backoff are stored to the microsecond, rounded up when finer (a service computing them
     * from a nanosecond clock gets them a fraction later, never earlier); anchors are kept exactly.
     *
     * @throws InvalidValueException when the erasure instant is finer than a microsecond, an instant is outside the
     *         range the database stores, or the anchors exceed 16,000 characters of JSON; nothing is written
     */
    @Override
    public boolean saveItem(RetainedItem item) {
        return retention.saveItem(item);
    }

    /** {@inheritDoc} A keyset scan of the due index on (active due instant, subject, category, purpose). */
    @Override
    public List<RetainedItem> dueItems(Instant dueBy, int limit) {
        return retention.dueItems(dueBy, Optional.empty(), limit);
    }

    /** {@inheritDoc} As {@link #dueItems}. */
    @Override
    public List<RetainedItem> dueItemsAfter(Instant dueBy, DueCursor after, int limit) {
        return retention.dueItems(dueBy, Optional.of(Checks.required("after", after)), limit);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A keyset scan of an index that holds only such items (schema version 13: a partial index on PostgreSQL, an
     * index led by a generated column elsewhere), so its cost follows the undated items, not every item ever stored.
     */
    @Override
    public List<RetainedItem> undatedItems(int limit) {
        return retention.undatedItems(Optional.empty(), limit);
    }

    /** {@inheritDoc} As {@link #undatedItems}. */
    @Override
    public List<RetainedItem> undatedItemsAfter(ItemKey after, int limit) {
        return retention.undatedItems(Optional.of(Checks.required("after", after)), limit);
    }

    /**
     * {@inheritDoc}
     *
     * <p>PostgreSQL and MariaDB: one transaction selects the rows with {@code FOR UPDATE SKIP LOCKED} from the due
     * index and marks them claimed (token, owner, lease end), so concurrent sweepers pass each other's rows by
     * instead of waiting. H2: candidates are read and each is claimed by a conditional {@code UPDATE} whose update
     * count decides. Leases are judged and started by the database's clock, read in the same transaction
     * ({@code CURRENT_TIMESTAMP}; {@code UTC_TIMESTAMP(6)} on MariaDB); {@code now} decides only what is due. The
     * lease end is stored rounded up to the microsecond.
     */
    @Override
    public List<Claim> claimDue(Instant now, int limit, String owner, Duration lease) {
        return retention.claimDue(now, limit, owner, lease);
    }

    @Override
    public Optional<Claim> claimItem(ItemKey key, Instant now, String owner, Duration lease) {
        return retention.claimItem(key, now, owner, lease);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One transaction: the database's current instant, then a token-checked {@code UPDATE} of the lease end per
     * claim, as one JDBC batch.
     */
    @Override
    public List<Optional<Claim>> renewClaims(List<Claim> claims, Duration lease) {
        return retention.renewClaims(claims, lease);
    }

    /** {@inheritDoc} One transaction: a token-checked {@code UPDATE} clearing the claim per claim, as one JDBC batch. */
    @Override
    public List<Boolean> releaseClaims(List<Claim> claims) {
        return retention.releaseClaims(claims);
    }

    /**
     * {@inheritDoc}
     *
     * <p>All or nothing, in one transaction and one commit: the token- and version-checked item updates and the
     * claim releases run as JDBC batches, the audit counter row is advanced once by the number of finishes still
     * held (locked until commit, so sequences stay gapless and visible in order), and the audit entries are inserted
     * as one batch. Where the driver does not report a batch's per-row update counts, the same statements run one
     * by one in the same transaction instead.
     *
     * @throws InvalidValueException when a finish is invalid (a claim without item or token, an updated item whose key
     *         is not the claimed one, an instant outside the range the database stores); nothing is written
     */
    @Override
    public List<Boolean> finishClaims(List<FinishedAttempt> finishes) {
        return retention.finishClaims(finishes);
    }

    /** {@inheritDoc} One conditional {@code DELETE}. */
    @Override
    public boolean removeItem(RetainedItem item) {
        return retention.removeItem(item);
    }

    /** {@inheritDoc} @throws InvalidValueException when an instant is finer than a microsecond or out of range */
    @Override
    public void saveHold(LegalHold hold) {
        retention.saveHold(hold);
    }

    @Override
    public Optional<LegalHold> hold(String id) {
        return retention.hold(id);
    }

    @Override
    public List<LegalHold> holds(SubjectId subject) {
        return retention.holds(subject);
    }

    /** {@inheritDoc} One query per chunk of subjects (500 per {@code IN} list; 5,000 per array on PostgreSQL). */
    @Override
    public Map<SubjectId, List<LegalHold>> holds(Collection<SubjectId> subjects) {
        return retention.holds(subjects);
    }

    @Override
    public List<DisposalRecord> disposals(long afterSequence, int limit) {
        return retention.disposals(afterSequence, limit);
    }

    @Override
    public boolean addTombstone(Tombstone tombstone) {
        return retention.addTombstone(tombstone);
    }

    @Override
    public Optional<Tombstone> tombstone(String subjectReference) {
        return retention.tombstone(subjectReference);
    }

    // ---------------------------------------------------------------------------------------- rights

    /**
     * {@inheritDoc}
     *
     * @throws InvalidValueException when the request names another subject than the stored one
     */
    @Override
    public boolean saveRequest(RightsRequest request) {
        return rights.saveRequest(request);
    }

    @Override
    public Optional<RightsRequest> request(String id) {
        return rights.request(id);
    }

    /** {@inheritDoc} Requests received in the same microsecond come in id order. */
    @Override
    public List<RightsRequest> requests(SubjectId subject) {
        return rights.requests(subject);
    }

    @Override
    public List<RightsRequest> openRequests(int limit) {
        return rights.openRequests(limit);
    }

    @Override
    public List<RightsRequest> openRequestsAfter(RightsRequest after, int limit) {
        return rights.openRequestsAfter(after, limit);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One transaction: the save of {@link #saveRequest(RightsRequest)}, then the notices.
     *
     * @throws InvalidValueException when the request names another subject than the stored one, or a notice breaks a
     *         rule of the tables; nothing is written
     */
    @Override
    public boolean saveRequest(RightsRequest request, List<RecipientNotice> notices) {
        List<OutboxTables.Row> rows = outbox.rows(notices);
        return rights.saveRequest(request, c -> {
            outbox.insert(c, rows);
            return null;
        });
    }

    // ----------------------------------------------------------------------------------------- outbox

    /**
     * {@inheritDoc}
     *
     * <p>PostgreSQL and MariaDB: one transaction picks the due rows with {@code FOR UPDATE SKIP LOCKED} and marks them
     * claimed. H2: candidates are read and each is claimed by a conditional {@code UPDATE} whose update count decides.
     * The lease end is stored rounded up to the microsecond.
     */
    @Override
    public List<NoticeClaim> claimNotices(Instant now, int limit, String owner, Duration lease) {
        return outbox.claimNotices(now, limit, owner, lease);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One transaction: the token-checked notice update, the audit entry with the next sequence of a one-row counter
     * locked until commit, and for a request's delivery the request's history step over its version.
     */
    @Override
    public boolean finishNotice(NoticeFinish finish) {
        return outbox.finishNotice(finish);
    }

    @Override
    public Optional<OutboxEntry> notice(String id) {
        return outbox.notice(id);
    }

    @Override
    public List<OutboxEntry> notices(SubjectId subject) {
        return outbox.notices(subject);
    }

    @Override
    public List<DeliveryRecord> deliveries(long afterSequence, int limit) {
        return outbox.deliveries(afterSequence, limit);
    }

    // ---------------------------------------------------------------------------------- processing log

    /**
     * {@inheritDoc}
     *
     * <p>One transaction: the feed lock row in shared mode, the change-feed entries above {@code feedPosition} for the
     * entries' subjects, then the entries as a JDBC batch (see {@code ProcessingTables} for why no change can slip
     * between the guard and the commit).
     */
    @Override
    public UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition) {
        return processing.appendUses(entries, feedPosition);
    }

    @Override
    public List<ProcessingEntry> uses(SubjectId subject, int limit) {
        return processing.uses(subject, Optional.empty(), limit);
    }

    @Override
    public List<ProcessingEntry> usesAfter(SubjectId subject, UseCursor after, int limit) {
        return processing.uses(subject, Optional.of(Checks.required("after", after)), limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUses(String pseudonym, int limit) {
        return processing.pseudonymisedUses(pseudonym, Optional.empty(), limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUsesAfter(String pseudonym, UseCursor after, int limit) {
        return processing.pseudonymisedUses(pseudonym, Optional.of(Checks.required("after", after)), limit);
    }

    @Override
    public long countUses(PurposeId purpose, Instant from, Instant until) {
        return processing.countUses(purpose, from, until);
    }

    @Override
    public long pseudonymise(Map<SubjectId, String> pseudonyms) {
        return processing.pseudonymise(pseudonyms, Optional.empty());
    }

    @Override
    public long pseudonymiseUpTo(Map<SubjectId, String> pseudonyms, Instant upTo) {
        return processing.pseudonymise(pseudonyms, Optional.of(Checks.required("upTo", upTo)));
    }

    @Override
    public List<SubjectId> subjectsWithUses(Instant upTo, int limit) {
        return processing.subjectsWithUses(upTo, Optional.empty(), limit);
    }

    @Override
    public List<SubjectId> subjectsWithUsesAfter(Instant upTo, SubjectId after, int limit) {
        return processing.subjectsWithUses(upTo, Optional.of(Checks.required("after", after)), limit);
    }

    @Override
    public long deleteUses(Collection<SubjectId> subjects, Instant upTo) {
        return processing.deleteUses(subjects, upTo);
    }

    @Override
    public long deletePseudonymisedUses(Instant upTo) {
        return processing.deletePseudonymisedUses(upTo);
    }

    // ------------------------------------------------------------------------------------------ receipts

    @Override
    public ConsentReceipt saveReceipt(ConsentReceipt receipt) {
        return receiptTables.saveReceipt(receipt);
    }

    @Override
    public Optional<ConsentReceipt> receipt(EventId event) {
        return receiptTables.receipt(event);
    }

    @Override
    public List<ConsentReceipt> receipts(SubjectId subject) {
        return receiptTables.receipts(subject);
    }

    /** The change listener, if this store has one (for tests). */
    PostgresChangeListener changeListener() {
        return listener;
    }

    // -------------------------------------------------------------------------------------- helpers

    private static <T> List<String> distinctValues(String field, Collection<T> values, Function<T, String> key) {
        Set<String> out = new LinkedHashSet<>();
        for (T v : Checks.required(field, values)) {
            out.add(key.apply(Checks.required(field + "[]", v)));
        }
        return new ArrayList<>(out);
    }

    private List<List<String>> chunks(List<String> keys) {
        int size = dialect.chunkSize();
        List<List<String>> out = new ArrayList<>((keys.size() + size - 1) / size);
        for (int i = 0; i < keys.size(); i += size) {
            out.add(keys.subList(i, Math.min(keys.size(), i + size)));
        }
        return out;
    }

    @Override
    public String toString() {
        return "JdbcStore[" + dialect + ", prefix " + prefix + "]";
    }

    /** The events of one subject within a batch, in batch order. */
    private static final class SubjectGroup {
        final SubjectId subject;
        final List<ConsentEvent> events = new ArrayList<>();

        SubjectGroup(SubjectId subject) {
            this.subject = subject;
        }

        ConsentEvent first() {
            return events.get(0);
        }

        ConsentEvent last() {
            return events.get(events.size() - 1);
        }

        boolean isNewChain() {
            return first().sequence() == 1;
        }

        /** The head row this group writes: from where its first event links on to its last event. */
        Dialect.HeadMove headMove() {
            return new Dialect.HeadMove(subject.value(), first().sequence() - 1, first().previousHash(),
                    last().sequence(), last().hash());
        }

        /** Whether the group starts right after {@code head} (and a new chain starts from nothing). */
        boolean follows(ChainHead head) {
            if (head == null) {
                return isNewChain() && first().previousHash().equals(ConsentChain.GENESIS);
            }
            return first().sequence() == head.sequence() + 1 && first().previousHash().equals(head.hash());
        }

        /** Whether the group's events link to each other: consecutive sequences, each on the previous hash. */
        boolean linksWithin() {
            for (int i = 1; i < events.size(); i++) {
                ConsentEvent prev = events.get(i - 1);
                ConsentEvent e = events.get(i);
                if (e.sequence() != prev.sequence() + 1 || !e.previousHash().equals(prev.hash())) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A batch grouped by subject, with what can be said about it before touching the database. */
    private final class AppendPlan {
        final List<ConsentEvent> events;
        final Map<SubjectId, SubjectGroup> groups = new LinkedHashMap<>();
        final Set<EventId> duplicatesInBatch = new LinkedHashSet<>();
        final Set<SubjectId> brokenInBatch = new LinkedHashSet<>();

        AppendPlan(List<ConsentEvent> batch) {
            this.events = List.copyOf(batch);
            Set<EventId> ids = new HashSet<>();
            for (ConsentEvent e : events) {
                if (!ids.add(e.id())) {
                    duplicatesInBatch.add(e.id());
                }
                groups.computeIfAbsent(e.subject(), SubjectGroup::new).events.add(e);
            }
            for (SubjectGroup g : groups.values()) {
                if (!g.linksWithin() || g.isNewChain() && !g.first().previousHash().equals(ConsentChain.GENESIS)) {
                    brokenInBatch.add(g.subject);
                }
            }
        }

        /** When the batch was recorded (its latest recorded-at): the write instant of its change-feed entries. */
        Instant latestRecordedAt() {
            Instant latest = events.get(0).recordedAt();
            for (ConsentEvent e : events) {
                if (e.recordedAt().isAfter(latest)) {
                    latest = e.recordedAt();
                }
            }
            return latest;
        }

        List<String> sortedSubjectKeys() {
            TreeMap<String, SubjectId> sorted = new TreeMap<>();
            groups.keySet().forEach(s -> sorted.put(s.value(), s));
            return new ArrayList<>(sorted.keySet());
        }

        /**
         * The refusal for this batch: what it contradicts in itself, plus the heads that do not match the stored
         * ones and the event ids already stored, read now. {@code seen} are conflicts found inside the refused
         * transaction; they are kept even if the store has moved on since.
         */
        AppendResult conflicts(Connection c, Set<SubjectId> seen) throws SQLException {
            Set<SubjectId> headConflicts = new LinkedHashSet<>(brokenInBatch);
            headConflicts.addAll(seen);
            Map<SubjectId, ChainHead> stored = new HashMap<>();
            for (List<String> chunk : chunks(sortedSubjectKeys())) {
                readHeads(c, chunk, "", stored);
            }
            for (SubjectGroup g : groups.values()) {
                if (!g.follows(stored.get(g.subject))) {
                    headConflicts.add(g.subject);
                }
            }
            Set<EventId> duplicates = new LinkedHashSet<>(duplicatesInBatch);
            List<String> ids = events.stream().map(e -> e.id().value()).distinct().toList();
            for (List<String> chunk : chunks(ids)) {
                try (PreparedStatement ps = c.prepareStatement("SELECT event_id FROM " + JdbcStore.this.events
                        + " WHERE " + dialect.oneOf("event_id", chunk.size()))) {
                    dialect.bindKeys(c, ps, 1, chunk);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            duplicates.add(EventId.of(rs.getString(1)));
                        }
                    }
                }
            }
            if (headConflicts.isEmpty() && duplicates.isEmpty()) {
                // A unique constraint refused the batch, yet every head matches and no id is stored: the events
                // table holds rows its heads do not account for. Retrying cannot help; say what is wrong.
                throw new StoreException("append", "a unique constraint refused the batch although the chain heads "
                        + "match and no event id is stored: the events table of " + prefix + " holds events its "
                        + "heads do not record (a partial restore or manual edit?)");
            }
            return AppendResult.conflict(headConflicts, duplicates);
        }
    }

    /**
     * Configures a {@link JdbcStore}. Nothing is checked or touched until {@link #build()}, which validates
     * everything, detects the database when none was named, and creates or migrates the tables unless told not
     * to.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private String tablePrefix = "consent_";
        private Database database;
        private boolean createSchema = true;
        private boolean changeNotifications = true;

        private Builder(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /**
         * The prefix of every table name: a lower-case letter, then up to 20 lower-case letters, digits or
         * underscores. Default {@code consent_}. Several stores can share a database under different prefixes.
         */
        public Builder tablePrefix(String prefix) {
            this.tablePrefix = prefix;
            return this;
        }

        /**
         * The database. By default it is detected from the product name the driver reports, which costs one
         * connection in {@link #build()}.
         */
        public Builder database(Database database) {
            this.database = database;
            return this;
        }

        /**
         * Whether {@link #build()} creates the tables and applies missing migrations (default {@code true}).
         * Turn it off when the schema is managed by Flyway or Liquibase with the files under
         * {@code dev/consent/jdbc/schema/<dialect>/}, or when the application's database user may not run DDL.
         */
        public Builder createSchema(boolean create) {
            this.createSchema = create;
            return this;
        }

        /**
         * PostgreSQL only: whether appends and links send a notification on commit and {@link JdbcStore#onChanges}
         * listens for them (default {@code true}). Turn it off where LISTEN cannot work, e.g. behind PgBouncer in
         * transaction pooling mode; other nodes' caches then learn of changes by polling alone. Use the same setting
         * on every node: a node that does not notify leaves the others to their polling.
         */
        public Builder changeNotifications(boolean on) {
            this.changeNotifications = on;
            return this;
        }

        /**
         * Validates the configuration and builds the store.
         *
         * @throws InvalidValueException when a setting breaks its rule or the database is not a supported one
         * @throws StoreException when the database cannot be reached to detect the database or create the schema
         */
        public JdbcStore build() {
            if (dataSource == null) {
                throw new InvalidValueException("dataSource", null, "is required");
            }
            if (tablePrefix == null || !TABLE_PREFIX.matcher(tablePrefix).matches()) {
                throw new InvalidValueException("tablePrefix", tablePrefix,
                        "must match [a-z][a-z0-9_]{0,20}: a lower-case letter, then at most 20 lower-case letters, "
                                + "digits or underscores");
            }
            Database chosen = database != null ? database : detect(dataSource);
            Dialect customization = Dialect.of(chosen);
            if (createSchema) {
                try {
                    // applied_at in schema_version is operational metadata, not ledger time; the wall clock is right.
                    new SchemaInitializer(dataSource, customization, tablePrefix, Clock.systemUTC()).migrate();
                } catch (SQLException e) {
                    throw new StoreException("createSchema", e);
                }
            }
            return new JdbcStore(dataSource, customization, tablePrefix, changeNotifications);
        }

        private static Database detect(DataSource dataSource) {
            DatabaseMetaData metaData;
            String product;
            String version;
            try (Connection c = dataSource.getConnection()) {
                metaData = c.getMetaData();
                product = metaData.getDatabaseProductName();
                version = metaData.getDatabaseProductVersion();
            } catch (SQLException e) {
                throw Sql.failure("detect database", e);
            }
            return Database.of(product, version);
        }
    }
}
