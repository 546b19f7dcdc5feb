package dev.consent.jdbc;

import dev.consent.ConsentService;
import dev.consent.StoreException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Recipient;
import dev.consent.recipients.DeliveryHistory;
import dev.consent.recipients.DeliveryRecord;
import dev.consent.recipients.NoticeAction;
import dev.consent.store.NoticeClaim;
import dev.consent.store.NoticeFinish;
import dev.consent.recipients.OutboxEntry;
import dev.consent.recipients.RecipientNotice;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RecipientsPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * "Same transaction as the change that caused it" (GDPR Art. 19 through a durable outbox): when the connection is lost
 * while a change's notices are being written, or at its commit, neither the change nor its notices are stored; the
 * same change then stores both. And a delivery's audit entry, state and request history step are one write too.
 */
class OutboxAtomicityTest {
    private static final Instant T0 = Instant.parse("2025-06-04T08:00:00.123456Z");
    private static final SubjectId ALICE = SubjectId.of("alice");

    @ParameterizedTest
    @EnumSource(Database.class)
    void aWithdrawalLostWhileWritingItsNoticesOrAtCommitLeavesNeitherEventsNorNotices(Database dialect) {
        SwitchableDataSource db = new SwitchableDataSource(Databases.shared(dialect));
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        try (ConsentService consents = ConsentService.builder().policy(RecipientsPolicy.policy()).store(store)
                .clock(new MutableClock(T0)).build()) {
            consents.grant(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
            long position = store.changeCursor().position();

            db.failOn(sql -> sql.startsWith("INSERT INTO " + prefix + "notices"));
            assertThatThrownBy(() -> consents.withdraw(ALICE, RecipientsPolicy.NEWSLETTER,
                    Capture.by(Method.UNSUBSCRIBE_LINK))).isInstanceOf(StoreException.class);
            db.comeBack();
            assertThat(consents.history(ALICE)).as("the withdrawal went with its notice").hasSize(1);
            assertThat(store.notices(ALICE)).isEmpty();
            assertThat(store.changeCursor().position()).isEqualTo(position);

            db.failCommit();
            assertThatThrownBy(() -> consents.withdraw(ALICE, RecipientsPolicy.NEWSLETTER,
                    Capture.by(Method.UNSUBSCRIBE_LINK))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("unknown");
            db.comeBack();
            assertThat(consents.history(ALICE)).hasSize(1);
            assertThat(store.notices(ALICE)).isEmpty();

            consents.withdraw(ALICE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.UNSUBSCRIBE_LINK));
            assertThat(consents.history(ALICE)).hasSize(2);
            assertThat(store.notices(ALICE)).singleElement().satisfies(e -> {
                assertThat(e.notice().recipientId()).isEqualTo("mailer");
                assertThat(e.notice().action()).isEqualTo(NoticeAction.WITHDRAWAL);
            });
        } finally {
            db.comeBack();
            Databases.dropTables(db, prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void aRequestSaveAndADeliveryLostMidwayLeaveTheRequestTheNoticeAndTheAuditAsTheyWere(Database dialect) {
        SwitchableDataSource db = new SwitchableDataSource(Databases.shared(dialect));
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(db).tablePrefix(prefix).build();
        try {
            RightsRequest v1 = request(0, RequestStatus.RECEIVED);
            RightsRequest v2 = request(1, RequestStatus.COMPLETED);
            RecipientNotice notice = notice();
            assertThat(store.saveRequest(v1)).isTrue();

            db.failOn(sql -> sql.startsWith("INSERT INTO " + prefix + "notices"));
            assertThatThrownBy(() -> store.saveRequest(v2, List.of(notice))).isInstanceOf(StoreException.class);
            db.comeBack();
            db.failCommit();
            assertThatThrownBy(() -> store.saveRequest(v2, List.of(notice))).isInstanceOf(StoreException.class);
            db.comeBack();
            assertThat(store.request(v1.id())).contains(v1.nextVersion());
            assertThat(store.notice(notice.id())).isEmpty();

            assertThat(store.saveRequest(v2, List.of(notice))).isTrue();
            NoticeClaim claim = store.claimNotices(T0, 10, "node-a", Duration.ofMinutes(1)).get(0);
            Instant at = T0.plusSeconds(1);
            NoticeFinish delivered = new NoticeFinish(claim, new DeliveryRecord(0, at, notice.id(), "payments",
                    NoticeAction.ERASURE, notice.purposes(), notice.categories(), DeliveryRecord.Outcome.DELIVERED, 1,
                    "node-a", Optional.empty()), Optional.empty(), Optional.of(DeliveryHistory.note(notice, at)));

            db.failOn(sql -> sql.startsWith("INSERT INTO " + prefix + "deliveries"));
            assertThatThrownBy(() -> store.finishNotice(delivered)).isInstanceOf(StoreException.class);
            db.comeBack();
            assertThat(store.notice(notice.id()).orElseThrow().state()).isEqualTo(OutboxEntry.State.PENDING);
            assertThat(store.deliveries(0, 10)).isEmpty();
            assertThat(store.request(v1.id())).contains(v2.nextVersion());

            assertThat(store.finishNotice(delivered)).isTrue();
            assertThat(store.notice(notice.id()).orElseThrow().state()).isEqualTo(OutboxEntry.State.DELIVERED);
            assertThat(store.deliveries(0, 10)).extracting(DeliveryRecord::sequence).as("no gap where a write failed")
                    .containsExactly(1L);
            assertThat(store.request(v1.id()).orElseThrow().version()).isEqualTo(3);
        } finally {
            db.comeBack();
            Databases.dropTables(db, prefix);
        }
    }

    private static RightsRequest request(long version, RequestStatus status) {
        return new RightsRequest("req-1", ALICE, RequestType.ERASURE, status, T0, Optional.of(T0), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(),
                List.of(new RightsRequest.Transition(RequestStatus.RECEIVED, T0, "subject", "received")), version);
    }

    private static RecipientNotice notice() {
        return new RecipientNotice(RecipientNotice.idOf(NoticeAction.ERASURE, "payments", List.of("request:req-1")),
                ALICE, "payments", "Payment processor", Recipient.Role.PROCESSOR, NoticeAction.ERASURE,
                new TreeSet<>(Set.of(RecipientsPolicy.ORDERS)), new TreeSet<>(Set.of(CategoryId.of("order.record"))),
                Optional.of("req-1"), T0, T0);
    }
}
