package dev.consent.store;

import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.recipients.DeliveryRecord;
import dev.consent.store.NoticeClaim;
import dev.consent.store.NoticeFinish;
import dev.consent.recipients.OutboxBacklog;
import dev.consent.recipients.OutboxEntry;
import dev.consent.recipients.RecipientNotice;
import dev.consent.rights.RightsRequest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The recipients' outbox (GDPR Art. 19: every rectification, erasure and restriction carried out is communicated to
 * each recipient; seed 001_f688c41ce3130c59.txt, section 4.2, lists them). A notice is written in the same atomic
 * store call as the change that caused it, by the two writes below that extend {@link ConsentStore#append} and
 * {@link RightsStore#saveRequest}: after a crash there is either the change and its notices, or neither. Dispatchers
 * on any number of nodes then claim due notices under a lease, call the host's notifier and record each attempt with
 * an audit entry that holds no personal data.
 *
 * <p>A store implementing this interface works on the same storage as the {@link ConsentStore} and {@link RightsStore}
 * the services write through (the notices join their transactions): consent-jdbc's {@code JdbcStore} implements all
 * three, and consent-core's {@link InMemoryOutboxStore} is built over an {@link InMemoryConsentStore} and an
 * {@link InMemoryRightsStore} ({@link InMemoryStore} composes them). Thread-safe and safe to share between nodes. Expected conflicts are
 * returned as values; failures throw {@link dev.consent.StoreException}. Every implementation must pass
 * {@code OutboxStoreContract} from consent-core's test-jar.
 */
public interface OutboxStore {

    /**
     * Exactly {@link ConsentStore#append(List)}, and in the same atomic write, only if the events are appended, the
     * notices, each pending and due at its {@link RecipientNotice#recordedAt()}. A refused append (a conflict) writes
     * no notice; a failed one writes nothing at all. A notice whose id is already stored is left as stored (its cause
     * was written before).
     *
     * @param events the events, as for {@link ConsentStore#append(List)}
     * @param notices the notices the events cause
     * @return the append's result; notices are written exactly when it is appended
     */
    ConsentStore.AppendResult append(List<ConsentEvent> events, List<RecipientNotice> notices);

    /**
     * Exactly {@link RightsStore#saveRequest(RightsRequest)}, and in the same atomic write, only if the request is
     * saved, the notices (as for {@link #append(List, List)}). Returns false, writing neither, when another writer
     * saved the request first.
     *
     * @param request the request, carrying the version it was read at
     * @param notices the notices the save causes
     * @return true when the request and the notices were written
     */
    boolean saveRequest(RightsRequest request, List<RecipientNotice> notices);

    /**
     * Atomically claims up to {@code limit} pending notices due at or before {@code now} (their next attempt), in due
     * order then id order, that are not claimed under a lease running after {@code now}. Two callers never receive
     * the same notice while its lease runs; once it has lapsed the notice can be claimed again. Each claim carries the
     * entry as stored when it was claimed and its attempt number (failed attempts plus one).
     *
     * @param now the caller's instant, deciding what is due and which leases have lapsed
     * @param limit how many notices at most
     * @param owner the claiming dispatcher's name
     * @param lease how long each claim lasts after {@code now}
     * @return the claims made; empty when nothing is claimable
     */
    List<NoticeClaim> claimNotices(Instant now, int limit, String owner, Duration lease);

    /**
     * Records a finished attempt if its claim is still held (the token matches), atomically: clears the claim and
     * appends the audit entry; for a delivery, marks the notice delivered at the audit's instant and, when the notice
     * names a rights request of the same subject that is stored here, appends to that request's history a step at
     * the same instant with the finish's note (its status unchanged, its version one higher); for a failure, counts
     * the attempt and makes the notice due again at {@code retryAt}. Returns false and changes nothing when the claim
     * was lost (its lease lapsed and another dispatcher claimed the notice).
     *
     * @param finish the claim, its audit entry, and for a failure its retry instant
     * @return true when recorded
     */
    boolean finishNotice(NoticeFinish finish);

    /**
     * The entry of one notice, if stored.
     *
     * @param id the notice's id
     * @return the entry with its state, or empty when no notice has that id
     */
    Optional<OutboxEntry> notice(String id);

    /**
     * Every notice about a subject, pending and delivered, in the order they were recorded (then by id).
     *
     * @param subject the subject the notices are about
     * @return the entries; empty when none was recorded
     */
    List<OutboxEntry> notices(SubjectId subject);

    /**
     * Delivery audit entries with a sequence above {@code afterSequence}, in sequence order (gapless from 1).
     *
     * @param afterSequence the last sequence read; 0 from the start
     * @param limit how many entries at most
     * @return the entries; empty when none is newer
     */
    List<DeliveryRecord> deliveries(long afterSequence, int limit);

    /**
     * The pending notices (every notice not yet delivered), counted up to {@code limit}, and the earliest instant one
     * of them is due; for metrics and health checks. A read, never blocked by claims.
     *
     * @param limit the most notices counted, 1 to 10,000
     * @return the backlog; {@link OutboxBacklog#more()} tells whether more are pending than {@code limit}
     */
    OutboxBacklog backlog(int limit);
}
