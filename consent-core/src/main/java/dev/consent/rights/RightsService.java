package dev.consent.rights;

import dev.consent.ConflictException;
import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.RecipientSelection;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Jurisdiction;
import dev.consent.policy.JurisdictionId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;
import dev.consent.policy.PurposeId;
import dev.consent.email.EmailErasure;
import dev.consent.processing.ProcessingLog;
import dev.consent.recipients.NoticeAction;
import dev.consent.recipients.RecipientNotice;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.store.RightsStore;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Data-subject requests from receipt to answer: deadlines from the policy's terms on its business calendar,
 * identity verification, extensions with notice, and the work itself for erasure, restriction, objection and
 * withdrawal, with the shop's confirmation of an erasure of data the library knew nothing of ({@link #confirmErasure}).
 * Every status change is checked against {@link RequestStatus#next()}, before any of its work is done,
 * and kept in the request's history; a method called out of turn throws {@link ConflictException} naming the steps
 * allowed next ({@link RequestStatus#nextSteps}). Thread-safe.
 *
 * <p>Where the policy states no term for a request type, the GDPR's applies: one month from receipt, extendable by
 * two further months (Art. 12(3)).
 *
 * <p><b>One view of the policy versions.</b> The service judges by the consent service's
 * {@link ConsentService#policyVersions() policy versions}; a retention service or sweeper given to it must be built over
 * the same versions ({@link PolicyVersions#sameVersionsAs}), or {@link Builder#build()} refuses. A request is held to
 * the terms, the business calendar and the refusal alternative of the version in force when it was <i>received</i>:
 * the deadline runs "from receipt of the request" (GDPR Art. 12(3)), so the promise in force then is the one made to
 * the subject, and a later version neither shortens nor lengthens it. The work itself (which recipients are told, which
 * categories may be rectified) follows the version in force when it is done.
 */
public final class RightsService {
    /** GDPR Art. 12(3). */
    public static final DeadlineTerm GDPR_DEFAULT = DeadlineTerm.of(1, DeadlineTerm.Unit.MONTHS,
            DeadlineTerm.Start.RECEIPT).extendable(DeadlineTerm.Extension.by(2, DeadlineTerm.Unit.MONTHS));
    /** The most requests one page of {@link #open(int)} holds. */
    public static final int MAX_PAGE = 1_000;

    private final PolicyVersions versions;
    private final ConsentService consents;
    private final RequestMoves moves;
    private final RequestTerms terms;
    private final ErasureWork erasure;

    private RightsService(Builder b, Clock clock) {
        this.versions = b.consents.policyVersions();
        this.consents = b.consents;
        this.moves = new RequestMoves(b.store, clock);
        this.terms = new RequestTerms(versions, b.holidays, b.consents::jurisdiction);
        RetentionService retention = b.retention != null ? b.retention : b.sweeper == null ? null : b.sweeper.retention();
        this.erasure = new ErasureWork(moves, consents, retention, b.sweeper, b.processing, b.emailErasure,
                b.contributors);
    }

    /**
     * A builder that needs a consent service and a store.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The policy version in force now: its terms and calendar govern requests received from now on. */
    private Policy policy() {
        return versions.at(now());
    }

    /**
     * The business calendar of the policy in force now, with the host's holidays.
     *
     * @return the calendar deadlines are counted on for requests received now
     */
    public BusinessCalendar calendar() {
        return terms.calendarAt(now());
    }

    /**
     * The deadline term the policy in force now gives a type of request, or the GDPR's.
     *
     * @param type the type of request
     * @return the term
     */
    public DeadlineTerm termFor(RequestType type) {
        return terms.termAt(now(), Checks.required("type", type));
    }

    /**
     * The deadline term a request of {@code type} by {@code subject} received now would be held to: the term of the
     * subject's jurisdiction where the policy declares jurisdictions ({@code docs/jurisdictions.md}; the shortest any
     * jurisdiction gives when the subject's is not known), else the policy's, else the GDPR's.
     *
     * @param subject whose request
     * @param type the type of request
     * @return the term
     * @throws dev.consent.StoreException when the subject's ledger cannot be read
     */
    public DeadlineTerm termFor(SubjectId subject, RequestType type) {
        return terms.termAt(Checks.required("subject", subject), now(), Checks.required("type", type));
    }

    /**
     * Whether a request of {@code type} is a right of {@code subject} now: always where the policy declares no
     * jurisdictions; else whether the subject's jurisdiction lists it (a jurisdiction that lists no rights of its own
     * has all of them; a subject whose jurisdiction is not known has every right any jurisdiction gives). A request
     * that is not a right is refused by {@link #receive}.
     *
     * @param subject whose request
     * @param type the type of request
     * @return whether it is a right there
     * @throws dev.consent.StoreException when the subject's ledger cannot be read
     */
    public boolean rightAvailable(SubjectId subject, RequestType type) {
        Checks.required("subject", subject);
        Checks.required("type", type);
        return unavailable(subject, type, now()).isEmpty();
    }

    /**
     * Why a request of {@code type} is not a right of {@code subject} at {@code now}, or empty when it is: the rule
     * {@link #rightAvailable} states, phrased for an {@link InvalidValueException} on {@code type}.
     */
    private Optional<String> unavailable(SubjectId subject, RequestType type, Instant now) {
        Optional<Jurisdiction> j = consents.jurisdiction(subject, now);
        if (j.isEmpty()) {
            return Optional.empty();
        }
        if (j.get().id().equals(JurisdictionId.UNKNOWN)) {
            boolean any = versions.at(now).jurisdictionRules().orElseThrow().all().stream()
                    .anyMatch(x -> x.rightAvailable(type));
            return any ? Optional.empty() : Optional.of("is not a right in jurisdiction " + JurisdictionId.UNKNOWN
                    + " (no location recorded for the subject) at " + now + ": no jurisdiction the policy declares "
                    + "offers it (docs/jurisdictions.md)");
        }
        if (j.get().rightAvailable(type)) {
            return Optional.empty();
        }
        List<RequestType> offered = new ArrayList<>();
        for (RequestType t : RequestType.values()) {
            if (j.get().rightAvailable(t)) {
                offered.add(t);
            }
        }
        return Optional.of("is not a right in jurisdiction " + j.get().id() + " (" + j.get().title() + ") at " + now
                + ": it offers only " + offered + " (the policy's jurisdictionRules, docs/jurisdictions.md)");
    }

    /**
     * The policy versions this service judges by: its consent service's.
     *
     * @return the consent service's policy versions
     */
    public PolicyVersions policyVersions() {
        return versions;
    }

    // ------------------------------------------------------------------------------------------ lifecycle

    /**
     * Records a request as received now. Its deadline starts now, or at identity verification.
     *
     * @param subject whose request it is
     * @param type what the subject asks for
     * @param receivedVia the channel it came by (email, web form, ...), kept in the history
     * @return the stored request, {@link RequestStatus#RECEIVED}
     * @throws InvalidValueException (field {@code type}) when the request is not a right of the subject now
     *     ({@link #rightAvailable}): the message names the subject's jurisdiction and the rights it offers; nothing
     *     is stored
     */
    public RightsRequest receive(SubjectId subject, RequestType type, String receivedVia) {
        Checks.required("subject", subject);
        Checks.required("type", type);
        Instant now = now();
        Optional<String> unavailable = unavailable(subject, type, now);
        if (unavailable.isPresent()) {
            throw new InvalidValueException("type", type, unavailable.get());
        }
        RightsRequest request = new RightsRequest("req-" + UUID.randomUUID(), subject, type, RequestStatus.RECEIVED, now,
                Optional.empty(), terms.onReceipt(subject, type, now), terms.acknowledgement(subject, type, now), Optional.empty(),
                Optional.empty(), List.of(new RightsRequest.Transition(RequestStatus.RECEIVED, now, "subject",
                        "received via " + Checks.text("receivedVia", receivedVia, 200))), 0);
        return moves.saveNew(request);
    }

    /**
     * The requester's identity is verified; a term counted from verification starts now.
     *
     * @param requestId the request's id
     * @param actor who verified, as the history records it
     * @param how how the identity was verified, kept in the history
     * @return the stored request, {@link RequestStatus#IDENTITY_VERIFIED}
     */
    public RightsRequest verifyIdentity(String requestId, String actor, String how) {
        return moves.move(requestId, RequestStatus.IDENTITY_VERIFIED, actor, how, r -> {
            Instant now = now();
            return new RightsRequest(r.id(), r.subject(), r.type(), r.status(), r.receivedAt(), Optional.of(now),
                    terms.onVerification(r, now), r.acknowledgeBy(), r.extensionNotice(), r.outcome(), r.history(),
                    r.version());
        });
    }

    /**
     * Starts carrying out a verified request; its deadline is unchanged.
     *
     * @param requestId the request's id
     * @param actor who starts, as the history records it
     * @return the stored request, {@link RequestStatus#IN_PROGRESS}
     * @throws ConflictException if the request is not verified, or is already in progress, extended or closed (the
     *     message names the allowed next steps)
     */
    public RightsRequest startWork(String requestId, String actor) {
        return moves.move(requestId, RequestStatus.IN_PROGRESS, actor, "work started", UnaryOperator.identity());
    }

    /**
     * Extends the deadline as far as the term allows, once (GDPR Art. 12(3); CCPA, Cal. Civ. Code § 1798.130(a)(2);
     * seed 003: "can be extended to 30 days, and we will inform you in advance"). The extended deadline is one
     * period counted from the term's start, moved to a working day only at its very end ({@link Deadlines#extended},
     * Reg. 1182/71 Art. 3(2)(c) and 3(4)), under the term of the policy version in force when the request was
     * received: received 31 January 2026, one month extended by two is due on Thursday
     * 30 April 2026.
     *
     * <p>The subject must have been told, with the reasons, before the original deadline passed: a notice dated at
     * or after it is refused ({@link InvalidValueException} naming the steps still allowed, which no longer include
     * {@code extend}). An extension <i>recorded</i> after the original deadline, with a notice dated before it, is
     * accepted, because Art. 12(3) asks for the notice, not for its entry here, and refusing it would leave the record
     * without a notice that was given (Art. 5(2)); but it is {@link RightsRequest.Extension#late() flagged late}: the
     * history entry says so, the request stays on {@link #overdue()} until it is answered, and the subject's export
     * shows it.
     *
     * @param subjectToldAt when the subject was told (the notice date): before the original deadline, not in the
     *     future; kept to the microsecond beside when the extension was recorded (this service's clock)
     * @param requestId the request's id
     * @param actor who extends, as the history records it
     * @param reason why, as the subject was told
     * @return the stored request, {@link RequestStatus#EXTENDED}, with the extended deadline
     * @throws ConflictException if the request is not verified, is already extended, or is closed (the message names
     *     the allowed next steps)
     * @throws InvalidValueException if the term has no extension, or the notice is dated at or after the original
     *     deadline, or in the future
     */
    public RightsRequest extend(String requestId, String actor, String reason, Instant subjectToldAt) {
        Checks.text("reason", reason, 1000);
        Checks.required("subjectToldAt", subjectToldAt);
        Instant toldAt = subjectToldAt.truncatedTo(ChronoUnit.MICROS);
        return moves.move(requestId, RequestStatus.EXTENDED, RequestStatus.EXTENDED.action(), actor,
                RequestTerms::extensionNote, r -> terms.extended(r, reason, subjectToldAt, toldAt, now()), List.of());
    }

    /**
     * Answers the request: what was done.
     *
     * @param requestId the request's id
     * @param actor who answers, as the history records it
     * @param answer what was done, in words fit for the subject
     * @return the stored request, {@link RequestStatus#COMPLETED}
     */
    public RightsRequest complete(String requestId, String actor, String answer) {
        return complete(requestId, actor, answer, List.of());
    }

    private RightsRequest complete(String requestId, String actor, String answer, List<RecipientNotice> notices) {
        Checks.multilineText("answer", answer, 20_000);
        return moves.move(requestId, RequestStatus.COMPLETED, RequestStatus.COMPLETED.action(), actor,
                changed -> "completed", r -> RequestMoves.withOutcome(r, answer), notices);
    }

    /**
     * Refuses the request with the reason (GDPR Art. 12(4): the subject is told why, and that they may complain to a
     * supervisory authority); the alternative promised by the policy version in force when the request was received,
     * if any, is added to the answer.
     *
     * @param requestId the request's id
     * @param actor who refuses, as the history records it
     * @param reason why, in words fit for the subject
     * @return the stored request, {@link RequestStatus#REFUSED}
     */
    public RightsRequest refuse(String requestId, String actor, String reason) {
        Checks.multilineText("reason", reason, 5_000);
        return moves.move(requestId, RequestStatus.REFUSED, actor, reason, r -> {
            String alternative = terms.rightsTermAt(r.subject(), r.receivedAt(), r.type())
                    .flatMap(RightsTerm::refusalAlternative).map(a -> " " + a).orElse("");
            return RequestMoves.withOutcome(r, "Refused: " + reason + "." + alternative);
        });
    }

    /**
     * The request with this id.
     *
     * @param requestId the request's id
     * @return the request as stored now
     * @throws InvalidValueException when no request has it
     */
    public RightsRequest request(String requestId) {
        return moves.request(requestId);
    }

    /**
     * Every request of the subject.
     *
     * @param subject whose requests
     * @return the requests, open and closed
     */
    public List<RightsRequest> requests(SubjectId subject) {
        return moves.store().requests(subject);
    }

    /**
     * The first page of open requests (neither completed nor refused): up to {@code limit}, oldest first (by the
     * instant received, then by id). Read on with {@link #open(RightsRequest, int)}, passing the last request of the
     * page, until a page comes back shorter than {@code limit}.
     *
     * @param limit the most requests to return
     * @return the page, oldest first
     * @throws InvalidValueException if {@code limit} is not between 1 and {@value #MAX_PAGE}
     */
    public List<RightsRequest> open(int limit) {
        return moves.store().openRequests(pageSize(limit));
    }

    /**
     * The next page of open requests: up to {@code limit} of those that come after {@code after} in the order of
     * {@link #open(int)} (received later, or at the same instant with a greater id). {@code after} need not be open
     * any more: a request closed while the pages are read does not make the reader lose its place.
     *
     * @param after the last request of the previous page
     * @param limit the most requests to return
     * @return the page, oldest first
     * @throws InvalidValueException if {@code after} is null or {@code limit} is not between 1 and {@value #MAX_PAGE}
     */
    public List<RightsRequest> open(RightsRequest after, int limit) {
        return moves.store().openRequestsAfter(Checks.required("after", after), pageSize(limit));
    }

    /**
     * Every open request whose deadline has passed, oldest first, read page by page.
     *
     * @return the overdue requests ({@link RightsRequest#overdueAt} now)
     */
    public List<RightsRequest> overdue() {
        Instant now = now();
        List<RightsRequest> out = new ArrayList<>();
        List<RightsRequest> page = open(MAX_PAGE);
        while (true) {
            page.stream().filter(r -> r.overdueAt(now)).forEach(out::add);
            if (page.size() < MAX_PAGE) {
                return out;
            }
            page = open(page.get(page.size() - 1), MAX_PAGE);
        }
    }

    private static int pageSize(int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new InvalidValueException("limit", limit, "must be between 1 and " + MAX_PAGE);
        }
        return limit;
    }

    // ------------------------------------------------------------------------------------------- the work

    /**
     * Carries out an erasure request (GDPR Art. 17): withdraws every standing consent, asks retention for erasure
     * (items under a legal minimum or hold are kept and restricted), disposes at once of what is due, puts the
     * subject's email addresses on the suppression list first when an {@link Builder#emailErasure email erasure} is
     * configured (GDPR Art. 17(3)(b), Art. 21(3): the address must not be re-subscribed), pseudonymises
     * the subject's entries in the processing log when one is configured (they are kept, without the subject's id,
     * for accountability: GDPR Art. 5(2); seed 002 "while preserving transaction traceability"), and completes the
     * request with the answer listing what was erased and what is kept, why and until when.
     *
     * <p>When retention knows no item of the subject ({@link ErasureAnswer#nothingKnown()}: a customer from before
     * the shop recorded anchors, whose data its tables may still hold), the library cannot say that anything was
     * erased, and the erasure is owed all the same (Art. 17(1)); the shop must be able to show what it erased
     * (Art. 5(2)). The request then moves to {@link RequestStatus#AWAITING_HOST_CONFIRMATION} instead, with an answer
     * that says nothing is known, and is completed by {@link #confirmErasure} once the shop has erased the data in its
     * own tables. Only if every {@link Builder#contributor data contributor} reports holding none of the subject's
     * data ({@link SubjectDataContributor.Presence#NONE}) is it completed at once, the answer naming them; with no
     * contributor, or one that holds data, cannot tell or fails, it waits.
     *
     * <p>Every recipient the policy names that may have received the subject's data (seed 001_f688c41ce3130c59.txt,
     * section 4.2) is told, through the store's outbox written in the same atomic save as the request's completion
     * (or its move to awaiting the shop's confirmation): of the erasure of the categories it receives (GDPR Art. 19; a
     * recipient that is a controller learns that the subject asked for erasure, Art. 17(2)), and of a restriction
     * instead for categories of which retention keeps an item (Art. 17(3)(b): kept, and processing restricted to
     * keeping it). The withdrawals are passed on as well, with their events.
     *
     * <p>The answer, and the request's outcome, say of each item what really happened: {@link
     * ErasureAnswer.Outcome#DISPOSED disposed of} only when the {@link Builder#sweeper sweeper} disposed of it at once
     * and recorded it; an item due but not disposed of (no sweeper given, or its disposal failed, found a hold or no
     * handler) is {@link ErasureAnswer.Outcome#DUE_NOW due}, since when, and left to the next sweep.
     *
     * @param requestId the erasure request's id
     * @param actor who carries it out, as the history records it
     * @return what was erased, what is kept, why and until when, item by item
     */
    public ErasureAnswer erase(String requestId, String actor) {
        RightsRequest r = moves.requireType(requestId, RequestType.ERASURE);
        RequestMoves.requireStep(r, RequestStatus.COMPLETED, "erase"); // before any of the work is done
        RequestMoves.requireVerified(r);
        return erasure.erase(r, actor);
    }

    /**
     * The shop confirms what it erased of the subject's data in its own tables, completing an erasure request that
     * {@link #erase} left {@link RequestStatus#AWAITING_HOST_CONFIRMATION awaiting it} (retention knew no item of the
     * subject). The confirmation is kept in the request's history and added to its answer, so the shop can show what
     * it did and when (GDPR Art. 17(1), Art. 5(2); Art. 30: the record of the processing).
     *
     * @param erased what the shop erased, or found nothing of, in words fit for the subject: e.g. "the customer
     *     record, 2 addresses and the personal fields of 5 orders deleted from the shop database; nothing found in the
     *     ticket system"
     * @param requestId the erasure request's id
     * @param actor who confirms, as the history records it
     * @return the stored request, {@link RequestStatus#COMPLETED}
     * @throws ConflictException if the request is not awaiting the shop's confirmation (the message names the steps
     *     allowed next)
     * @throws InvalidValueException if the request is not an erasure, or {@code erased} is blank or longer than 5,000
     *     characters
     */
    public RightsRequest confirmErasure(String requestId, String actor, String erased) {
        Checks.multilineText("erased", erased, 5_000);
        moves.requireType(requestId, RequestType.ERASURE);
        Instant at = now();
        return moves.move(requestId, RequestStatus.COMPLETED, RequestStatus.CONFIRM_ERASURE, actor,
                changed -> "the shop confirmed what it erased: " + erased,
                r -> RequestMoves.withOutcome(r, r.outcome().map(o -> o + "\n").orElse("") + "The shop confirmed at " + at
                        + " what it erased: " + erased), List.of());
    }

    /**
     * Carries out a rectification request (GDPR Art. 16) once the host has corrected the subject's data of
     * {@code categories}, and completes it. Every recipient the policy names that receives any of those categories,
     * and may have received the subject's data, is told through the store's outbox, written in the same atomic save
     * as the request's completion (GDPR Art. 19; seed 001_f688c41ce3130c59.txt, sections 4.2 and 5.2). The corrected
     * values are not passed on: the host's notifier reads them from its own tables.
     *
     * @param requestId the rectification request's id
     * @param actor who carries it out, as the history records it
     * @param categories the data categories the host corrected
     * @return the stored request, {@link RequestStatus#COMPLETED}
     * @throws InvalidValueException when no category is given or one is not declared by the policy in force
     */
    public RightsRequest rectify(String requestId, String actor, Collection<CategoryId> categories) {
        RightsRequest r = moves.requireType(requestId, RequestType.RECTIFICATION);
        RequestMoves.requireVerified(r);
        Policy policy = policy();
        Set<CategoryId> corrected = new TreeSet<>();
        for (CategoryId c : Checks.required("categories", categories)) {
            if (policy.findCategory(Checks.required("categories[]", c)).isEmpty()) {
                throw new InvalidValueException("categories", c.value(), "is not a category of policy "
                        + policy.id() + " " + policy.version());
            }
            corrected.add(c);
        }
        if (corrected.isEmpty()) {
            throw new InvalidValueException("categories", "[]", "must name the categories that were corrected");
        }
        List<RecipientNotice> notices = policy.recipients().isEmpty() ? List.of()
                : RecipientSelection.forRequest(policy, r, NoticeAction.RECTIFICATION, corrected::contains,
                        erasure.grantedPurposes(r.subject()), now());
        return complete(requestId, actor, "Corrected: " + corrected + ". Everyone we disclosed these data to is told "
                + "of the correction (GDPR Art. 19).", notices);
    }

    /**
     * Carries out a restriction request (GDPR Art. 18) and completes it.
     *
     * @param requestId the restriction request's id
     * @param actor who carries it out, as the history records it
     * @return the stored request, {@link RequestStatus#COMPLETED}
     */
    public RightsRequest restrict(String requestId, String actor) {
        RightsRequest r = moves.requireType(requestId, RequestType.RESTRICTION);
        RequestMoves.requireStep(r, RequestStatus.COMPLETED, "restrict"); // before any of the work is done
        RequestMoves.requireVerified(r);
        consents.restrict(r.subject(), RequestMoves.systemCapture(requestId, "restriction"));
        return complete(requestId, actor, "Processing is restricted: only storage, and purposes on a legal obligation, "
                + "continue until the restriction is lifted; you will be told before it is (GDPR Art. 18(3)).");
    }

    /**
     * Carries out an objection (GDPR Art. 21) to the given purposes and completes it.
     *
     * @param requestId the objection's id
     * @param actor who carries it out, as the history records it
     * @param purposes the purposes objected to
     * @return the stored request, {@link RequestStatus#COMPLETED}
     */
    public RightsRequest object(String requestId, String actor, Collection<PurposeId> purposes) {
        RightsRequest r = moves.requireType(requestId, RequestType.OBJECTION);
        RequestMoves.requireStep(r, RequestStatus.COMPLETED, "object"); // before any of the work is done
        RequestMoves.requireVerified(r);
        for (PurposeId p : purposes) {
            consents.object(r.subject(), p, RequestMoves.systemCapture(requestId, "objection", p.value()));
        }
        return complete(requestId, actor, "Processing stopped for: " + purposes);
    }

    /**
     * Carries out a withdrawal of consent, for the given purposes or all when none are given, and completes it.
     *
     * @param requestId the withdrawal request's id
     * @param actor who carries it out, as the history records it
     * @param purposes the purposes withdrawn from; empty for all
     * @return the stored request, {@link RequestStatus#COMPLETED}
     */
    public RightsRequest withdrawConsent(String requestId, String actor, Collection<PurposeId> purposes) {
        RightsRequest r = moves.requireType(requestId, RequestType.WITHDRAW_CONSENT);
        if (r.status() == RequestStatus.RECEIVED) {
            // GDPR Art. 7(3): withdrawing must be as easy as consenting; the channel that could grant can withdraw
            verifyIdentity(requestId, actor, "withdrawal needs no verification beyond the channel it came through");
        } else {
            RequestMoves.requireStep(r, RequestStatus.COMPLETED, "withdrawConsent"); // before any consent is withdrawn
        }
        if (purposes.isEmpty()) {
            consents.withdrawAll(r.subject(), RequestMoves.systemCapture(requestId, "withdraw-all"));
        } else {
            for (PurposeId p : purposes) {
                consents.withdraw(r.subject(), p, RequestMoves.systemCapture(requestId, "withdraw", p.value()));
            }
        }
        return complete(requestId, actor, "Consent withdrawn for: " + (purposes.isEmpty() ? "all purposes" : purposes)
                + ". Withdrawal does not affect processing before it (GDPR Art. 7(3)).");
    }

    private Instant now() {
        return moves.now();
    }

    /** Configures a {@link RightsService}. */
    public static final class Builder {
        private ConsentService consents;
        private RetentionService retention;
        private Sweeper sweeper;
        private ProcessingLog processing;
        private EmailErasure emailErasure;
        private RightsStore store;
        private Clock clock;
        private HolidaySource holidays = HolidaySource.NONE;
        private final List<SubjectDataContributor> contributors = new ArrayList<>();

        private Builder() {
        }

        /**
         * A source of the shop's own data about subjects, asked by {@link RightsService#erase} whether it holds data
         * of a subject the library knows no retained item of ({@link SubjectDataContributor#presence}); the same
         * contributors the shop gives {@link SubjectExport}. Such an erasure completes at once only when every
         * contributor answers {@link SubjectDataContributor.Presence#NONE}, so together they must cover every table of
         * the shop that holds personal data; a contributor that covers only some answers
         * {@link SubjectDataContributor.Presence#UNKNOWN} when it finds nothing. Without contributors such an erasure
         * always waits for {@link RightsService#confirmErasure}.
         *
         * @param contributor the contributor
         * @return this builder
         * @throws InvalidValueException if {@code contributor} is null or another contributor has its name
         */
        public Builder contributor(SubjectDataContributor contributor) {
            Checks.required("contributor", contributor);
            String name = Checks.required("contributor.name", contributor.name());
            if (contributors.stream().anyMatch(c -> c.name().equals(name))) {
                throw new InvalidValueException("contributor.name", name, "is the name of another contributor");
            }
            contributors.add(contributor);
            return this;
        }

        /**
         * Required: the consent service, whose policy in force gives the terms and calendar.
         *
         * @param consents the service
         * @return this builder
         */
        public Builder consents(ConsentService consents) {
            this.consents = consents;
            return this;
        }

        /**
         * Needed for erasure requests (or a {@link #sweeper(Sweeper) sweeper}, which brings its own). Without a
         * sweeper, {@link RightsService#erase} leaves the items it makes due to the next sweep.
         *
         * @param retention the retention service erasures go to
         * @return this builder
         */
        public Builder retention(RetentionService retention) {
            this.retention = retention;
            return this;
        }

        /**
         * The sweeper with which {@link RightsService#erase} disposes at once of the items the erasure makes due
         * ({@link Sweeper#disposeDue}), through the host's handlers; its retention service is the one erasures go to.
         *
         * @param sweeper the sweeper
         * @return this builder
         * @throws InvalidValueException if {@code sweeper} is null
         */
        public Builder sweeper(Sweeper sweeper) {
            this.sweeper = Checks.required("sweeper", sweeper);
            return this;
        }

        /**
         * The processing log whose entries of an erased subject {@link #erase} pseudonymises.
         *
         * @param log the processing log
         * @return this builder
         */
        public Builder processing(ProcessingLog log) {
            this.processing = Checks.required("processing", log);
            return this;
        }

        /**
         * What an erasure does to the subject's email, run first in every {@link #erase}, before anything is erased:
         * its addresses go on the suppression list (as keyed hashes), so an import or a form somebody else fills in
         * cannot re-subscribe them, and its campaign records are deleted. When it fails, the erasure fails with it
         * and can be retried.
         *
         * @param email the email erasure
         * @return this builder
         */
        public Builder emailErasure(EmailErasure email) {
            this.emailErasure = Checks.required("emailErasure", email);
            return this;
        }

        /**
         * Required: where the service keeps its state, e.g. consent-jdbc's {@code JdbcStore}, or an
         * {@link dev.consent.store.InMemoryStore} for tests and single-node hosts.
         *
         * @param store the store
         * @return this builder
         */
        public Builder store(RightsStore store) {
            this.store = store;
            return this;
        }

        /**
         * Defaults to the consent service's clock.
         *
         * @param clock the clock that dates requests and steps
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Holidays from the host, in addition to those the policy lists.
         *
         * @param source the host's holidays
         * @return this builder
         */
        public Builder holidays(HolidaySource source) {
            this.holidays = Checks.required("holidays", source);
            return this;
        }

        /**
         * The service.
         *
         * @return the service
         * @throws InvalidValueException if the consent service or the store is missing, the sweeper sweeps another
         *     retention service than the one given, or the retention service (or the sweeper's) is built over other
         *     policy versions than the consent service ({@link PolicyVersions#sameVersionsAs}; the message names
         *     {@code retention} or {@code sweeper})
         */
        public RightsService build() {
            Checks.required("consents", consents);
            if (sweeper != null && retention != null && sweeper.retention() != retention) {
                throw new InvalidValueException("sweeper", sweeper.node(), "sweeps another retention service than"
                        + " the one given to retention(...)");
            }
            if (store == null) {
                throw new InvalidValueException("store", null, "is required: give the builder a store, e.g. consent-jdbc's"
                        + " JdbcStore, or an InMemoryStore for tests and single-node hosts");
            }
            if (retention != null) {
                PolicyVersions.requireSame("retention", consents.policyVersions(), retention.policyVersions());
            } else if (sweeper != null) {
                PolicyVersions.requireSame("sweeper", consents.policyVersions(), sweeper.retention().policyVersions());
            }
            return new RightsService(this, clock != null ? clock : consents.clock());
        }
    }
}
