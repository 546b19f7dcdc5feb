package dev.consent.rights;

import dev.consent.internal.Checks;
import dev.consent.ConflictException;
import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.RetentionService;
import dev.consent.store.InMemoryStore;
import dev.consent.store.RightsStore;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Data-subject requests from receipt to answer: deadlines from the policy's terms on its business calendar,
 * identity verification, extensions with notice, and the work itself for erasure, restriction, objection and
 * withdrawal. Every status change is checked against {@link RequestStatus#next()} and kept in the request's
 * history. Thread-safe.
 *
 * <p>Where the policy states no term for a request type, the GDPR's applies: one month from receipt, extendable by
 * two further months (Art. 12(3)).
 */
public final class RightsService {
    /** GDPR Art. 12(3). */
    public static final DeadlineTerm GDPR_DEFAULT = DeadlineTerm.of(1, DeadlineTerm.Unit.MONTHS,
            DeadlineTerm.Start.RECEIPT).extendable(DeadlineTerm.Extension.by(2, DeadlineTerm.Unit.MONTHS));
    private static final int MAX_SAVE_ATTEMPTS = 10;

    private final HolidaySource holidays;
    private final RightsStore store;
    private final ConsentService consents;
    private final RetentionService retention;
    private final Clock clock;

    private RightsService(Builder b) {
        this.holidays = b.holidays;
        this.store = b.store;
        this.consents = b.consents;
        this.retention = b.retention;
        this.clock = b.clock != null ? b.clock : b.consents.clock();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The policy in force now: its terms and calendar govern requests received from now on. */
    private Policy policy() {
        return consents.policyAt(clock.instant());
    }

    /** The business calendar of the policy in force now, with the host's holidays. */
    public BusinessCalendar calendar() {
        return policy().calendar().withHolidaySource(holidays);
    }

    /** The deadline term the policy in force now gives a type of request, or the GDPR's. */
    public DeadlineTerm termFor(RequestType type) {
        return policy().rightsTerm(type).map(RightsTerm::deadline).orElse(GDPR_DEFAULT);
    }

    // ------------------------------------------------------------------------------------------ lifecycle

    /** Records a request as received now. Its deadline starts now, or at identity verification. */
    public RightsRequest receive(SubjectId subject, RequestType type, String receivedVia) {
        Checks.required("subject", subject);
        Checks.required("type", type);
        Instant now = now();
        DeadlineTerm term = termFor(type);
        BusinessCalendar calendar = calendar();
        LocalDate receivedOn = now.atZone(calendar.zone()).toLocalDate();
        Optional<Deadline> deadline = term.start() == DeadlineTerm.Start.RECEIPT
                ? Optional.of(Deadlines.after(receivedOn, term.amount(), term.unit(), calendar, ruleText(type, term)))
                : Optional.empty();
        Optional<Deadline> ack = term.acknowledgeWithin().map(a -> Deadlines.after(receivedOn, a.amount(), a.unit(),
                calendar, "acknowledge " + type + " within " + DeadlineTerm.text(a.amount(), a.unit())));
        RightsRequest request = new RightsRequest("req-" + UUID.randomUUID(), subject, type, RequestStatus.RECEIVED, now,
                Optional.empty(), deadline, ack, Optional.empty(), Optional.empty(),
                List.of(new RightsRequest.Transition(RequestStatus.RECEIVED, now, "subject",
                        "received via " + Checks.text("receivedVia", receivedVia, 200))), 1);
        if (!store.saveRequest(request)) {
            throw new StoreException("saveRequest", "a request with id " + request.id() + " already exists");
        }
        return request;
    }

    /** The requester's identity is verified; a term counted from verification starts now. */
    public RightsRequest verifyIdentity(String requestId, String actor, String how) {
        return move(requestId, RequestStatus.IDENTITY_VERIFIED, actor, how, r -> {
            Instant now = now();
            DeadlineTerm term = termFor(r.type());
            BusinessCalendar calendar = calendar();
            Optional<Deadline> deadline = r.deadline();
            if (term.start() == DeadlineTerm.Start.IDENTITY_VERIFIED) {
                deadline = Optional.of(Deadlines.after(now.atZone(calendar.zone()).toLocalDate(), term.amount(),
                        term.unit(), calendar, ruleText(r.type(), term)));
            }
            return new RightsRequest(r.id(), r.subject(), r.type(), r.status(), r.receivedAt(), Optional.of(now),
                    deadline, r.acknowledgeBy(), r.extensionNotice(), r.outcome(), r.history(), r.version());
        });
    }

    public RightsRequest startWork(String requestId, String actor) {
        return move(requestId, RequestStatus.IN_PROGRESS, actor, "work started", UnaryOperator.identity());
    }

    /**
     * Extends the deadline as far as the term allows, once. The subject must have been told, with the reasons,
     * before the original deadline passed (GDPR Art. 12(3): "within one month of receipt").
     */
    public RightsRequest extend(String requestId, String actor, String reason, Instant subjectToldAt) {
        Checks.text("reason", reason, 1000);
        Checks.required("subjectToldAt", subjectToldAt);
        return move(requestId, RequestStatus.EXTENDED, actor, reason, r -> {
            DeadlineTerm term = termFor(r.type());
            BusinessCalendar calendar = calendar();
            DeadlineTerm.Extension ext = term.extension().orElseThrow(() -> new InvalidValueException("request.type",
                    r.type(), "has no extendable deadline under policy " + policy().id() + " (" + term + ")"));
            Deadline original = r.deadline().orElseThrow(() -> new ConflictException("request " + r.id()
                    + ": its deadline has not started (identity not verified), so it cannot be extended"));
            if (!subjectToldAt.isBefore(original.dueBefore())) {
                throw new InvalidValueException("subjectToldAt", subjectToldAt,
                        "must be before the original deadline " + original.dueBefore()
                                + ": the subject is told of an extension within the original period");
            }
            if (subjectToldAt.isAfter(now())) {
                throw new InvalidValueException("subjectToldAt", subjectToldAt, "must not be in the future");
            }
            Deadline extended = ext.toTotal()
                    ? Deadlines.after(original.start(), ext.amount(), ext.unit(), calendar,
                            ruleText(r.type(), term) + ", extended to " + DeadlineTerm.text(ext.amount(), ext.unit()))
                    : Deadlines.after(original.lastDay(), ext.amount(), ext.unit(), calendar,
                            ruleText(r.type(), term) + ", extended by " + DeadlineTerm.text(ext.amount(), ext.unit()));
            return new RightsRequest(r.id(), r.subject(), r.type(), r.status(), r.receivedAt(), r.verifiedAt(),
                    Optional.of(extended), r.acknowledgeBy(),
                    Optional.of(new RightsRequest.Extension(reason, subjectToldAt.truncatedTo(ChronoUnit.MICROS))),
                    r.outcome(), r.history(), r.version());
        });
    }

    /** Answers the request: what was done. */
    public RightsRequest complete(String requestId, String actor, String answer) {
        Checks.multilineText("answer", answer, 20_000);
        return move(requestId, RequestStatus.COMPLETED, actor, "completed", r -> withOutcome(r, answer));
    }

    /**
     * Refuses the request with the reason (GDPR Art. 12(4): the subject is told why, and that they may complain to a
     * supervisory authority); the policy's promised alternative, if any, is added to the answer.
     */
    public RightsRequest refuse(String requestId, String actor, String reason) {
        Checks.multilineText("reason", reason, 5_000);
        return move(requestId, RequestStatus.REFUSED, actor, reason, r -> {
            String alternative = policy().rightsTerm(r.type()).flatMap(RightsTerm::refusalAlternative)
                    .map(a -> " " + a).orElse("");
            return withOutcome(r, "Refused: " + reason + "." + alternative);
        });
    }

    private static RightsRequest withOutcome(RightsRequest r, String outcome) {
        return new RightsRequest(r.id(), r.subject(), r.type(), r.status(), r.receivedAt(), r.verifiedAt(), r.deadline(),
                r.acknowledgeBy(), r.extensionNotice(), Optional.of(outcome), r.history(), r.version());
    }

    private RightsRequest move(String requestId, RequestStatus to, String actor, String note,
            UnaryOperator<RightsRequest> change) {
        Checks.text("actor", actor, 200);
        for (int attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt++) {
            RightsRequest current = request(requestId);
            if (!current.status().next().contains(to)) {
                throw new ConflictException("request " + requestId + ": cannot move from " + current.status() + " to "
                        + to + " (allowed: " + (current.status().next().isEmpty() ? "none, it is closed"
                        : current.status().next()) + ")");
            }
            RightsRequest changed = change.apply(current);
            List<RightsRequest.Transition> history = new ArrayList<>(changed.history());
            history.add(new RightsRequest.Transition(to, now(), actor, note == null ? "" : note));
            RightsRequest next = new RightsRequest(changed.id(), changed.subject(), changed.type(), to,
                    changed.receivedAt(), changed.verifiedAt(), changed.deadline(), changed.acknowledgeBy(),
                    changed.extensionNotice(), changed.outcome(), history, current.version() + 1);
            if (store.saveRequest(next)) {
                return next;
            }
        }
        throw new StoreException("saveRequest", "request " + requestId + " kept changing under concurrent writers");
    }

    public RightsRequest request(String requestId) {
        return store.request(requestId)
                .orElseThrow(() -> new InvalidValueException("requestId", requestId, "is not a received request"));
    }

    public List<RightsRequest> requests(SubjectId subject) {
        return store.requests(subject);
    }

    /** Open requests, oldest first. */
    public List<RightsRequest> open() {
        return store.openRequests(10_000);
    }

    /** Open requests whose deadline has passed, oldest first. */
    public List<RightsRequest> overdue() {
        Instant now = now();
        return open().stream().filter(r -> r.overdueAt(now)).toList();
    }

    // ------------------------------------------------------------------------------------------- the work

    /**
     * Carries out an erasure request (GDPR Art. 17): withdraws every standing consent, asks retention for erasure
     * (items under a legal minimum or hold are kept and restricted), disposes at once of what is due, and completes
     * the request with the answer listing what was erased and what is kept, why and until when.
     */
    public ErasureAnswer erase(String requestId, String actor) {
        RightsRequest r = requireType(requestId, RequestType.ERASURE);
        requireVerified(r);
        if (retention == null) {
            throw new InvalidValueException("retention", null, "is required to carry out erasure requests");
        }
        consents.withdrawAll(r.subject(), systemCapture(requestId, "erasure"));
        ErasureAnswer answer = retention.requestErasure(r.subject());
        retention.disposeDue(r.subject());
        complete(requestId, actor, answer.explain());
        return answer;
    }

    /** Carries out a restriction request (GDPR Art. 18) and completes it. */
    public RightsRequest restrict(String requestId, String actor) {
        RightsRequest r = requireType(requestId, RequestType.RESTRICTION);
        requireVerified(r);
        consents.restrict(r.subject(), systemCapture(requestId, "restriction"));
        return complete(requestId, actor, "Processing is restricted: only storage, and purposes on a legal obligation, "
                + "continue until the restriction is lifted; you will be told before it is (GDPR Art. 18(3)).");
    }

    /** Carries out an objection (GDPR Art. 21) to the given purposes and completes it. */
    public RightsRequest object(String requestId, String actor, Collection<PurposeId> purposes) {
        RightsRequest r = requireType(requestId, RequestType.OBJECTION);
        requireVerified(r);
        for (PurposeId p : purposes) {
            consents.object(r.subject(), p, systemCapture(requestId, "objection", p.value()));
        }
        return complete(requestId, actor, "Processing stopped for: " + purposes);
    }

    /** Carries out a withdrawal of consent, for the given purposes or all when none are given, and completes it. */
    public RightsRequest withdrawConsent(String requestId, String actor, Collection<PurposeId> purposes) {
        RightsRequest r = requireType(requestId, RequestType.WITHDRAW_CONSENT);
        if (r.status() == RequestStatus.RECEIVED) {
            // GDPR Art. 7(3): withdrawing must be as easy as consenting; the channel that could grant can withdraw
            verifyIdentity(requestId, actor, "withdrawal needs no verification beyond the channel it came through");
        }
        if (purposes.isEmpty()) {
            consents.withdrawAll(r.subject(), systemCapture(requestId, "withdraw-all"));
        } else {
            for (PurposeId p : purposes) {
                consents.withdraw(r.subject(), p, systemCapture(requestId, "withdraw", p.value()));
            }
        }
        return complete(requestId, actor, "Consent withdrawn for: " + (purposes.isEmpty() ? "all purposes" : purposes)
                + ". Withdrawal does not affect processing before it (GDPR Art. 7(3)).");
    }

    /**
     * The capture of the events a request's work records. The event id derives from the request
     * ({@code <request id>/<action>[/<purpose>]}, hashed to fit when longer than an event id may be, see
     * {@link EventId#derive}), so carrying out the same request twice records nothing twice, whatever the length of
     * the purpose ids.
     */
    private Capture systemCapture(String requestId, String... what) {
        EventId id = EventId.of(requestId);
        for (String part : what) {
            id = id.derive(part);
        }
        return Capture.by(Method.RIGHTS_REQUEST).withActor(Actor.SYSTEM)
                .withEvidence(Evidence.builder().reference(requestId).build())
                .withEventId(id);
    }

    private RightsRequest requireType(String requestId, RequestType type) {
        RightsRequest r = request(requestId);
        if (r.type() != type) {
            throw new InvalidValueException("request.type", r.type(), "must be " + type + " for this action");
        }
        return r;
    }

    private static void requireVerified(RightsRequest r) {
        if (r.verifiedAt().isEmpty()) {
            throw new ConflictException("request " + r.id() + ": the requester's identity is not verified; "
                    + r.type() + " is only carried out for a verified requester (GDPR Art. 12(6))");
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static String ruleText(RequestType type, DeadlineTerm term) {
        return type + ": " + term;
    }

    /** Configures a {@link RightsService}. */
    public static final class Builder {
        private ConsentService consents;
        private RetentionService retention;
        private RightsStore store;
        private Clock clock;
        private HolidaySource holidays = HolidaySource.NONE;

        private Builder() {
        }

        /** Required: the consent service, whose policy in force gives the terms and calendar. */
        public Builder consents(ConsentService consents) {
            this.consents = consents;
            return this;
        }

        /** Needed for erasure requests. */
        public Builder retention(RetentionService retention) {
            this.retention = retention;
            return this;
        }

        /** Defaults to a new {@link InMemoryStore}. */
        public Builder store(RightsStore store) {
            this.store = store;
            return this;
        }

        /** Defaults to the consent service's clock. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Holidays from the host, in addition to those the policy lists. */
        public Builder holidays(HolidaySource source) {
            this.holidays = Checks.required("holidays", source);
            return this;
        }

        public RightsService build() {
            Checks.required("consents", consents);
            if (store == null) {
                store = new InMemoryStore();
            }
            return new RightsService(this);
        }
    }
}
