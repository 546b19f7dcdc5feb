package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.testing.TestKeys;

import dev.consent.ConsentService;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.recipients.DeliveryHistory;
import dev.consent.recipients.DeliveryRecord;
import dev.consent.recipients.NoticeAction;
import dev.consent.store.NoticeClaim;
import dev.consent.store.NoticeFinish;
import dev.consent.recipients.OutboxBacklog;
import dev.consent.recipients.OutboxEntry;
import dev.consent.recipients.RecipientDispatcher;
import dev.consent.recipients.RecipientNotice;
import dev.consent.recipients.RecipientNotification;
import dev.consent.retention.Anchor;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RecipientsPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The behaviour every {@link OutboxStore} must have, and the recipients' outbox end to end on it: GDPR Art. 19
 * (every rectification, erasure and restriction carried out is communicated to each recipient), Art. 17(2) (recipients
 * that are controllers learn of the erasure request), Art. 7(3) (a withdrawal stops the recipients too), over the
 * recipients table of seed 001_f688c41ce3130c59.txt (section 4.2). Published in consent-core's test-jar; each store's
 * test extends it and supplies a fresh, empty store (which also implements {@link ConsentStore}, {@link RightsStore}
 * and {@link RetentionStore}) per test.
 */
public abstract class OutboxStoreContract {
    private static final Instant T0 = Instant.parse("2025-06-04T08:00:00.123456Z");
    private static final SubjectId ALICE = SubjectId.of("alice \u05e9'; --");
    private static final SubjectId BOB = SubjectId.of("bob");

    protected OutboxStore outbox;
    private final MutableClock clock = new MutableClock(T0);
    private final List<RecipientNotification> told = new CopyOnWriteArrayList<>();
    private ConsentService consents;

    /** A new, empty store, also a {@link ConsentStore}, a {@link RightsStore} and a {@link RetentionStore}. */
    protected abstract OutboxStore createOutboxStore();

    @BeforeEach
    void freshStore() {
        // subclasses may share one instance between tests (PER_CLASS): start every test from the same state
        clock.set(T0);
        told.clear();
        outbox = createOutboxStore();
        consents = ConsentService.builder().policy(RecipientsPolicy.policy()).store(ledger()).clock(clock).build();
    }

    @AfterEach
    void closeService() {
        consents.close();
    }

    private ConsentStore ledger() {
        return (ConsentStore) outbox;
    }

    private RightsStore requests() {
        return (RightsStore) outbox;
    }

