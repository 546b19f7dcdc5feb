package dev.consent.rights;

import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.internal.Checks;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.recipients.RecipientNotice;
import dev.consent.store.OutboxStore;
import dev.consent.store.RightsStore;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * How {@link RightsService} reads requests and moves them along {@link RequestStatus#next()}: every move checked
 * before any of its work is done, kept in the request's history, and saved over the version read (retried when
 * another node saved first), with the recipients' notices it causes in the same atomic save.
 */
final class RequestMoves {
    private static final int MAX_SAVE_ATTEMPTS = 10;

    private final RightsStore store;
    private final Clock clock;

    RequestMoves(RightsStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    RightsStore store() {
        return store;
    }

    /** The clock's instant, to the microsecond the store keeps. */
    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    RightsRequest request(String requestId) {
        return store.request(requestId)
                .orElseThrow(() -> new InvalidValueException("requestId", requestId, "is not a received request"));
    }

    /** Saves a request received now; a request with its id must not exist yet. */
    RightsRequest saveNew(RightsRequest request) {
        if (!store.saveRequest(request)) {
            throw new StoreException("saveRequest", "a request with id " + request.id() + " already exists");
        }
        return request.nextVersion();
    }

    RightsRequest requireType(String requestId, RequestType type) {
        RightsRequest r = request(requestId);
        if (r.type() != type) {
            throw new InvalidValueException("request.type", r.type(), "must be " + type + " for this action");
        }
        return r;
    }

    static void requireVerified(RightsRequest r) {
        if (r.verifiedAt().isEmpty()) {
            throw new ConflictException("request " + r.id() + ": the requester's identity is not verified; "
                    + r.type() + " is only carried out for a verified requester (GDPR Art. 12(6))");
        }
    }

    static RightsRequest withOutcome(RightsRequest r, String outcome) {
        return new RightsRequest(r.id(), r.subject(), r.type(), r.status(), r.receivedAt(), r.verifiedAt(), r.deadline(),
                r.acknowledgeBy(), r.extensionNotice(), Optional.of(outcome), r.history(), r.version());
    }

    /** Moves a request by the method named after {@code to}, with a fixed note and no notices. */
    RightsRequest move(String requestId, RequestStatus to, String actor, String note,
            UnaryOperator<RightsRequest> change) {
        return move(requestId, to, to.action(), actor, changed -> note, change, List.of());
    }

    /**
     * Moves a request along a legal transition by the method {@code action} (checked by {@link #requireStep} on the
     * request as read, before {@code change}); {@code note} is written from the changed request, and {@code notices}
     * go to the store's outbox in the same atomic save as the request's new state.
     */
    RightsRequest move(String requestId, RequestStatus to, String action, String actor,
            Function<RightsRequest, String> note, UnaryOperator<RightsRequest> change,
            List<RecipientNotice> notices) {
        Checks.text("actor", actor, 200);
        for (int attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt++) {
            RightsRequest current = request(requestId);
            requireStep(current, to, action);
            RightsRequest changed = change.apply(current);
            String text = note.apply(changed);
            List<RightsRequest.Transition> history = new ArrayList<>(changed.history());
            history.add(new RightsRequest.Transition(to, now(), actor, text == null ? "" : text));
            RightsRequest next = new RightsRequest(changed.id(), changed.subject(), changed.type(), to,
                    changed.receivedAt(), changed.verifiedAt(), changed.deadline(), changed.acknowledgeBy(),
                    changed.extensionNotice(), changed.outcome(), history, current.version());
            if (notices.isEmpty() ? store.saveRequest(next) : outbox().saveRequest(next, notices)) {
                return next.nextVersion();
            }
        }
        throw new StoreException("saveRequest", "request " + requestId + " kept changing under concurrent writers");
    }

    /**
     * Throws unless {@code r} may move to {@code to} ({@link RequestStatus#next()}); the message names the method
     * called and the steps allowed next, so a caller learns the lifecycle from the error.
     */
    static void requireStep(RightsRequest r, RequestStatus to, String action) {
        boolean awaiting = r.status() == RequestStatus.AWAITING_HOST_CONFIRMATION;
        // an erasure awaiting the shop's confirmation is completed by that confirmation only, and only it is confirmed
        if (!r.status().next(r.type()).contains(to) || awaiting != action.equals(RequestStatus.CONFIRM_ERASURE)) {
            String why = "";
            if (r.status() == RequestStatus.RECEIVED) {
                why = " (the requester's identity is not verified yet, GDPR Art. 12(6))";
            } else if (awaiting) {
                why = " (the shop has not confirmed what it erased of a subject the library knew no data of, GDPR"
                        + " Art. 17(1), Art. 5(2))";
            } else if (action.equals(RequestStatus.CONFIRM_ERASURE)) {
                why = " (only an erasure awaiting the shop's confirmation is confirmed)";
            }
            throw new ConflictException("request " + r.id() + ": cannot move from " + r.status() + " to " + to
                    + " by " + action + why + "; allowed next steps: " + r.status().nextSteps(r.type()));
        }
    }

    /**
     * The capture of the events a request's work records. The event id derives from the request
     * ({@code <request id>/<action>[/<purpose>]}, hashed to fit when longer than an event id may be, see
     * {@link EventId#derive}), so carrying out the same request twice records nothing twice, whatever the length of
     * the purpose ids.
     */
    static Capture systemCapture(String requestId, String... what) {
        EventId id = EventId.of(requestId);
        for (String part : what) {
            id = id.derive(part);
        }
        return Capture.by(Method.RIGHTS_REQUEST).withActor(Actor.SYSTEM)
                .withEvidence(Evidence.builder().reference(requestId).build())
                .withEventId(id);
    }

    /** The store's outbox; a store without one cannot take a change recipients must be told of (fail closed). */
    private OutboxStore outbox() {
        if (store instanceof OutboxStore outbox) {
            return outbox;
        }
        throw new StoreException("saveRequest", "the rights store keeps no recipients' outbox (it is not an "
                + "OutboxStore), so this request's recipients could not be told (GDPR Art. 19); nothing was written");
    }
}
