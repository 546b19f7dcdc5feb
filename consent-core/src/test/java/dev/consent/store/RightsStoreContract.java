package dev.consent.store;

import dev.consent.ledger.SubjectId;
import dev.consent.rights.BusinessCalendar;
import dev.consent.rights.Deadline;
import dev.consent.rights.DeadlineTerm;
import dev.consent.rights.Deadlines;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The behaviour every {@link RightsStore} must have. Published in consent-core's test-jar. */
public abstract class RightsStoreContract {
    private static final Instant T0 = Instant.parse("2025-06-04T08:00:00.123456Z");
    protected RightsStore store;

    protected abstract RightsStore createRightsStore();

    @BeforeEach
    void freshStore() {
        store = createRightsStore();
    }

    private static RightsRequest request(String id, String subject, Instant received, RequestStatus status, long version) {
        BusinessCalendar calendar = BusinessCalendar.of(ZoneId.of("Europe/Berlin"),
                EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY), List.of(LocalDate.of(2025, 6, 9)));
        Deadline deadline = Deadlines.after(LocalDate.of(2025, 6, 4), 5, DeadlineTerm.Unit.BUSINESS_DAYS, calendar,
                "ACCESS: 5 business days from receipt");
        List<RightsRequest.Transition> history = new ArrayList<>();
        history.add(new RightsRequest.Transition(RequestStatus.RECEIVED, received, "subject", "received via e-mail \u00e9"));
        if (status != RequestStatus.RECEIVED) {
            history.add(new RightsRequest.Transition(status, received.plusSeconds(60), "dpo", "line one\nline two"));
        }
        return new RightsRequest(id, SubjectId.of(subject), RequestType.ACCESS, status, received,
                status == RequestStatus.RECEIVED ? Optional.empty() : Optional.of(received.plusSeconds(60)),
                Optional.of(deadline), Optional.of(deadline),
                status == RequestStatus.EXTENDED
                        ? Optional.of(new RightsRequest.Extension("complex; 'quoted'", received.plusSeconds(120),
                                received.plusSeconds(180), deadline))
                        : Optional.empty(),
                status == RequestStatus.COMPLETED ? Optional.of("Erasure requested:\n  - contact.email: erased")
                        : Optional.empty(), history, version);
    }

    @Test
    void requestsRoundTripExactlyWithOptimisticVersions() {
        RightsRequest r1 = request("req-1", "alice \u05e9'; --", T0, RequestStatus.RECEIVED, 0);
        assertThat(store.saveRequest(r1)).isTrue();
        assertThat(store.saveRequest(r1)).as("version 0: only a request never stored is inserted").isFalse();
        assertThat(store.request("req-1")).as("stored one version higher").contains(r1.nextVersion());
        assertThat(store.request("req-1").orElseThrow().version()).isEqualTo(1);

        RightsRequest r2 = request("req-1", "alice \u05e9'; --", T0, RequestStatus.EXTENDED, 1);
        assertThat(store.saveRequest(request("req-1", "alice \u05e9'; --", T0, RequestStatus.EXTENDED, 2)))
                .as("saved only over the version stored").isFalse();
        assertThat(store.saveRequest(r2)).isTrue();
        assertThat(store.request("req-1")).contains(r2.nextVersion());
        assertThat(store.saveRequest(r2)).as("version 1 is no longer the stored one").isFalse();
        RightsRequest r3 = request("req-1", "alice \u05e9'; --", T0, RequestStatus.COMPLETED, 2);
        assertThat(store.saveRequest(r3)).isTrue();
        assertThat(store.request("req-1")).contains(r3.nextVersion());
        assertThat(store.request("req-none")).isEmpty();
    }

    @Test
    void requestsAreListedBySubjectAndOpenOnesOldestFirst() {
        store.saveRequest(request("req-b", "alice", T0.plusSeconds(10), RequestStatus.RECEIVED, 0));
        store.saveRequest(request("req-a", "alice", T0, RequestStatus.RECEIVED, 0));
        store.saveRequest(request("req-c", "bob", T0.plusSeconds(5), RequestStatus.RECEIVED, 0));
        store.saveRequest(request("req-d", "bob", T0.plusSeconds(1), RequestStatus.RECEIVED, 0));
        assertThat(store.saveRequest(request("req-d", "bob", T0.plusSeconds(1), RequestStatus.COMPLETED, 1))).isTrue();

        assertThat(store.requests(SubjectId.of("alice"))).extracting(RightsRequest::id).containsExactly("req-a", "req-b");
        assertThat(store.requests(SubjectId.of("carol"))).isEmpty();
        assertThat(store.openRequests(10)).extracting(RightsRequest::id).containsExactly("req-a", "req-c", "req-b");
        assertThat(store.openRequests(2)).extracting(RightsRequest::id).containsExactly("req-a", "req-c");
        // the next pages, after the last request of the one before, whether that one is still open or not
        RightsRequest c = store.request("req-c").orElseThrow();
        assertThat(store.openRequestsAfter(c, 2)).extracting(RightsRequest::id).containsExactly("req-b");
        assertThat(store.openRequestsAfter(store.request("req-a").orElseThrow(), 1)).extracting(RightsRequest::id)
                .containsExactly("req-c");
        assertThat(store.openRequestsAfter(store.request("req-d").orElseThrow(), 10)).extracting(RightsRequest::id)
                .containsExactly("req-c", "req-b");
        assertThat(store.openRequestsAfter(store.request("req-b").orElseThrow(), 10)).isEmpty();
        // requests received in the same instant are ordered by id
        assertThat(store.saveRequest(request("req-e", "bob", T0.plusSeconds(5), RequestStatus.RECEIVED, 0))).isTrue();
        assertThat(store.openRequestsAfter(c, 10)).extracting(RightsRequest::id).containsExactly("req-e", "req-b");
    }

    /**
     * An erasure waiting for the shop's confirmation of what it erased (retention knew no item of the subject) is
     * stored with its status and listed among the open requests, so it stays on the overdue report until confirmed
     * (GDPR Art. 17(1), Art. 5(2)).
     */
    @Test
    void anErasureAwaitingTheShopsConfirmationIsKeptAndListedOpen() {
        RightsRequest base = request("req-e", "legacy", T0, RequestStatus.IN_PROGRESS, 1);
        List<RightsRequest.Transition> history = new ArrayList<>(base.history());
        history.add(new RightsRequest.Transition(RequestStatus.AWAITING_HOST_CONFIRMATION, T0.plusSeconds(90), "dpo",
                "no retained item of the subject is known; awaiting the shop's confirmation of what it erased"));
        RightsRequest awaiting = new RightsRequest("req-e", SubjectId.of("legacy"), RequestType.ERASURE,
                RequestStatus.AWAITING_HOST_CONFIRMATION, T0, base.verifiedAt(), base.deadline(), Optional.empty(),
                Optional.empty(), Optional.of("Erasure requested at " + T0 + ": no retained item of this subject is"
                        + " known"), history, 0);
        assertThat(store.saveRequest(awaiting)).isTrue();
        assertThat(store.request("req-e")).contains(awaiting.nextVersion());
        assertThat(store.openRequests(10)).containsExactly(awaiting.nextVersion());

        List<RightsRequest.Transition> confirmed = new ArrayList<>(history);
        confirmed.add(new RightsRequest.Transition(RequestStatus.COMPLETED, T0.plusSeconds(600), "dpo",
                "the shop confirmed what it erased: customer row deleted"));
        RightsRequest done = new RightsRequest("req-e", awaiting.subject(), RequestType.ERASURE,
                RequestStatus.COMPLETED, T0, awaiting.verifiedAt(), awaiting.deadline(), Optional.empty(),
                Optional.empty(), awaiting.outcome(), confirmed, 1);
        assertThat(store.saveRequest(done)).isTrue();
        assertThat(store.request("req-e")).contains(done.nextVersion());
        assertThat(store.openRequests(10)).isEmpty();
    }

    @Test
    void theCodecKeepsEveryField() {
        RightsRequest r = request("req-x", "zoë", T0, RequestStatus.EXTENDED, 2);
        assertThat(RightsRequestCodec.fromJson(RightsRequestCodec.toJson(r))).isEqualTo(r);
    }

    /**
     * An extension keeps when it was recorded beside when the subject was told, and the deadline it replaced, so an
     * extension recorded after that deadline is still known as late when read back (GDPR Art. 12(3)).
     */
    @Test
    void anExtensionRecordedLateIsStillLateWhenReadBack() {
        RightsRequest onTime = request("req-late", "alice", T0, RequestStatus.EXTENDED, 1);
        RightsRequest.Extension e = onTime.extensionNotice().orElseThrow();
        Instant afterTheDeadline = e.original().dueBefore().plusSeconds(3_600);
        RightsRequest late = new RightsRequest(onTime.id(), onTime.subject(), onTime.type(), onTime.status(),
                onTime.receivedAt(), onTime.verifiedAt(), onTime.deadline(), onTime.acknowledgeBy(),
                Optional.of(new RightsRequest.Extension(e.reason(), e.subjectToldAt(), afterTheDeadline, e.original())),
                onTime.outcome(), onTime.history(), 0);
        assertThat(late.extendedLate()).isTrue();
        assertThat(store.saveRequest(late)).isTrue();

        RightsRequest read = store.request("req-late").orElseThrow();
        assertThat(read).isEqualTo(late.nextVersion());
        assertThat(read.extensionNotice().orElseThrow().recordedAt()).isEqualTo(afterTheDeadline);
        assertThat(read.extensionNotice().orElseThrow().subjectToldAt()).isEqualTo(e.subjectToldAt());
        assertThat(read.extendedLate()).isTrue();
        assertThat(store.openRequests(10)).extracting(RightsRequest::id).contains("req-late");
    }
}
