package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.internal.Checks;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PurposeId;
import dev.consent.processing.ProcessingEntry;
import dev.consent.email.CampaignId;
import dev.consent.email.CampaignRecipient;
import dev.consent.receipt.ConsentReceipt;
import dev.consent.recipients.DeliveryRecord;
import dev.consent.recipients.OutboxBacklog;
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
import dev.consent.store.EmailStore;
import dev.consent.store.ReceiptStore;
import dev.consent.store.SuppressionEntry;
import dev.consent.store.RetentionStore;
import dev.consent.store.RightsStore;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
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
 * delivery audit), the processing log ({@link ProcessingStore}), signed consent receipts ({@link ReceiptStore}) and
 * the email suppression list and campaign recipients ({@link EmailStore}), in the tables of an SQL database reached through the host's {@link DataSource}. Create one with
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
 *   <li><b>An in-order change feed, without a lock across the writer's transaction.</b> Writers insert entries
 *       without a position; a short numbering transaction (one at a time, run by the feed's readers) gives the
 *       committed ones the next positions, so positions become visible in position order and a poller that has read
 *       up to position p never later finds an entry below p, however late a writer's transaction commits. Positions
 *       have no gaps and are never reused.</li>
 *   <li><b>Set-based reads.</b> {@link #decisionFacts}, {@link #heads},
 *       {@link #findEvents}, {@link #holds(Collection)} and {@link #items(Collection)} run one query per chunk of keys (500 per {@code IN} list; on PostgreSQL 5,000 per
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
 *   <li><b>Refused before any write.</b> A value the tables cannot hold exactly (an instant finer than a
 *       microsecond where it is hashed or audited, or outside the range the database stores; a malformed hash; a
 *       signature over 128 characters; anchors over 16,000 characters of JSON; a notice that breaks a rule of the
 *       outbox, or notices without events; a request naming another subject than the stored one; a finish whose
 *       updated item is not the claimed one) is an {@link InvalidValueException}, and nothing is written. The due
 *       instant and backoff of items and the lease ends are stored rounded up to the microsecond, {@code linkedAt}
 *       truncated to it.</li>
 *   <li><b>Inside the host's transaction, on request.</b> On a thread that {@linkplain #join joined} the host's
 *       connection, or whose transaction the {@link ConnectionBinding} finds, every operation runs on the host's
 *       connection and commits or rolls back with the host's transaction; each write runs inside a savepoint, so a
 *       conflict it answers or an error it throws leaves the host's transaction usable. See the module's README,
 *       "Inside your transaction".</li>
 *   <li><b>Fail closed.</b> Any other {@link SQLException}, including an unreachable database, becomes a
 *       {@link StoreException} naming the operation; connections are always returned.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; share one instance per database and table prefix. Any number of instances on
 * any number of nodes may use the same tables. Outside a host's transaction, connections are borrowed per operation
 * and handed back in the auto-commit mode they came in. Tested at each database's default isolation level (READ COMMITTED on
 * PostgreSQL and H2, REPEATABLE READ on MariaDB); the write paths take the locks they rely on explicitly
 * and read what they decide on with locking reads. On PostgreSQL, REPEATABLE READ or SERIALIZABLE would turn
 * lock waits into serialization failures (retried three times, then thrown): keep it at READ COMMITTED.
 *
 * <p>On PostgreSQL, appends and links notify a channel on commit and {@link #onChanges} listens on it (see there);
 * elsewhere the change feed is only polled. The change feed grows until {@link #pruneChanges} removes its oldest
 * entries.
 *
 * <p>This class builds one package-private part per SPI and passes each call to it: the ledger ({@code JdbcLedger}),
 * retention ({@code JdbcRetention}), rights requests ({@code JdbcRights}), the outbox ({@code JdbcOutbox}), the
 * processing log ({@code JdbcProcessing}), receipts ({@code JdbcReceipts}) and email ({@code JdbcEmail}). Each part checks arguments, borrows one
 * connection per operation and decides its transaction; the SQL of each table is written once, in one repository per
 * table or concern, whose methods run on the connection they are handed and never commit.
 */
public final class JdbcStore implements ConsentStore, RetentionStore, RightsStore, OutboxStore, ProcessingStore,
        ReceiptStore, EmailStore {
    private final Transactions tx;
    private final Dialect dialect;
    private final String prefix;
    private final JdbcLedger ledger;
    private final JdbcRetention retention;
    private final JdbcRights rights;
    private final JdbcOutbox outbox;
    private final JdbcProcessing processing;
    private final JdbcReceipts receipts;
    private final JdbcEmail email;

    JdbcStore(DataSource dataSource, Dialect dialect, String prefix, boolean notifications, ConnectionBinding binding) {
        Transactions tx = new Transactions(dataSource, binding);
        this.tx = tx;
        this.dialect = dialect;
        this.prefix = prefix;
        this.ledger = new JdbcLedger(tx, dataSource, dialect, prefix, notifications);
        this.retention = new JdbcRetention(tx, dialect, prefix);
        this.rights = new JdbcRights(tx, dialect, prefix);
        this.outbox = new JdbcOutbox(tx, dialect, prefix, ledger, rights);
        this.processing = new JdbcProcessing(tx, dialect, prefix, ledger.feed());
        this.receipts = new JdbcReceipts(tx, dialect, prefix);
        this.email = new JdbcEmail(tx, dialect, prefix, ledger.feed());
    }

    /**
     * Starts configuring a store on the host's data source (ideally a connection pool).
     *
     * @param dataSource the data source every operation takes its connections from; checked by
     *     {@link JdbcStoreBuilder#build()}
     * @return a builder with the default settings
     */
    public static JdbcStoreBuilder builder(DataSource dataSource) {
        return new JdbcStoreBuilder(dataSource);
    }

    /**
     * The database in use, as configured or detected.
     *
     * @return the database
     */
    public Database database() {
        return dialect.database();
    }

    /**
     * The prefix of every table name.
     *
     * @return the table prefix
     */
    public String tablePrefix() {
        return prefix;
    }

    // ------------------------------------------------------------------------------------ host transactions

    /**
     * Joins the host's transaction on this thread: until the handle is closed, every operation this thread runs on
     * this store runs on {@code connection}, inside the host's transaction, and is committed or rolled back with it;
     * the store never commits, rolls back or closes the connection. Close the handle after the host's commit or
     * rollback; {@link JoinedTransaction} shows how.
     *
     * @param connection the host's open connection, with auto-commit off
     * @return the handle whose closing ends the join on this thread
     * @throws InvalidValueException when the connection is null, closed or in auto-commit mode, or this thread is
     *         inside a host's transaction already
     * @throws StoreException when the connection cannot tell its state
     */
    public JoinedTransaction join(java.sql.Connection connection) {
        return tx.join(connection);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here: this thread {@linkplain #join joined} a connection, or the {@link ConnectionBinding} answers one.
     */
    @Override
    public boolean inHostTransaction() {
        return tx.hostConnection() != null;
    }

    @Override
    public boolean afterHostTransaction(Runnable action) {
        return tx.afterHostTransaction(Checks.required("action", action));
    }

    // ------------------------------------------------------------------------------------------ ledger

    @Override
    public Map<SubjectId, ChainHead> heads(Collection<SubjectId> subjects) {
        return ledger.heads(subjects);
    }

    @Override
    public Map<EventId, ConsentEvent> findEvents(Collection<EventId> ids) {
        return ledger.findEvents(ids);
    }

    @Override
    public List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit) {
        return ledger.events(subject, afterSequence, limit);
    }

    @Override
    public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects) {
        return ledger.decisionFacts(subjects);
    }

    /** Narrowed on the database's side: the same query as {@link #decisionFacts(Collection)}, with one more condition. */
    @Override
    public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects, Set<PurposeId> purposes) {
        return ledger.decisionFacts(subjects, purposes);
    }

    @Override
    public AppendResult append(List<ConsentEvent> batch) {
        return ledger.append(batch);
    }

    @Override
    public AppendResult append(List<ConsentEvent> batch, List<RecipientNotice> notices) {
        return outbox.append(batch, notices);
    }

    @Override
    public LinkResult link(VisitorId visitor, SubjectId customer, Instant linkedAt) {
        return ledger.link(visitor, customer, linkedAt);
    }

    @Override
    public Optional<SubjectId> customerOf(VisitorId visitor) {
        return ledger.customerOf(visitor);
    }

    @Override
    public List<VisitorId> visitorsOf(SubjectId customer) {
        return ledger.visitorsOf(customer);
    }

    @Override
    public boolean prune(ChainCheckpoint checkpoint) {
        return ledger.prune(checkpoint);
    }

    @Override
    public Optional<ChainCheckpoint> checkpoint(SubjectId subject) {
        return ledger.checkpoint(subject);
    }

    @Override
    public FeedCursor changeCursor() {
        return ledger.changeCursor();
    }

    @Override
    public ChangeRead readChanges(FeedCursor cursor, int limit) {
        return ledger.readChanges(cursor, limit);
    }

    @Override
    public long pruneChanges(Instant writtenBefore) {
        return ledger.pruneChanges(writtenBefore);
    }

    @Override
    public long eraseChanges(SubjectId subject, Instant writtenBefore) {
        return ledger.eraseChanges(subject, writtenBefore);
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
        return ledger.onChanges(wakeUp);
    }

    // ------------------------------------------------------------------------------------- retention

    @Override
    public Optional<RetainedItem> item(ItemKey key) {
        return retention.item(key);
    }

    @Override
    public Map<ItemKey, RetainedItem> items(Collection<ItemKey> keys) {
        return retention.items(keys);
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

    @Override
    public boolean saveItem(RetainedItem item) {
        return retention.saveItem(item);
    }

    @Override
    public List<RetainedItem> dueItems(Instant dueBy, int limit) {
        return retention.dueItems(dueBy, Optional.empty(), limit);
    }

    @Override
    public List<RetainedItem> dueItemsAfter(Instant dueBy, DueCursor after, int limit) {
        return retention.dueItems(dueBy, Optional.of(Checks.required("after", after)), limit);
    }

    @Override
    public List<RetainedItem> undatedItems(int limit) {
        return retention.undatedItems(Optional.empty(), limit);
    }

    @Override
    public List<RetainedItem> undatedItemsAfter(ItemKey after, int limit) {
        return retention.undatedItems(Optional.of(Checks.required("after", after)), limit);
    }

    @Override
    public List<Claim> claimDue(Instant now, int limit, String owner, Duration lease) {
        return retention.claimDue(now, limit, owner, lease);
    }

    @Override
    public Optional<Claim> claimItem(ItemKey key, Instant now, String owner, Duration lease) {
        return retention.claimItem(key, now, owner, lease);
    }

    @Override
    public List<Optional<Claim>> renewClaims(List<Claim> claims, Duration lease) {
        return retention.renewClaims(claims, lease);
    }

    @Override
    public List<Boolean> releaseClaims(List<Claim> claims) {
        return retention.releaseClaims(claims);
    }

    @Override
    public List<Boolean> finishClaims(List<FinishedAttempt> finishes) {
        return retention.finishClaims(finishes);
    }

    @Override
    public boolean removeItem(RetainedItem item) {
        return retention.removeItem(item);
    }

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

    @Override
    public boolean saveRequest(RightsRequest request) {
        return rights.saveRequest(request);
    }

    @Override
    public boolean saveRequest(RightsRequest request, List<RecipientNotice> notices) {
        return outbox.saveRequest(request, notices);
    }

    @Override
    public Optional<RightsRequest> request(String id) {
        return rights.request(id);
    }

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

    // ----------------------------------------------------------------------------------------- outbox

    @Override
    public List<NoticeClaim> claimNotices(Instant now, int limit, String owner, Duration lease) {
        return outbox.claimNotices(now, limit, owner, lease);
    }

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

    @Override
    public OutboxBacklog backlog(int limit) {
        return outbox.backlog(limit);
    }

    // ---------------------------------------------------------------------------------- processing log

    @Override
    public UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition) {
        return processing.appendUses(entries, feedPosition);
    }

    @Override
    public List<ProcessingEntry> uses(SubjectId subject, int limit) {
        return processing.uses(subject, null, limit);
    }

    @Override
    public List<ProcessingEntry> usesAfter(SubjectId subject, UseCursor after, int limit) {
        return processing.uses(subject, Checks.required("after", after), limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUses(String pseudonym, int limit) {
        return processing.pseudonymisedUses(pseudonym, null, limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUsesAfter(String pseudonym, UseCursor after, int limit) {
        return processing.pseudonymisedUses(pseudonym, Checks.required("after", after), limit);
    }

    @Override
    public long countUses(PurposeId purpose, Instant from, Instant until) {
        return processing.countUses(purpose, from, until);
    }

    @Override
    public long pseudonymise(Map<SubjectId, String> pseudonyms) {
        return processing.pseudonymise(pseudonyms);
    }

    @Override
    public long pseudonymiseUpTo(Map<SubjectId, String> pseudonyms, Instant upTo) {
        return processing.pseudonymiseUpTo(pseudonyms, upTo);
    }

    @Override
    public List<SubjectId> subjectsWithUses(Instant upTo, int limit) {
        return processing.subjectsWithUses(upTo, null, limit);
    }

    @Override
    public List<SubjectId> subjectsWithUsesAfter(Instant upTo, SubjectId after, int limit) {
        return processing.subjectsWithUses(upTo, Checks.required("after", after), limit);
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
        return receipts.saveReceipt(receipt);
    }

    @Override
    public Optional<ConsentReceipt> receipt(EventId event) {
        return receipts.receipt(event);
    }

    @Override
    public List<ConsentReceipt> receipts(SubjectId subject) {
        return receipts.receipts(subject);
    }

    /** The change listener, if this store has one (for tests). */
    PostgresChangeListener changeListener() {
        return ledger.changeListener();
    }

    @Override
    public String toString() {
        return "JdbcStore[" + dialect + ", prefix " + prefix + "]";
    }

    // ------------------------------------------------------------------ suppression list and campaign recipients

    @Override
    public boolean suppress(SuppressionEntry entry) {
        return email.suppress(entry);
    }

    @Override
    public Set<String> suppressed(Collection<String> keyedHashes) {
        return email.suppressed(keyedHashes);
    }

    @Override
    public long release(Collection<String> keyedHashes) {
        return email.release(keyedHashes);
    }

    @Override
    public RecipientWrite recordRecipients(List<CampaignRecipient> recipients, long feedPosition) {
        return email.recordRecipients(recipients, feedPosition);
    }

    @Override
    public Map<SubjectId, CampaignRecipient> campaignRecipients(CampaignId campaign, Collection<SubjectId> subjects) {
        return email.campaignRecipients(campaign, subjects);
    }

    @Override
    public long forgetRecipient(SubjectId subject) {
        return email.forgetRecipient(subject);
    }
}
