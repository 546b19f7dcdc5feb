package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.internal.Checks;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PurposeId;
import dev.consent.processing.ProcessingEntry;
import dev.consent.receipt.ConsentReceipt;
import dev.consent.recipients.DeliveryRecord;
import dev.consent.recipients.OutboxEntry;
import dev.consent.recipients.RecipientNotice;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.Tombstone;
import dev.consent.rights.RightsRequest;
import dev.consent.store.Claim;
import dev.consent.store.ConsentStore;
import dev.consent.store.NoticeClaim;
import dev.consent.store.NoticeFinish;
import dev.consent.store.OutboxStore;
import dev.consent.store.ProcessingStore;
import dev.consent.store.ReceiptStore;
import dev.consent.store.RetentionStore;
import dev.consent.store.RightsStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The durable store: the consent ledger ({@link ConsentStore}: events, chain heads, visitor links, change feed,
 * pruning checkpoints), retention state ({@link RetentionStore}: retained items and their due index, sweeper
 * claims, legal holds, the disposal audit, tombstones), rights requests ({@link RightsStore}), the recipients'
 * outbox ({@link OutboxStore}: notices written in the transaction of the change that caused them, leased claims, the
 * delivery audit), the processing log ({@link ProcessingStore}) and signed consent receipts ({@link ReceiptStore}), in
 * the tables of an SQL database reached through the host's {@link DataSource}. Create one with
 * {@link #builder(DataSource)}:
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
 *
 * <p>This class checks arguments, borrows one connection per operation and decides its transaction; the SQL of each
 * table is written once, in one package-private repository per table or concern (ledger, links, change feed,
 * checkpoints, decision reads, retention, rights requests, outbox, processing log, receipts), whose methods run on the
 * connection they are handed and never commit.
 */
public final class JdbcStore implements ConsentStore, RetentionStore, RightsStore, OutboxStore, ProcessingStore,
        ReceiptStore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcStore.class);
    /** The most change-feed positions one pruning transaction deletes. */
    private static final int PRUNE_CHUNK = 10_000;

    private final Transactions tx;
    private final Dialect dialect;
    private final String prefix;
    private final ChangeFeedRepository feed;
    private final LinkRepository links;
    private final CheckpointRepository checkpoints;
    private final LedgerRepository ledger;
    private final DecisionFactRepository decisions;
    private final JdbcRetention retention;
    private final RightsRequestRepository rights;
    private final OutboxRepository outbox;
    private final ProcessingLogRepository processing;
    private final ReceiptRepository receipts;
    /** Pushes notifications to {@link #onChanges}; null where there are none. */
    private final PostgresChangeListener listener;

    JdbcStore(DataSource dataSource, Dialect dialect, String prefix, boolean notifications) {
        this.tx = new Transactions(dataSource);
        this.dialect = dialect;
        this.prefix = prefix;
        this.feed = new ChangeFeedRepository(dialect, prefix, notifications);
        this.links = new LinkRepository(dialect, prefix, feed);
        this.checkpoints = new CheckpointRepository(dialect, prefix);
        this.ledger = new LedgerRepository(dialect, prefix, feed, links, checkpoints);
        this.decisions = new DecisionFactRepository(dialect, ledger.eventsTable(), links.table());
        this.retention = new JdbcRetention(tx, dialect, prefix);
        this.rights = new RightsRequestRepository(dialect, prefix);
        this.outbox = new OutboxRepository(dialect, prefix, rights);
        this.processing = new ProcessingLogRepository(dialect, prefix, feed);
        this.receipts = new ReceiptRepository(dialect, prefix);
        PostgresChangeListener push = null;
        if (notifications) {
            try {
                push = dialect.changeListener(dataSource, feed.channel());
            } catch (LinkageError e) {
                // PostgreSQL reached through a driver other than org.postgresql: no push, polling only
                LOG.warn("consent store {}: change notifications need the org.postgresql JDBC driver; changes are "
                        + "polled only", prefix, e);
            }
        }
        this.listener = push;
    }

    /** Starts configuring a store on the host's data source (ideally a connection pool). */
    public static JdbcStoreBuilder builder(DataSource dataSource) {
        return new JdbcStoreBuilder(dataSource);
    }

    /** The database in use, as configured or detected. */
    public Database database() {
        return dialect.database();
    }

    /** The prefix of every table name. */
    public String tablePrefix() {
        return prefix;
    }

    // ------------------------------------------------------------------------------------------ ledger

    @Override
    public Map<SubjectId, ChainHead> heads(Collection<SubjectId> subjects) {
        List<String> keys = Keys.distinct("subjects", subjects, SubjectId::value);
        return keys.isEmpty() ? Map.of() : tx.read("heads", c -> ledger.heads(c, keys));
    }

    @Override
    public Map<EventId, ConsentEvent> findEvents(Collection<EventId> ids) {
        List<String> keys = Keys.distinct("ids", ids, EventId::value);
        return keys.isEmpty() ? Map.of() : tx.read("findEvents", c -> ledger.findEvents(c, keys));
    }

    @Override
    public List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit) {
        Checks.required("subject", subject);
        positive(limit);
        return tx.read("events", c -> ledger.events(c, subject, afterSequence, limit));
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
        List<String> keys = Keys.distinct("subjects", subjects, SubjectId::value);
        if (keys.isEmpty()) {
            return Map.of();
        }
        Map<SubjectId, List<ChoiceFact>> facts = tx.read("decisionFacts", c -> decisions.facts(c, subjects, keys));
        if (LOG.isDebugEnabled()) {
            LOG.debug("consent store {}: read the decision facts of {} subjects", prefix, keys.size());
        }
        return facts;
    }

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
        List<OutboxRepository.Row> rows = outbox.rows(notices);
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
        AppendResult result;
        if (plan.refusedAsIs()) {
            // The batch contradicts itself; report it together with what the store says, writing nothing.
            result = tx.read("append", c -> plan.conflicts(c, Set.of(), ledger));
        } else {
            result = tx.inTransaction("append", c -> ledger.append(c, plan, x -> {
                outbox.insert(x, rows);
                return null;
            }), c -> plan.conflicts(c, Set.of(), ledger));
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("consent store {}: append of {} events for {} chains with {} notices: {}", prefix, batch.size(),
                    plan.groups.size(), rows.size(), result.appended() ? "appended" : "conflict");
        }
        return result;
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
        LinkResult result = tx.inTransaction("link", c -> links.link(c, visitor, customer, at),
                c -> links.afterDuplicate(c, visitor, customer));
        LOG.debug("consent store {}: link of a visitor: {}", prefix, result);
        return result;
    }

    @Override
    public Optional<SubjectId> customerOf(VisitorId visitor) {
        Checks.required("visitor", visitor);
        return tx.read("customerOf", c -> links.customerOf(c, visitor.subject(), false));
    }

    @Override
    public List<VisitorId> visitorsOf(SubjectId customer) {
        Checks.required("customer", customer);
        return tx.read("visitorsOf", c -> links.visitorsOf(c, customer));
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
        // a unique violation: a concurrent first checkpoint of the subject won; this one changed nothing
        boolean pruned = tx.inTransaction("prune", c -> ledger.prune(c, checkpoint), c -> false);
        if (LOG.isDebugEnabled()) {
            LOG.debug("consent store {}: prune of a chain up to #{}: {}", prefix, checkpoint.sequence(),
                    pruned ? "pruned" : "refused");
        }
        return pruned;
    }

    @Override
    public Optional<ChainCheckpoint> checkpoint(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("checkpoint", c -> checkpoints.find(c, subject));
    }

    // ------------------------------------------------------------------------------------- change feed

    @Override
    public FeedCursor changeCursor() {
        return tx.read("changeCursor", feed::newest);
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
        positive(limit);
        ChangeRead read = tx.read("readChanges", c -> feed.read(c, cursor, limit));
        if (LOG.isDebugEnabled()) {
            LOG.debug("consent store {}: change feed read after position {}: {} changes{}", prefix, cursor.position(),
                    read.changes().size(), read.continuous() ? "" : ", cursor lost");
        }
        return read;
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
        return tx.read("eraseChanges", c -> feed.count(c, subject));
    }

    /** Deletes the entries before the first young one, in chunks, keeping the newest unless it names {@code erased}. */
    private long removeOldPrefix(String operation, Instant writtenBefore, SubjectId erased) {
        Instant cutoff = StoredInstants.roundedDown("writtenBefore", writtenBefore, dialect);
        ChangeFeedRepository.Prefix old = tx.read(operation, c -> feed.oldPrefix(c, cutoff, erased));
        if (old == null || old.isEmpty()) {
            return 0;
        }
        long removed = 0;
        for (long through = Math.min(old.last(), old.lowest() + PRUNE_CHUNK - 1); ;
                through = Math.min(old.last(), through + PRUNE_CHUNK)) {
            long bound = through;
            removed += tx.inTransaction(operation, c -> Outcome.commit(feed.deleteThrough(c, bound)), c -> 0L);
            if (through >= old.last()) {
                LOG.debug("consent store {}: {} removed {} change-feed entries", prefix, operation, removed);
                return removed;
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>On PostgreSQL (unless {@link JdbcStoreBuilder#changeNotifications(boolean) turned off}), every append and link
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
        return saveRequest(request, List.of());
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
        List<OutboxRepository.Row> rows = outbox.rows(notices);
        Checks.required("request", request);
        RightsRequestRepository.Write write = rights.write(request);
        boolean saved = tx.inTransaction("saveRequest", c -> rights.save(c, write, x -> {
            outbox.insert(x, rows);
            return null;
        }), c -> false);
        if (LOG.isDebugEnabled()) {
            LOG.debug("consent store {}: save of a rights request over version {} with {} notices: {}", prefix,
                    request.version(), rows.size(), saved ? "saved" : "lost a race");
        }
        return saved;
    }

    @Override
    public Optional<RightsRequest> request(String id) {
        Checks.required("id", id);
        return tx.read("request", c -> rights.find(c, id));
    }

    /** {@inheritDoc} Requests received in the same microsecond come in id order. */
    @Override
    public List<RightsRequest> requests(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("requests", c -> rights.ofSubject(c, subject));
    }

    @Override
    public List<RightsRequest> openRequests(int limit) {
        positive(limit);
        return tx.read("openRequests", c -> rights.open(c, null, null, limit));
    }

    @Override
    public List<RightsRequest> openRequestsAfter(RightsRequest after, int limit) {
        Checks.required("after", after);
        positive(limit);
        Instant bound = rights.pageBound(after);
        return tx.read("openRequests", c -> rights.open(c, after, bound, limit));
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
        List<NoticeClaim> claims = dialect.claim(tx, outbox.claiming(now, limit, owner, lease), limit);
        LOG.debug("consent store {}: claimed {} notices", prefix, claims.size());
        return claims;
    }

    /**
     * {@inheritDoc}
     *
     * <p>One transaction: the token-checked notice update, the audit entry with the next sequence of a one-row counter
     * locked until commit, and for a request's delivery the request's history step over its version.
     */
    @Override
    public boolean finishNotice(NoticeFinish finish) {
        OutboxRepository.Finish f = outbox.finish(finish);
        return tx.inTransaction("finishNotice", c -> outbox.finish(c, f), c -> {
            throw outbox.counterBehindAudit();
        });
    }

    @Override
    public Optional<OutboxEntry> notice(String id) {
        Checks.required("id", id);
        return tx.read("notice", c -> outbox.find(c, id));
    }

    @Override
    public List<OutboxEntry> notices(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("notices", c -> outbox.ofSubject(c, subject));
    }

    @Override
    public List<DeliveryRecord> deliveries(long afterSequence, int limit) {
        positive(limit);
        return tx.read("deliveries", c -> outbox.deliveries(c, afterSequence, limit));
    }

    // ---------------------------------------------------------------------------------- processing log

    /**
     * {@inheritDoc}
     *
     * <p>One transaction: the feed lock row in shared mode, the change-feed entries above {@code feedPosition} for the
     * entries' subjects, then the entries as a JDBC batch (see {@code ProcessingLogRepository} for why no change can
     * slip between the guard and the commit).
     */
    @Override
    public UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition) {
        List<String> subjects = processing.checkedSubjects(entries);
        if (entries.isEmpty()) {
            return UseAppend.success();
        }
        return tx.inTransaction("appendUses", c -> processing.append(c, entries, subjects, feedPosition), c -> {
            throw ProcessingLogRepository.duplicateId();
        });
    }

    @Override
    public List<ProcessingEntry> uses(SubjectId subject, int limit) {
        Checks.required("subject", subject);
        return usesPage("uses", subject.value(), false, null, limit);
    }

    @Override
    public List<ProcessingEntry> usesAfter(SubjectId subject, UseCursor after, int limit) {
        Checks.required("after", after);
        Checks.required("subject", subject);
        return usesPage("uses", subject.value(), false, after, limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUses(String pseudonym, int limit) {
        Checks.required("pseudonym", pseudonym);
        return usesPage("pseudonymisedUses", pseudonym, true, null, limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUsesAfter(String pseudonym, UseCursor after, int limit) {
        Checks.required("after", after);
        Checks.required("pseudonym", pseudonym);
        return usesPage("pseudonymisedUses", pseudonym, true, after, limit);
    }

    private List<ProcessingEntry> usesPage(String operation, String key, boolean pseudonymised, UseCursor after,
            int limit) {
        positive(limit);
        if (after != null) {
            processing.checkCursor(after);
        }
        return tx.read(operation, c -> processing.page(c, key, pseudonymised, after, limit));
    }

    @Override
    public long countUses(PurposeId purpose, Instant from, Instant until) {
        Checks.required("purpose", purpose);
        Instant low = processing.lowerBound("from", from);
        Instant high = processing.bound("until", until);
        return high == null ? 0 : tx.read("countUses", c -> processing.count(c, purpose, low, high));
    }

    /** {@inheritDoc} One {@code UPDATE} per subject, as one JDBC batch in one transaction: all or nothing. */
    @Override
    public long pseudonymise(Map<SubjectId, String> pseudonyms) {
        processing.checkPseudonyms(pseudonyms);
        return pseudonyms.isEmpty() ? 0 : pseudonymiseUpTo(pseudonyms, null, "pseudonymise");
    }

    /** {@inheritDoc} As {@link #pseudonymise(Map)}. */
    @Override
    public long pseudonymiseUpTo(Map<SubjectId, String> pseudonyms, Instant upTo) {
        Checks.required("upTo", upTo);
        processing.checkPseudonyms(pseudonyms);
        if (pseudonyms.isEmpty()) {
            return 0;
        }
        Instant bound = processing.bound("upTo", upTo);
        return bound == null ? 0 : pseudonymiseUpTo(pseudonyms, bound, "pseudonymise"); // no entry is that old
    }

    private long pseudonymiseUpTo(Map<SubjectId, String> pseudonyms, Instant bound, String operation) {
        return tx.inTransaction(operation, c -> Outcome.commit(processing.pseudonymise(c, pseudonyms, bound)), c -> {
            throw new StoreException(operation, "a unique violation where no unique key can be violated");
        });
    }

    @Override
    public List<SubjectId> subjectsWithUses(Instant upTo, int limit) {
        return subjectsWithUses(upTo, null, limit);
    }

    @Override
    public List<SubjectId> subjectsWithUsesAfter(Instant upTo, SubjectId after, int limit) {
        return subjectsWithUses(upTo, Checks.required("after", after), limit);
    }

    private List<SubjectId> subjectsWithUses(Instant upTo, SubjectId after, int limit) {
        positive(limit);
        Instant bound = processing.bound("upTo", upTo);
        return bound == null ? List.of() : tx.read("subjectsWithUses", c -> processing.subjects(c, bound, after, limit));
    }

    @Override
    public long deleteUses(Collection<SubjectId> subjects, Instant upTo) {
        Checks.required("subjects", subjects);
        Instant bound = processing.lowerBound("upTo", upTo);
        List<String> keys = Keys.distinct("subjects", subjects, SubjectId::value);
        if (keys.isEmpty() || upTo.isBefore(dialect.minInstant())) {
            return 0;
        }
        return tx.inTransaction("deleteUses", c -> Outcome.commit(processing.delete(c, keys, bound)), c -> 0L);
    }

    @Override
    public long deletePseudonymisedUses(Instant upTo) {
        Instant bound = processing.bound("upTo", upTo);
        return bound == null ? 0 : tx.inTransaction("deletePseudonymisedUses",
                c -> Outcome.commit(processing.deletePseudonymised(c, bound)), c -> 0L);
    }

    // ------------------------------------------------------------------------------------------ receipts

    @Override
    public ConsentReceipt saveReceipt(ConsentReceipt receipt) {
        Checks.required("receipt", receipt);
        StoredInstants.roundedDown("receipt.issuedAt", receipt.issuedAt(), dialect);
        return tx.inTransaction("saveReceipt", c -> {
            receipts.insert(c, receipt);
            return Outcome.commit(receipt);
        }, c -> receipts.find(c, receipt.event()).orElseThrow(() -> new SQLException("the insert of a receipt for an "
                + "event hit a unique key, but no receipt is stored for that event", "XX001")));
    }

    @Override
    public Optional<ConsentReceipt> receipt(EventId event) {
        Checks.required("event", event);
        return tx.read("receipt", c -> receipts.find(c, event));
    }

    @Override
    public List<ConsentReceipt> receipts(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("receipts", c -> receipts.ofSubject(c, subject));
    }

    /** The change listener, if this store has one (for tests). */
    PostgresChangeListener changeListener() {
        return listener;
    }

    private static void positive(int limit) {
        if (limit < 1) {
            throw new InvalidValueException("limit", limit, "must be 1 or more");
        }
    }

    @Override
    public String toString() {
        return "JdbcStore[" + dialect + ", prefix " + prefix + "]";
    }
}
