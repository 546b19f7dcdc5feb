package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.email.CampaignId;
import dev.consent.email.CampaignRecipient;
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

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every store SPI over one JVM's memory, for tests, examples and single-node hosts that rebuild state on start:
 * nothing survives a restart. It composes one in-memory store per SPI ({@link InMemoryConsentStore},
 * {@link InMemoryRetentionStore}, {@link InMemoryRightsStore}, {@link InMemoryOutboxStore},
 * {@link InMemoryProcessingStore}, {@link InMemoryReceiptStore}, {@link InMemoryEmailStore}) and passes each call to the one that owns it. The
 * outbox and the processing log are built over this store's consent ledger and rights requests, so a notice is
 * written atomically with the append or request save that caused it, and a processing-log append is guarded by this
 * ledger's change feed. Thread-safe.
 *
 * <p>Sweeper leases are set and judged by the retention store's one clock (see {@link RetentionStore#claimDue}),
 * given to the constructor, so every service sharing the store agrees on them whatever clocks the services have.
 */
public final class InMemoryStore implements ConsentStore, RetentionStore, RightsStore, OutboxStore, ProcessingStore,
        ReceiptStore, EmailStore {
    /** Package-private, with the other parts, for tests of this package that damage stored state. */
    final InMemoryConsentStore consents;
    private final InMemoryRetentionStore retention;
    private final InMemoryRightsStore rights;
    private final InMemoryOutboxStore outbox;
    private final InMemoryProcessingStore processing;
    private final InMemoryReceiptStore receipts;
    private final InMemoryEmailStore email;

    /** A store whose sweeper leases run on the system clock (UTC). */
    public InMemoryStore() {
        this(Clock.systemUTC());
    }

    /**
     * A store whose sweeper leases are set and judged by {@code leaseClock} (tests move it to run leases out).
     *
     * @param leaseClock the store's own clock, for sweeper leases
     * @throws InvalidValueException if {@code leaseClock} is null
     */
    public InMemoryStore(Clock leaseClock) {
        Checks.required("leaseClock", leaseClock);
        this.consents = new InMemoryConsentStore();
        this.retention = new InMemoryRetentionStore(leaseClock);
        this.rights = new InMemoryRightsStore();
        this.outbox = new InMemoryOutboxStore(consents, rights);
        this.processing = new InMemoryProcessingStore(consents);
        this.receipts = new InMemoryReceiptStore();
        this.email = new InMemoryEmailStore(consents);
    }

    // ------------------------------------------------------------------ consent ledger

    @Override
    public Map<SubjectId, ChainHead> heads(Collection<SubjectId> subjects) {
        return consents.heads(subjects);
    }

    @Override
    public AppendResult append(List<ConsentEvent> events) {
        return consents.append(events);
    }

    @Override
    public Map<EventId, ConsentEvent> findEvents(Collection<EventId> ids) {
        return consents.findEvents(ids);
    }

    @Override
    public List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit) {
        return consents.events(subject, afterSequence, limit);
    }

    @Override
    public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects) {
        return consents.decisionFacts(subjects);
    }

    @Override
    public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects, Set<PurposeId> purposes) {
        return consents.decisionFacts(subjects, purposes);
    }

    @Override
    public LinkResult link(VisitorId visitor, SubjectId customer, Instant linkedAt) {
        return consents.link(visitor, customer, linkedAt);
    }

    @Override
    public Optional<SubjectId> customerOf(VisitorId visitor) {
        return consents.customerOf(visitor);
    }

    @Override
    public List<VisitorId> visitorsOf(SubjectId customer) {
        return consents.visitorsOf(customer);
    }

    @Override
    public boolean prune(ChainCheckpoint checkpoint) {
        return consents.prune(checkpoint);
    }

    @Override
    public Optional<ChainCheckpoint> checkpoint(SubjectId subject) {
        return consents.checkpoint(subject);
    }

    @Override
    public AutoCloseable onChanges(Runnable wakeUp) {
        return consents.onChanges(wakeUp);
    }

    @Override
    public FeedCursor changeCursor() {
        return consents.changeCursor();
    }

    @Override
    public ChangeRead readChanges(FeedCursor cursor, int limit) {
        return consents.readChanges(cursor, limit);
    }

    @Override
    public long pruneChanges(Instant writtenBefore) {
        return consents.pruneChanges(writtenBefore);
    }

    @Override
    public long eraseChanges(SubjectId subject, Instant writtenBefore) {
        return consents.eraseChanges(subject, writtenBefore);
    }

    // ----------------------------------------------------------------------- retention

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
        return retention.allItems(limit);
    }

    @Override
    public List<RetainedItem> allItemsAfter(ItemKey after, int limit) {
        return retention.allItemsAfter(after, limit);
    }

    @Override
    public boolean saveItem(RetainedItem item) {
        return retention.saveItem(item);
    }

    @Override
    public List<RetainedItem> dueItems(Instant dueBy, int limit) {
        return retention.dueItems(dueBy, limit);
    }

    @Override
    public List<RetainedItem> dueItemsAfter(Instant dueBy, DueCursor after, int limit) {
        return retention.dueItemsAfter(dueBy, after, limit);
    }

    @Override
    public List<RetainedItem> undatedItems(int limit) {
        return retention.undatedItems(limit);
    }

    @Override
    public List<RetainedItem> undatedItemsAfter(ItemKey after, int limit) {
        return retention.undatedItemsAfter(after, limit);
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

    // ----------------------------------------------------------------- rights requests

    @Override
    public boolean saveRequest(RightsRequest request) {
        return rights.saveRequest(request);
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

    // -------------------------------------------------------------- recipients' outbox

    @Override
    public AppendResult append(List<ConsentEvent> events, List<RecipientNotice> notices) {
        return outbox.append(events, notices);
    }

    @Override
    public boolean saveRequest(RightsRequest request, List<RecipientNotice> notices) {
        return outbox.saveRequest(request, notices);
    }

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

    // ------------------------------------------------------------------ processing log

    @Override
    public UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition) {
        return processing.appendUses(entries, feedPosition);
    }

    @Override
    public List<ProcessingEntry> uses(SubjectId subject, int limit) {
        return processing.uses(subject, limit);
    }

    @Override
    public List<ProcessingEntry> usesAfter(SubjectId subject, UseCursor after, int limit) {
        return processing.usesAfter(subject, after, limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUses(String pseudonym, int limit) {
        return processing.pseudonymisedUses(pseudonym, limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUsesAfter(String pseudonym, UseCursor after, int limit) {
        return processing.pseudonymisedUsesAfter(pseudonym, after, limit);
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
        return processing.subjectsWithUses(upTo, limit);
    }

    @Override
    public List<SubjectId> subjectsWithUsesAfter(Instant upTo, SubjectId after, int limit) {
        return processing.subjectsWithUsesAfter(upTo, after, limit);
    }

    @Override
    public long deleteUses(Collection<SubjectId> subjects, Instant upTo) {
        return processing.deleteUses(subjects, upTo);
    }

    @Override
    public long deletePseudonymisedUses(Instant upTo) {
        return processing.deletePseudonymisedUses(upTo);
    }

    // ------------------------------------------------------------------------ receipts

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
