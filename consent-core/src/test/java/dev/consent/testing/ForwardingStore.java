package dev.consent.testing;

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
import dev.consent.store.Claim;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import dev.consent.store.NoticeClaim;
import dev.consent.store.NoticeFinish;
import dev.consent.store.OutboxStore;
import dev.consent.store.ProcessingStore;
import dev.consent.store.ReceiptStore;
import dev.consent.store.RetentionStore;
import dev.consent.store.RightsStore;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every store SPI, each call passed to an {@link InMemoryStore}: tests extend it and override the calls they count,
 * slow down or make fail. A call the test overrides is seen only when the service calls it on this store; the
 * in-memory store's own composite writes (an append with its notices) go straight to the delegate.
 */
public class ForwardingStore implements ConsentStore, RetentionStore, RightsStore, OutboxStore, ProcessingStore,
        ReceiptStore {
    /** The store every call goes to. */
    protected final InMemoryStore delegate;

    /** Over a new, empty in-memory store. */
    public ForwardingStore() {
        this(new InMemoryStore());
    }

    public ForwardingStore(InMemoryStore delegate) {
        this.delegate = java.util.Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public Map<SubjectId, ChainHead> heads(Collection<SubjectId> subjects) {
        return delegate.heads(subjects);
    }

    @Override
    public AppendResult append(List<ConsentEvent> events) {
        return delegate.append(events);
    }

    @Override
    public Map<EventId, ConsentEvent> findEvents(Collection<EventId> ids) {
        return delegate.findEvents(ids);
    }

    @Override
    public List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit) {
        return delegate.events(subject, afterSequence, limit);
    }

    @Override
    public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects) {
        return delegate.decisionFacts(subjects);
    }

    @Override
    public LinkResult link(VisitorId visitor, SubjectId customer, Instant linkedAt) {
        return delegate.link(visitor, customer, linkedAt);
    }

    @Override
    public Optional<SubjectId> customerOf(VisitorId visitor) {
        return delegate.customerOf(visitor);
    }

    @Override
    public List<VisitorId> visitorsOf(SubjectId customer) {
        return delegate.visitorsOf(customer);
    }

    @Override
    public boolean prune(ChainCheckpoint checkpoint) {
        return delegate.prune(checkpoint);
    }

    @Override
    public Optional<ChainCheckpoint> checkpoint(SubjectId subject) {
        return delegate.checkpoint(subject);
    }

    @Override
    public AutoCloseable onChanges(Runnable wakeUp) {
        return delegate.onChanges(wakeUp);
    }

    @Override
    public FeedCursor changeCursor() {
        return delegate.changeCursor();
    }

    @Override
    public ChangeRead readChanges(FeedCursor cursor, int limit) {
        return delegate.readChanges(cursor, limit);
    }

    @Override
    public long pruneChanges(Instant writtenBefore) {
        return delegate.pruneChanges(writtenBefore);
    }

    @Override
    public long eraseChanges(SubjectId subject, Instant writtenBefore) {
        return delegate.eraseChanges(subject, writtenBefore);
    }

    @Override
    public Optional<RetainedItem> item(ItemKey key) {
        return delegate.item(key);
    }

    @Override
    public Map<ItemKey, RetainedItem> items(Collection<ItemKey> keys) {
        return delegate.items(keys);
    }

    @Override
    public List<RetainedItem> items(SubjectId subject) {
        return delegate.items(subject);
    }

    @Override
    public List<RetainedItem> allItems(int limit) {
        return delegate.allItems(limit);
    }

    @Override
    public List<RetainedItem> allItemsAfter(ItemKey after, int limit) {
        return delegate.allItemsAfter(after, limit);
    }

    @Override
    public boolean saveItem(RetainedItem item) {
        return delegate.saveItem(item);
    }

    @Override
    public List<RetainedItem> dueItems(Instant dueBy, int limit) {
        return delegate.dueItems(dueBy, limit);
    }

    @Override
    public List<RetainedItem> dueItemsAfter(Instant dueBy, DueCursor after, int limit) {
        return delegate.dueItemsAfter(dueBy, after, limit);
    }

    @Override
    public List<RetainedItem> undatedItems(int limit) {
        return delegate.undatedItems(limit);
    }

    @Override
    public List<RetainedItem> undatedItemsAfter(ItemKey after, int limit) {
        return delegate.undatedItemsAfter(after, limit);
    }

    @Override
    public List<Claim> claimDue(Instant now, int limit, String owner, Duration lease) {
        return delegate.claimDue(now, limit, owner, lease);
    }

    @Override
    public Optional<Claim> claimItem(ItemKey key, Instant now, String owner, Duration lease) {
        return delegate.claimItem(key, now, owner, lease);
    }

    @Override
    public List<Optional<Claim>> renewClaims(List<Claim> claims, Duration lease) {
        return delegate.renewClaims(claims, lease);
    }

    @Override
    public List<Boolean> releaseClaims(List<Claim> claims) {
        return delegate.releaseClaims(claims);
    }

    @Override
    public List<Boolean> finishClaims(List<FinishedAttempt> finishes) {
        return delegate.finishClaims(finishes);
    }

    @Override
    public boolean removeItem(RetainedItem item) {
        return delegate.removeItem(item);
    }

    @Override
    public void saveHold(LegalHold hold) {
        delegate.saveHold(hold);
    }

    @Override
    public Optional<LegalHold> hold(String id) {
        return delegate.hold(id);
    }

    @Override
    public List<LegalHold> holds(SubjectId subject) {
        return delegate.holds(subject);
    }

    @Override
    public Map<SubjectId, List<LegalHold>> holds(Collection<SubjectId> subjects) {
        return delegate.holds(subjects);
    }

    @Override
    public List<DisposalRecord> disposals(long afterSequence, int limit) {
        return delegate.disposals(afterSequence, limit);
    }

    @Override
    public boolean addTombstone(Tombstone tombstone) {
        return delegate.addTombstone(tombstone);
    }

    @Override
    public Optional<Tombstone> tombstone(String subjectReference) {
        return delegate.tombstone(subjectReference);
    }

    @Override
    public boolean saveRequest(RightsRequest request) {
        return delegate.saveRequest(request);
    }

    @Override
    public Optional<RightsRequest> request(String id) {
        return delegate.request(id);
    }

    @Override
    public List<RightsRequest> requests(SubjectId subject) {
        return delegate.requests(subject);
    }

    @Override
    public List<RightsRequest> openRequests(int limit) {
        return delegate.openRequests(limit);
    }

    @Override
    public List<RightsRequest> openRequestsAfter(RightsRequest after, int limit) {
        return delegate.openRequestsAfter(after, limit);
    }

    @Override
    public AppendResult append(List<ConsentEvent> events, List<RecipientNotice> notices) {
        return delegate.append(events, notices);
    }

    @Override
    public boolean saveRequest(RightsRequest request, List<RecipientNotice> notices) {
        return delegate.saveRequest(request, notices);
    }

    @Override
    public List<NoticeClaim> claimNotices(Instant now, int limit, String owner, Duration lease) {
        return delegate.claimNotices(now, limit, owner, lease);
    }

    @Override
    public boolean finishNotice(NoticeFinish finish) {
        return delegate.finishNotice(finish);
    }

    @Override
    public Optional<OutboxEntry> notice(String id) {
        return delegate.notice(id);
    }

    @Override
    public List<OutboxEntry> notices(SubjectId subject) {
        return delegate.notices(subject);
    }

    @Override
    public List<DeliveryRecord> deliveries(long afterSequence, int limit) {
        return delegate.deliveries(afterSequence, limit);
    }

    @Override
    public OutboxBacklog backlog(int limit) {
        return delegate.backlog(limit);
    }

    @Override
    public UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition) {
        return delegate.appendUses(entries, feedPosition);
    }

    @Override
    public List<ProcessingEntry> uses(SubjectId subject, int limit) {
        return delegate.uses(subject, limit);
    }

    @Override
    public List<ProcessingEntry> usesAfter(SubjectId subject, UseCursor after, int limit) {
        return delegate.usesAfter(subject, after, limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUses(String pseudonym, int limit) {
        return delegate.pseudonymisedUses(pseudonym, limit);
    }

    @Override
    public List<ProcessingEntry> pseudonymisedUsesAfter(String pseudonym, UseCursor after, int limit) {
        return delegate.pseudonymisedUsesAfter(pseudonym, after, limit);
    }

    @Override
    public long countUses(PurposeId purpose, Instant from, Instant until) {
        return delegate.countUses(purpose, from, until);
    }

    @Override
    public long pseudonymise(Map<SubjectId, String> pseudonyms) {
        return delegate.pseudonymise(pseudonyms);
    }

    @Override
    public long pseudonymiseUpTo(Map<SubjectId, String> pseudonyms, Instant upTo) {
        return delegate.pseudonymiseUpTo(pseudonyms, upTo);
    }

    @Override
    public List<SubjectId> subjectsWithUses(Instant upTo, int limit) {
        return delegate.subjectsWithUses(upTo, limit);
    }

    @Override
    public List<SubjectId> subjectsWithUsesAfter(Instant upTo, SubjectId after, int limit) {
        return delegate.subjectsWithUsesAfter(upTo, after, limit);
    }

    @Override
    public long deleteUses(Collection<SubjectId> subjects, Instant upTo) {
        return delegate.deleteUses(subjects, upTo);
    }

    @Override
    public long deletePseudonymisedUses(Instant upTo) {
        return delegate.deletePseudonymisedUses(upTo);
    }

    @Override
    public ConsentReceipt saveReceipt(ConsentReceipt receipt) {
        return delegate.saveReceipt(receipt);
    }

    @Override
    public Optional<ConsentReceipt> receipt(EventId event) {
        return delegate.receipt(event);
    }

    @Override
    public List<ConsentReceipt> receipts(SubjectId subject) {
        return delegate.receipts(subject);
    }
}