    private RightsService rights() {
        RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RecipientsPolicy.policy())
                .store((RetentionStore) outbox).clock(clock).build();
        Sweeper sweeper = Sweeper.builder(retention).handler("contact.email", r -> { })
                .handler("order.record", r -> { }).handler("usage.statistics", r -> { }).build();
        return RightsService.builder().consents(consents).sweeper(sweeper).store(requests()).clock(clock).build();
    }

    private RecipientDispatcher dispatcher(String node) {
        return RecipientDispatcher.builder().store(outbox).notifier(told::add).clock(clock).node(node)
                .lease(Duration.ofMinutes(1)).retryBackoff(Duration.ofMinutes(1), Duration.ofMinutes(3)).build();
    }

    // ------------------------------------------------------------------------------------------ store level

    private static RecipientNotice notice(String cause, SubjectId subject, Instant at, Optional<String> requestId) {
        return new RecipientNotice(RecipientNotice.idOf(NoticeAction.WITHDRAWAL, "mailer", List.of(cause)), subject,
                "mailer", "MailWave (email service provider)", Recipient.Role.PROCESSOR, NoticeAction.WITHDRAWAL,
                new TreeSet<>(Set.of(RecipientsPolicy.NEWSLETTER)), new TreeSet<>(Set.of(CategoryId.of("contact.email"))),
                requestId, at, at);
    }

    private static ConsentEvent withdrawal(SubjectId subject, String id, long sequence, String previousHash) {
        return ConsentEvent.chain(new NewConsentEvent(EventId.of(id), subject, RecipientsPolicy.NEWSLETTER, 1, "1",
                Choice.WITHDRAWN, T0, T0, Optional.empty(), Method.UNSUBSCRIBE_LINK, Actor.SUBJECT,
                OptionalInt.empty(), Evidence.NONE), sequence, previousHash);
    }

    private static RightsRequest request(String id, SubjectId subject, long version) {
        return new RightsRequest(id, subject, RequestType.ERASURE, RequestStatus.RECEIVED, T0, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                List.of(new RightsRequest.Transition(RequestStatus.RECEIVED, T0, "subject", "received via e-mail")),
                version);
    }

    @Test
    void noticesAreWrittenInTheAppendOfTheEventsThatCausedThem() {
        ConsentEvent e = withdrawal(ALICE, "evt-1", 1, ConsentChain.GENESIS);
        RecipientNotice n = notice("evt-1", ALICE, T0, Optional.empty());

        assertThat(outbox.append(List.of(e), List.of(n)).appended()).isTrue();

        assertThat(ledger().findEvents(List.of(e.id()))).containsKey(e.id());
        assertThat(outbox.notice(n.id())).contains(OutboxEntry.pending(n));
        assertThat(outbox.notices(ALICE)).containsExactly(OutboxEntry.pending(n));
        assertThat(outbox.notices(BOB)).isEmpty();
    }

    @Test
    void aRefusedAppendWritesNoNotice() {
        // GDPR Art. 19 needs the notice exactly when the change happened: a refused change leaves neither behind
        ConsentEvent stored = withdrawal(ALICE, "evt-1", 1, ConsentChain.GENESIS);
        ledger().append(List.of(stored));
        RecipientNotice afterWrongHead = notice("evt-2", ALICE, T0, Optional.empty());
        ConsentStore.AppendResult moved = outbox.append(List.of(withdrawal(ALICE, "evt-2", 1, ConsentChain.GENESIS)),
                List.of(afterWrongHead));
        RecipientNotice afterDuplicate = notice("evt-1b", ALICE, T0, Optional.empty());
        ConsentStore.AppendResult duplicate = outbox.append(List.of(withdrawal(ALICE, "evt-1", 2, stored.hash())),
                List.of(afterDuplicate));

        assertThat(moved.appended()).isFalse();
        assertThat(moved.headConflicts()).containsExactly(ALICE);
        assertThat(duplicate.appended()).isFalse();
        assertThat(duplicate.duplicateIds()).containsExactly(EventId.of("evt-1"));
        assertThat(outbox.notice(afterWrongHead.id())).isEmpty();
        assertThat(outbox.notice(afterDuplicate.id())).isEmpty();
        assertThat(outbox.notices(ALICE)).isEmpty();
    }

    @Test
    void noticesAreWrittenInTheSaveOfTheRequestThatCausedThemAndNotWhenItLoses() {
        RecipientNotice first = notice("request:req-1", ALICE, T0, Optional.of("req-1"));
        assertThat(outbox.saveRequest(request("req-1", ALICE, 0), List.of(first))).isTrue();
        RecipientNotice lost = notice("request:req-1/again", ALICE, T0, Optional.of("req-1"));

        assertThat(outbox.saveRequest(request("req-1", ALICE, 0), List.of(lost))).as("req-1 is stored already")
                .isFalse();

        assertThat(requests().request("req-1")).contains(request("req-1", ALICE, 1));
        assertThat(outbox.notices(ALICE)).containsExactly(OutboxEntry.pending(first));
    }

    @Test
    void aNoticeAlreadyStoredIsKeptAsStored() {
        RecipientNotice n = notice("evt-1", ALICE, T0, Optional.empty());
        outbox.append(List.of(withdrawal(ALICE, "evt-1", 1, ConsentChain.GENESIS)), List.of(n));
        NoticeClaim claim = outbox.claimNotices(T0, 10, "node-a", Duration.ofMinutes(1)).get(0);
        outbox.finishNotice(delivered(claim, T0.plusSeconds(1), Optional.empty()));

        assertThat(outbox.saveRequest(request("req-1", ALICE, 0), List.of(n))).isTrue();

        assertThat(outbox.notice(n.id()).orElseThrow().state()).isEqualTo(OutboxEntry.State.DELIVERED);
        assertThat(outbox.notices(ALICE)).hasSize(1);
    }

    @Test
    void claimsAreExclusiveWhileTheLeaseRunsAndInDueOrder() {
        RecipientNotice later = notice("evt-b", BOB, T0.plusSeconds(5), Optional.empty());
        RecipientNotice earlier = notice("evt-a", ALICE, T0, Optional.empty());
        outbox.append(List.of(withdrawal(BOB, "evt-b", 1, ConsentChain.GENESIS)), List.of(later));
        outbox.append(List.of(withdrawal(ALICE, "evt-a", 1, ConsentChain.GENESIS)), List.of(earlier));
        Instant now = T0.plusSeconds(10);

        assertThat(outbox.claimNotices(T0.minusSeconds(1), 10, "node-a", Duration.ofMinutes(1)))
                .as("nothing is due before it was recorded").isEmpty();
        List<NoticeClaim> a = outbox.claimNotices(now, 1, "node-a", Duration.ofMinutes(1));
        List<NoticeClaim> b = outbox.claimNotices(now, 10, "node-b", Duration.ofMinutes(1));
        List<NoticeClaim> c = outbox.claimNotices(now, 10, "node-c", Duration.ofMinutes(1));

        assertThat(a).singleElement().satisfies(claim -> {
            assertThat(claim.entry()).isEqualTo(OutboxEntry.pending(earlier));
            assertThat(claim.owner()).isEqualTo("node-a");
            assertThat(claim.attempt()).isEqualTo(1);
            assertThat(claim.leaseUntil()).isEqualTo(now.plus(Duration.ofMinutes(1)));
        });
        assertThat(b).singleElement().satisfies(claim -> assertThat(claim.entry().notice()).isEqualTo(later));
        assertThat(c).as("both are held while their leases run").isEmpty();
        List<NoticeClaim> afterLease = outbox.claimNotices(now.plus(Duration.ofMinutes(1)), 10, "node-c",
                Duration.ofMinutes(1));
        assertThat(afterLease).extracting(cl -> cl.entry().notice()).containsExactly(earlier, later);
        assertThat(afterLease).extracting(NoticeClaim::attempt).containsExactly(1, 1);
        assertThat(afterLease.get(0).token()).isNotEqualTo(a.get(0).token());
    }

    @Test
    void aDeliveryIsRecordedOnceAuditedWithoutTheSubjectAndNeverClaimedAgain() {
        RecipientNotice n = notice("evt-1", ALICE, T0, Optional.empty());
        outbox.append(List.of(withdrawal(ALICE, "evt-1", 1, ConsentChain.GENESIS)), List.of(n));
        NoticeClaim claim = outbox.claimNotices(T0, 10, "node-a", Duration.ofMinutes(1)).get(0);
        Instant at = T0.plusSeconds(2);

        assertThat(outbox.finishNotice(delivered(claim, at, Optional.empty()))).isTrue();
        assertThat(outbox.finishNotice(delivered(claim, at, Optional.empty()))).as("the claim is gone").isFalse();

        assertThat(outbox.notice(n.id())).contains(new OutboxEntry(n, OutboxEntry.State.DELIVERED, 0,
                Optional.empty(), Optional.of(at), Optional.empty()));
        assertThat(outbox.claimNotices(at.plus(Duration.ofDays(1)), 10, "node-b", Duration.ofMinutes(1))).isEmpty();
        assertThat(outbox.deliveries(0, 10)).containsExactly(delivered(claim, at, Optional.empty()).audit()
                .withSequence(1));
        assertThat(outbox.deliveries(0, 10).toString()).doesNotContain("alice");
    }

    @Test
    void theBacklogCountsPendingNoticesUpToTheLimitWithTheEarliestDue() {
        assertThat(outbox.backlog(10)).isEqualTo(OutboxBacklog.EMPTY);
        RecipientNotice later = notice("evt-b", BOB, T0.plusSeconds(5), Optional.empty());
        RecipientNotice earlier = notice("evt-a", ALICE, T0, Optional.empty());
        outbox.append(List.of(withdrawal(BOB, "evt-b", 1, ConsentChain.GENESIS)), List.of(later));
        outbox.append(List.of(withdrawal(ALICE, "evt-a", 1, ConsentChain.GENESIS)), List.of(earlier));

        assertThat(outbox.backlog(10)).isEqualTo(new OutboxBacklog(2, false, Optional.of(T0)));
        assertThat(outbox.backlog(1)).as("counted up to the limit").isEqualTo(new OutboxBacklog(1, true,
                Optional.of(T0)));
        assertThat(outbox.backlog(2)).isEqualTo(new OutboxBacklog(2, false, Optional.of(T0)));

        NoticeClaim claim = outbox.claimNotices(T0, 1, "node-a", Duration.ofMinutes(1)).get(0);
        assertThat(outbox.backlog(10)).as("a claimed notice is still pending").isEqualTo(new OutboxBacklog(2, false,
                Optional.of(T0)));
        assertThat(outbox.finishNotice(delivered(claim, T0.plusSeconds(1), Optional.empty()))).isTrue();
        assertThat(outbox.backlog(10)).isEqualTo(new OutboxBacklog(1, false, Optional.of(T0.plusSeconds(5))));
        assertThatThrownBy(() -> outbox.backlog(0)).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> outbox.backlog(10_001)).isInstanceOf(InvalidValueException.class);
    }

    @Test
    void aFailureCountsTheAttemptAndTheNoticeWaitsForItsRetry() {
        RecipientNotice n = notice("evt-1", ALICE, T0, Optional.empty());
        outbox.append(List.of(withdrawal(ALICE, "evt-1", 1, ConsentChain.GENESIS)), List.of(n));
        NoticeClaim claim = outbox.claimNotices(T0, 10, "node-a", Duration.ofMinutes(1)).get(0);
        Instant retryAt = T0.plusSeconds(60);

        assertThat(outbox.finishNotice(failed(claim, T0.plusSeconds(1), retryAt))).isTrue();

        assertThat(outbox.notice(n.id())).contains(new OutboxEntry(n, OutboxEntry.State.PENDING, 1,
                Optional.of(retryAt), Optional.empty(), Optional.of("java.net.ConnectException")));
        assertThat(outbox.claimNotices(retryAt.minusNanos(1000), 10, "node-a", Duration.ofMinutes(1))).isEmpty();
        assertThat(outbox.claimNotices(retryAt, 10, "node-b", Duration.ofMinutes(1)))
                .singleElement().satisfies(again -> assertThat(again.attempt()).isEqualTo(2));
        assertThat(outbox.deliveries(0, 10)).extracting(DeliveryRecord::outcome)
                .containsExactly(DeliveryRecord.Outcome.FAILED);
    }

    @Test
    void aLostClaimRecordsNothing() {
        RecipientNotice n = notice("evt-1", ALICE, T0, Optional.empty());
        outbox.append(List.of(withdrawal(ALICE, "evt-1", 1, ConsentChain.GENESIS)), List.of(n));
        NoticeClaim stale = outbox.claimNotices(T0, 10, "node-a", Duration.ofSeconds(30)).get(0);
        NoticeClaim takeover = outbox.claimNotices(T0.plusSeconds(30), 10, "node-b", Duration.ofMinutes(1)).get(0);

        assertThat(outbox.finishNotice(delivered(stale, T0.plusSeconds(31), Optional.empty()))).isFalse();
        assertThat(outbox.deliveries(0, 10)).isEmpty();
        assertThat(outbox.notice(n.id()).orElseThrow().state()).isEqualTo(OutboxEntry.State.PENDING);
        assertThat(outbox.finishNotice(delivered(takeover, T0.plusSeconds(32), Optional.empty()))).isTrue();
        assertThat(outbox.deliveries(0, 10)).extracting(DeliveryRecord::sequence, DeliveryRecord::node)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, "node-b"));
    }

    @Test
    void aDeliveryEntersTheHistoryOfTheRequestOfItsSubjectOnly() {
        outbox.saveRequest(request("req-1", ALICE, 0), List.of());
        outbox.saveRequest(request("req-2", BOB, 0), List.of());
        RecipientNotice mine = notice("request:req-1", ALICE, T0, Optional.of("req-1"));
        RecipientNotice notBobs = notice("evt-1", ALICE, T0, Optional.of("req-2"));
        outbox.append(List.of(withdrawal(ALICE, "evt-1", 1, ConsentChain.GENESIS)), List.of(notBobs));
        assertThat(outbox.saveRequest(request("req-1", ALICE, 0), List.of(mine))).as("a lost save: req-1 exists")
                .isFalse();
        assertThat(outbox.saveRequest(requests().request("req-1").orElseThrow(), List.of(mine))).isTrue();
        Instant at = T0.plusSeconds(3);
        for (NoticeClaim claim : outbox.claimNotices(T0, 10, "node-a", Duration.ofMinutes(1))) {
            assertThat(outbox.finishNotice(delivered(claim, at, Optional.of(DeliveryHistory.note(
                    claim.entry().notice(), at))))).isTrue();
        }

        RightsRequest r1 = requests().request("req-1").orElseThrow();
        assertThat(r1.version()).isEqualTo(3);
        assertThat(r1.status()).isEqualTo(RequestStatus.RECEIVED);
        assertThat(r1.history()).hasSize(2);
        assertThat(r1.history().get(1)).isEqualTo(new RightsRequest.Transition(RequestStatus.RECEIVED, at,
                DeliveryHistory.ACTOR, "told MailWave (email service provider) at " + at
                        + ": WITHDRAWAL of contact.email (marketing.email)"));
        assertThat(requests().request("req-2")).as("another subject's request is never written")
                .contains(request("req-2", BOB, 1));
    }

    private static NoticeFinish delivered(NoticeClaim claim, Instant at, Optional<String> note) {
        RecipientNotice n = claim.entry().notice();
        return new NoticeFinish(claim, new DeliveryRecord(0, at, n.id(), n.recipientId(), n.action(), n.purposes(),
                n.categories(), DeliveryRecord.Outcome.DELIVERED, claim.attempt(), claim.owner(), Optional.empty()),
                Optional.empty(), note);
    }

    private static NoticeFinish failed(NoticeClaim claim, Instant at, Instant retryAt) {
        RecipientNotice n = claim.entry().notice();
        return new NoticeFinish(claim, new DeliveryRecord(0, at, n.id(), n.recipientId(), n.action(), n.purposes(),
                n.categories(), DeliveryRecord.Outcome.FAILED, claim.attempt(), claim.owner(),
                Optional.of("java.net.ConnectException")), Optional.of(retryAt), Optional.empty());
    }

    // -------------------------------------------------------------------------------------- end to end

    private static Capture unsubscribe() {
        return Capture.by(Method.UNSUBSCRIBE_LINK);
    }

    /** Recipient id to action, purposes and categories, of the notices written about a subject. */
    private Map<String, String> noticesOf(SubjectId subject) {
        return outbox.notices(subject).stream().map(OutboxEntry::notice).collect(Collectors.toMap(
                n -> n.recipientId() + " " + n.action(), RecipientNotice::describe, (x, y) -> x + " | " + y,
                TreeMap::new));
    }

    @Test
    void aWithdrawalTellsTheRecipientsOfThePurposeAndThoseBeneathItWithTheSubject() throws Exception {
        // GDPR Art. 7(3) with Art. 19: the email service provider must stop sending, so it is told
        consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        assertThat(outbox.notices(ALICE)).as("a grant tells nobody").isEmpty();
        clock.advance(Duration.ofMinutes(1));
        ConsentEvent withdrawal = consents.withdraw(ALICE, RecipientsPolicy.MARKETING, unsubscribe());

        assertThat(noticesOf(ALICE)).containsExactly(
                Map.entry("mailer WITHDRAWAL", "WITHDRAWAL of contact.email (marketing.email)"));
        RecipientNotice n = outbox.notices(ALICE).get(0).notice();
        assertThat(n.occurredAt()).isEqualTo(withdrawal.occurredAt());
        assertThat(n.requestId()).isEmpty();

        DeliveryReportAssert.assertDelivered(dispatcher("node-a").deliver(100, Duration.ofMinutes(1)), 1, 0);
        assertThat(told).singleElement().satisfies(t -> {
            assertThat(t.recipientId()).isEqualTo("mailer");
            assertThat(t.action()).isEqualTo(NoticeAction.WITHDRAWAL);
            assertThat(t.subject()).as("the recipient must know whom to stop mailing").isEqualTo(ALICE);
            assertThat(t.idempotencyKey()).isEqualTo(n.id());
            assertThat(t.attempt()).isEqualTo(1);
        });
        assertThat(outbox.notice(n.id()).orElseThrow().deliveredAt()).contains(clock.instant());
    }

    @Test
    void aWithdrawalOfAConsentNeverGivenTellsNobodyForTellingWouldDiscloseTheSubject() {
        consents.withdraw(BOB, RecipientsPolicy.ADS, unsubscribe());
        consents.deny(BOB, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        consents.withdraw(BOB, RecipientsPolicy.NEWSLETTER, unsubscribe());

        assertThat(outbox.notices(BOB)).isEmpty();
    }

    @Test
    void aRestrictionTellsEveryRecipientThatMayHaveTheDataOncePerRecipient() {
        // GDPR Art. 18 and 19; the tax office receives under a legal obligation, which a restriction does not stop
        consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        consents.restrict(ALICE, Capture.by(Method.RIGHTS_REQUEST));

        assertThat(noticesOf(ALICE)).containsExactly(
                Map.entry("analytics-service RESTRICTION", "RESTRICTION of usage.statistics (analytics)"),
                Map.entry("cloud-storage RESTRICTION",
                        "RESTRICTION of account.profile, order.record, support.ticket (orders, support)"),
                Map.entry("mailer RESTRICTION", "RESTRICTION of contact.email (marketing.email)"),
                Map.entry("payments RESTRICTION", "RESTRICTION of order.record (orders)"),
                Map.entry("support-tools RESTRICTION", "RESTRICTION of contact.email, support.ticket (support)"));
    }

    /**
     * A customer of whom retention knows no item (anchors never recorded) asks for erasure: the recipients are told
     * in the same save that moves the request to AWAITING_HOST_CONFIRMATION, each delivery is listed in its history
     * while it waits, and it completes only when the shop confirms what it erased (GDPR Art. 17(1), 17(2), 19,
     * Art. 5(2)).
     */
    @Test
    void anErasureOfAnUnknownCustomerTellsTheRecipientsAndWaitsForTheShopsConfirmation() {
        consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        RightsService rights = rights();
        RightsRequest request = rights.receive(ALICE, RequestType.ERASURE, "email");
        rights.verifyIdentity(request.id(), "dpo", "signed-in session");
        clock.advance(Duration.ofHours(1));

        assertThat(rights.erase(request.id(), "dpo").nothingKnown()).isTrue();

        RightsRequest waiting = requests().request(request.id()).orElseThrow();
        assertThat(waiting.status()).isEqualTo(RequestStatus.AWAITING_HOST_CONFIRMATION);
        assertThat(requests().openRequests(10)).extracting(RightsRequest::id).containsExactly(request.id());
        assertThat(noticesOf(ALICE)).containsEntry("mailer ERASURE", "ERASURE of contact.email (marketing.email)")
                .containsEntry("mailer WITHDRAWAL", "WITHDRAWAL of contact.email (marketing.email)");
        long forTheRequest = outbox.notices(ALICE).stream()
                .filter(e -> e.notice().requestId().equals(Optional.of(request.id()))).count();
        assertThat(forTheRequest).isPositive();

        clock.advance(Duration.ofMinutes(5));
        dispatcher("node-a").deliver(100, Duration.ofMinutes(1));
        RightsRequest told = rights.request(request.id());
        assertThat(told.status()).as("telling recipients does not complete it").isEqualTo(
                RequestStatus.AWAITING_HOST_CONFIRMATION);
        assertThat(told.history().stream().filter(t -> t.actor().equals(DeliveryHistory.ACTOR))).hasSize(
                (int) forTheRequest);

        RightsRequest done = rights.confirmErasure(request.id(), "dpo", "customer row and addresses deleted");
        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(requests().request(request.id())).contains(done);
        assertThat(requests().openRequests(10)).isEmpty();
    }

    @Test
    void anErasureTellsEachRecipientWhatWasErasedAndWhatIsKeptRestrictedAndListsEachDeliveryInTheRequest() {
        // GDPR Art. 17(1), 17(2), 17(3)(b) and 19, over seed 001's recipients table
        consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        RightsService rights = rights();
        RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RecipientsPolicy.policy())
                .store((RetentionStore) outbox).clock(clock).build();
        retention.recordAnchor(ALICE, "order.record", Anchor.COLLECTED, T0);
        retention.recordAnchor(ALICE, "contact.email", Anchor.COLLECTED, T0);
        RightsRequest request = rights.receive(ALICE, RequestType.ERASURE, "email");
        rights.verifyIdentity(request.id(), "dpo", "signed-in session");
        clock.advance(Duration.ofHours(1));

        rights.erase(request.id(), "dpo");

        assertThat(noticesOf(ALICE)).containsExactly(
                Map.entry("analytics-service ERASURE", "ERASURE of usage.statistics (analytics)"),
                Map.entry("cloud-storage ERASURE", "ERASURE of account.profile, support.ticket (orders, support)"),
                Map.entry("cloud-storage RESTRICTION", "RESTRICTION of order.record (orders, support)"),
                Map.entry("mailer ERASURE", "ERASURE of contact.email (marketing.email)"),
                Map.entry("mailer WITHDRAWAL", "WITHDRAWAL of contact.email (marketing.email)"),
                Map.entry("payments RESTRICTION", "RESTRICTION of order.record (orders)"),
                Map.entry("support-tools ERASURE", "ERASURE of contact.email, support.ticket (support)"),
                Map.entry("tax-office RESTRICTION", "RESTRICTION of order.record (tax)"));
        assertThat(outbox.notices(ALICE)).extracting(e -> e.notice().requestId()).containsOnly(Optional.of(
                request.id()));
        long versionWhenCompleted = requests().request(request.id()).orElseThrow().version();

        clock.advance(Duration.ofMinutes(5));
        DeliveryReportAssert.assertDelivered(dispatcher("node-a").deliver(100, Duration.ofMinutes(1)), 8, 0);

        RightsRequest after = rights.request(request.id());
        assertThat(after.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(after.version()).isEqualTo(versionWhenCompleted + 8);
        List<String> steps = after.history().stream().filter(t -> t.actor().equals(DeliveryHistory.ACTOR))
                .map(RightsRequest.Transition::note).toList();
        assertThat(steps).hasSize(8).contains(
                "told Payment processor at " + clock.instant() + ": RESTRICTION of order.record (orders)",
                "told MailWave (email service provider) at " + clock.instant()
                        + ": ERASURE of contact.email (marketing.email)");
        assertThat(told).extracting(RecipientNotification::recipientId).doesNotContain("adnet");
        assertThat(told).filteredOn(t -> t.recipientId().equals("tax-office")).singleElement()
                .satisfies(t -> assertThat(t.role()).isEqualTo(Recipient.Role.THIRD_PARTY));
    }

    @Test
    void aRectificationTellsTheRecipientsOfTheCorrectedCategories() {
        // GDPR Art. 16 and 19; seed 001 section 5.2, "Right to Correction"
        RightsService rights = rights();
        RightsRequest request = rights.receive(BOB, RequestType.RECTIFICATION, "phone");
        rights.verifyIdentity(request.id(), "support-7", "call-back");

        RightsRequest done = rights.rectify(request.id(), "support-7", List.of(CategoryId.of("contact.email")));

        assertThat(done.status()).isEqualTo(RequestStatus.COMPLETED);
        assertThat(noticesOf(BOB)).as("the newsletter was never granted: the mailer never had the address")
                .containsExactly(Map.entry("support-tools RECTIFICATION", "RECTIFICATION of contact.email (support)"));
    }

    @Test
    void aFailingNotifierIsRetriedWithCappedExponentialBackoffAndAuditedWithoutPersonalData() {
        consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        consents.withdraw(ALICE, RecipientsPolicy.NEWSLETTER, unsubscribe());
        List<RecipientNotification> calls = new CopyOnWriteArrayList<>();
        RecipientDispatcher flaky = RecipientDispatcher.builder().store(outbox).clock(clock).node("node-a")
                .retryBackoff(Duration.ofMinutes(1), Duration.ofMinutes(3)).notifier(n -> {
                    calls.add(n);
                    if (calls.size() < 4) {
                        throw new IllegalStateException("could not reach the provider for " + n.subject());
                    }
                }).build();
        List<Duration> waits = new ArrayList<>();

        Instant start = clock.instant();
        DeliveryReportAssert.assertDelivered(flaky.deliver(10, Duration.ofMinutes(1)), 0, 1);
        for (int i = 0; i < 3; i++) {
            Instant next = outbox.notices(ALICE).get(0).nextAttemptAt().orElseThrow();
            waits.add(Duration.between(clock.instant(), next));
            clock.set(next.minusNanos(1000));
            assertThat(flaky.deliver(10, Duration.ofMinutes(1)).claimed()).as("not before its backoff").isZero();
            clock.set(next);
            flaky.deliver(10, Duration.ofMinutes(1));
        }

        assertThat(waits).containsExactly(Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(3));
        assertThat(calls).extracting(RecipientNotification::attempt).containsExactly(1, 2, 3, 4);
        assertThat(calls).extracting(RecipientNotification::idempotencyKey).containsOnly(calls.get(0).idempotencyKey());
        OutboxEntry entry = outbox.notices(ALICE).get(0);
        assertThat(entry.state()).isEqualTo(OutboxEntry.State.DELIVERED);
        assertThat(entry.attempts()).isEqualTo(3);
        List<DeliveryRecord> audit = outbox.deliveries(0, 100);
        assertThat(audit).extracting(DeliveryRecord::sequence).containsExactly(1L, 2L, 3L, 4L);
        assertThat(audit).extracting(DeliveryRecord::outcome).containsExactly(DeliveryRecord.Outcome.FAILED,
                DeliveryRecord.Outcome.FAILED, DeliveryRecord.Outcome.FAILED, DeliveryRecord.Outcome.DELIVERED);
        assertThat(audit.get(0).failure()).contains("java.lang.IllegalStateException");
        assertThat(audit.get(0).at()).isEqualTo(start);
        assertThat(audit.toString()).doesNotContain("alice").doesNotContain("could not reach");
    }

    @Test
    void aDispatcherThatDiedIsTakenOverAfterItsLeaseWithTheSameIdempotencyKey() {
        consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
        consents.withdraw(ALICE, RecipientsPolicy.NEWSLETTER, unsubscribe());
        // a dispatcher claims, tells the recipient, and dies before recording it
        NoticeClaim dead = outbox.claimNotices(clock.instant(), 10, "node-dead", Duration.ofMinutes(1)).get(0);
        String key = dead.entry().notice().id();

        assertThat(dispatcher("node-b").deliver(10, Duration.ofMinutes(1)).claimed()).as("its lease runs").isZero();
        clock.advance(Duration.ofMinutes(1));
        DeliveryReportAssert.assertDelivered(dispatcher("node-b").deliver(10, Duration.ofMinutes(1)), 1, 0);

        assertThat(told).singleElement().satisfies(t -> assertThat(t.idempotencyKey()).isEqualTo(key));
        assertThat(outbox.finishNotice(delivered(dead, clock.instant(), Optional.empty()))).isFalse();
        assertThat(outbox.deliveries(0, 10)).singleElement().satisfies(d -> assertThat(d.node()).isEqualTo("node-b"));
    }

    /** Asserts a delivery report's counts. */
    static final class DeliveryReportAssert {
        static void assertDelivered(dev.consent.recipients.DeliveryReport report, int delivered, int failed) {
            assertThat(report.delivered()).as("delivered").isEqualTo(delivered);
            assertThat(report.failed()).as("failed").isEqualTo(failed);
            assertThat(report.lostClaims()).as("lost claims").isZero();
        }
    }
}
