package dev.consent.rights;

import dev.consent.testing.TestKeys;

import dev.consent.ConflictException;
import dev.consent.ConsentService;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.DisposalRequest;
import dev.consent.retention.RetentionRule;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.consent.rights.RequestStatus.AWAITING_HOST_CONFIRMATION;
import static dev.consent.rights.RequestStatus.COMPLETED;
import static dev.consent.rights.RequestStatus.EXTENDED;
import static dev.consent.rights.RequestStatus.IDENTITY_VERIFIED;
import static dev.consent.rights.RequestStatus.IN_PROGRESS;
import static dev.consent.rights.RequestStatus.RECEIVED;
import static dev.consent.rights.RequestStatus.REFUSED;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every action of {@link RightsService} on a request in every status: it either moves the request where the lifecycle
 * says (GDPR Art. 12: verified before answered, Art. 12(6); extended at most once, Art. 12(3); closed requests stay
 * closed), or throws a {@link ConflictException} naming the steps allowed next, having changed nothing: no status, no
 * consent event, no disposal. The table of what is allowed is written out here, independently of
 * {@link RequestStatus#next()}, and the README's lifecycle table is checked against it. An erasure of a subject the
 * library knows no data of waits for the shop's confirmation (GDPR Art. 17(1), Art. 5(2)): only erasure requests reach
 * {@link RequestStatus#AWAITING_HOST_CONFIRMATION}, and only {@code confirmErasure} leaves it.
 */
class RequestLifecycleTest {
    private static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");
    private static final PurposeId ANALYTICS = PurposeId.of("analytics");
    private static final Set<RequestStatus> ANSWERABLE = EnumSet.of(IDENTITY_VERIFIED, IN_PROGRESS, EXTENDED);

    /** An action, the request type it is called on, and the statuses it may be called in. */
    private enum Action {
        VERIFY_IDENTITY("verifyIdentity", RequestType.ACCESS, IDENTITY_VERIFIED, EnumSet.of(RECEIVED)),
        START_WORK("startWork", RequestType.ACCESS, IN_PROGRESS, EnumSet.of(IDENTITY_VERIFIED)),
        EXTEND("extend", RequestType.ACCESS, EXTENDED, EnumSet.of(IDENTITY_VERIFIED, IN_PROGRESS)),
        COMPLETE("complete", RequestType.ACCESS, COMPLETED, ANSWERABLE),
        REFUSE("refuse", RequestType.ACCESS, REFUSED, EnumSet.of(RECEIVED, IDENTITY_VERIFIED, IN_PROGRESS, EXTENDED)),
        ERASE("erase", RequestType.ERASURE, COMPLETED, ANSWERABLE),
        RESTRICT("restrict", RequestType.RESTRICTION, COMPLETED, ANSWERABLE),
        OBJECT("object", RequestType.OBJECTION, COMPLETED, ANSWERABLE),
        // GDPR Art. 7(3): a withdrawal is carried out from receipt, verified by the channel it came through
        WITHDRAW_CONSENT("withdrawConsent", RequestType.WITHDRAW_CONSENT, COMPLETED,
                EnumSet.of(RECEIVED, IDENTITY_VERIFIED, IN_PROGRESS, EXTENDED)),
        // the shop confirms what it erased of a subject the library knew no data of
        CONFIRM_ERASURE("confirmErasure", RequestType.ERASURE, COMPLETED, EnumSet.of(AWAITING_HOST_CONFIRMATION));

        final String method;
        final RequestType type;
        final RequestStatus to;
        final Set<RequestStatus> allowedFrom;

        Action(String method, RequestType type, RequestStatus to, Set<RequestStatus> allowedFrom) {
            this.method = method;
            this.type = type;
            this.to = to;
            this.allowedFrom = allowedFrom;
        }
    }

    /** The steps an error names, per status, for a request of {@code type}. */
    private static String expectedSteps(RequestStatus status, RequestType type) {
        String complete = switch (type) {
            case ERASURE -> "erase or complete";
            case RESTRICTION -> "restrict or complete";
            case OBJECTION -> "object or complete";
            case WITHDRAW_CONSENT -> "withdrawConsent or complete";
            default -> "complete";
        };
        String awaiting = type == RequestType.ERASURE ? "erase (to AWAITING_HOST_CONFIRMATION), " : "";
        return switch (status) {
            case RECEIVED -> "verifyIdentity (to IDENTITY_VERIFIED), refuse (to REFUSED)";
            case IDENTITY_VERIFIED -> "startWork (to IN_PROGRESS), extend (to EXTENDED), " + awaiting + complete
                    + " (to COMPLETED), refuse (to REFUSED)";
            case IN_PROGRESS -> "extend (to EXTENDED), " + awaiting + complete + " (to COMPLETED), refuse (to REFUSED)";
            case EXTENDED -> awaiting + complete + " (to COMPLETED), refuse (to REFUSED)";
            case AWAITING_HOST_CONFIRMATION -> "confirmErasure (to COMPLETED)";
            case COMPLETED, REFUSED -> "none, it is closed";
        };
    }

    private static Policy policy() {
        // no rights terms: every type gets the GDPR's one month, extendable by two (Art. 12(3))
        return Policy.builder("lifecycle", "1").effectiveFrom(LocalDate.of(2025, 1, 1)).zone(ZoneId.of("Europe/Berlin"))
                .category("contact.email", "Email").category("account.profile", "Account")
                .purpose(Purpose.builder("marketing.email").title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .purpose(Purpose.builder("analytics").title("Analytics").basis(LegalBasis.LEGITIMATE_INTERESTS)
                        .categories("account.profile").build())
                .retention(RetentionRule.maximum("email-2y", "contact.email", DisposalAction.DELETE).period("P2Y")
                        .after(Anchor.COLLECTED).build())
                .build();
    }

    /** One fresh shop per (status, action) pair, so that no case sees another's events. */
    private static final class Shop implements AutoCloseable {
        final MutableClock clock = MutableClock.at("2025-06-04T08:00:00Z");
        final InMemoryStore store = new InMemoryStore();
        final ConsentService consents = ConsentService.builder().policy(policy()).store(store).clock(clock).build();
        final List<DisposalRequest> disposed = new ArrayList<>();
        final RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(policy()).store(store).clock(clock).build();
        final Sweeper sweeper = Sweeper.builder(retention).handler("contact.email", disposed::add).build();
        final RightsService rights = RightsService.builder().consents(consents).sweeper(sweeper).store(store)
                .build();
        final SubjectId alice = SubjectId.of("alice");
        /** A customer from before the shop recorded anchors: retention knows no item of theirs. */
        final SubjectId legacy = SubjectId.of("legacy-customer");

        Shop() {
            consents.grant(alice, NEWSLETTER, Capture.by(Method.CHECKBOX));
            consents.grant(legacy, NEWSLETTER, Capture.by(Method.CHECKBOX));
            retention.recordAnchor(alice, "contact.email", Anchor.COLLECTED, clock.instant());
        }

        /**
         * A request of {@code type} brought to {@code status} along the lifecycle: alice's, or for
         * AWAITING_HOST_CONFIRMATION (an erasure only) the legacy customer's, erased without any item known.
         */
        RightsRequest in(RequestStatus status, RequestType type) {
            SubjectId subject = status == AWAITING_HOST_CONFIRMATION ? legacy : alice;
            String id = rights.receive(subject, type, "email").id();
            switch (status) {
                case RECEIVED -> { }
                case REFUSED -> rights.refuse(id, "dpo", "manifestly unfounded");
                default -> {
                    rights.verifyIdentity(id, "support", "account email");
                    switch (status) {
                        case IN_PROGRESS -> rights.startWork(id, "dpo");
                        case EXTENDED -> rights.extend(id, "dpo", "complex", clock.instant());
                        case AWAITING_HOST_CONFIRMATION -> rights.erase(id, "dpo");
                        case COMPLETED -> rights.complete(id, "dpo", "done");
                        default -> { }
                    }
                }
            }
            RightsRequest r = rights.request(id);
            assertThat(r.status()).isEqualTo(status);
            return r;
        }

        Object call(Action action, String id) {
            return switch (action) {
                case VERIFY_IDENTITY -> rights.verifyIdentity(id, "support", "id card");
                case START_WORK -> rights.startWork(id, "dpo");
                case EXTEND -> rights.extend(id, "dpo", "complex", clock.instant());
                case COMPLETE -> rights.complete(id, "dpo", "done");
                case REFUSE -> rights.refuse(id, "dpo", "manifestly unfounded");
                case ERASE -> rights.erase(id, "dpo");
                case RESTRICT -> rights.restrict(id, "dpo");
                case OBJECT -> rights.object(id, "dpo", List.of(ANALYTICS));
                case WITHDRAW_CONSENT -> rights.withdrawConsent(id, "dpo", List.of(NEWSLETTER));
                case CONFIRM_ERASURE -> rights.confirmErasure(id, "dpo", "customer row and addresses deleted");
            };
        }

        @Override
        public void close() {
            consents.close();
        }
    }

    @Test
    void everyActionInEveryStatusMovesTheRequestOrNamesTheAllowedNextSteps() {
        List<String> wrong = new ArrayList<>();
        int cases = 0;
        for (Action action : Action.values()) {
            for (RequestStatus status : RequestStatus.values()) {
                if (status == AWAITING_HOST_CONFIRMATION && action.type != RequestType.ERASURE) {
                    continue; // only an erasure request ever awaits the shop's confirmation
                }
                cases++;
                String pair = action.method + " on " + action.type + " in " + status;
                try (Shop shop = new Shop()) {
                    RightsRequest before = shop.in(status, action.type);
                    SubjectId subject = before.subject();
                    int events = shop.consents.history(subject).size();
                    int disposedBefore = shop.disposed.size();
                    try {
                        shop.call(action, before.id());
                        if (!action.allowedFrom.contains(status)) {
                            wrong.add(pair + ": succeeded, but is not allowed");
                        } else if (shop.rights.request(before.id()).status() != action.to) {
                            wrong.add(pair + ": ended in " + shop.rights.request(before.id()).status());
                        }
                    } catch (ConflictException e) {
                        String steps = "allowed next steps: " + expectedSteps(status, action.type);
                        if (action.allowedFrom.contains(status)) {
                            wrong.add(pair + ": refused, but is allowed: " + e.getMessage());
                        } else if (!e.getMessage().contains(steps)) {
                            wrong.add(pair + ": the error does not name \"" + steps + "\": " + e.getMessage());
                        } else if (!shop.rights.request(before.id()).equals(before)) {
                            wrong.add(pair + ": refused, but the request changed");
                        } else if (shop.consents.history(subject).size() != events
                                || shop.disposed.size() != disposedBefore) {
                            wrong.add(pair + ": refused, but after recording consent events or disposing of data");
                        }
                    }
                }
            }
        }
        // 10 actions in 7 statuses, but only erasure requests (2 of the actions) await the shop's confirmation
        assertThat(cases).isEqualTo(10 * 7 - 8);
        assertThat(wrong).as(String.join("\n", wrong)).isEmpty();
    }

    /** A request that is not yet verified: the error says so and what to do instead. */
    @Test
    void extendAndCompleteBeforeVerificationSayWhatToDoFirst() {
        try (Shop shop = new Shop()) {
            RightsRequest r = shop.in(RECEIVED, RequestType.ACCESS);
            for (Action action : List.of(Action.EXTEND, Action.COMPLETE)) {
                try {
                    shop.call(action, r.id());
                    throw new AssertionError(action + " succeeded on an unverified request");
                } catch (ConflictException e) {
                    assertThat(e.getMessage()).isEqualTo("request " + r.id() + ": cannot move from RECEIVED to "
                            + action.to + " by " + action.method + " (the requester's identity is not verified yet,"
                            + " GDPR Art. 12(6)); allowed next steps: verifyIdentity (to IDENTITY_VERIFIED), refuse"
                            + " (to REFUSED)");
                }
            }
        }
    }

    /** The README's lifecycle table lists, for every status, exactly the moves of this test's table. */
    @Test
    void theReadmeShowsTheLifecycle() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        Matcher row = Pattern.compile("(?m)^\\| `([A-Z_]+)` \\| ([^|]*) \\|").matcher(readme);
        Map<RequestStatus, Set<String>> expected = Map.of(
                RECEIVED, Set.of("verifyIdentity", "refuse", "withdrawConsent"),
                IDENTITY_VERIFIED, Set.of("startWork", "extend", "complete", "erase", "restrict", "object",
                        "withdrawConsent", "refuse"),
                IN_PROGRESS, Set.of("extend", "complete", "erase", "restrict", "object", "withdrawConsent", "refuse"),
                EXTENDED, Set.of("complete", "erase", "restrict", "object", "withdrawConsent", "refuse"),
                AWAITING_HOST_CONFIRMATION, Set.of("confirmErasure"),
                COMPLETED, Set.of(),
                REFUSED, Set.of());
        BiFunction<RequestStatus, Action, Boolean> allowed = (s, a) -> a.allowedFrom.contains(s);
        int rows = 0;
        while (row.find()) {
            RequestStatus status;
            try {
                status = RequestStatus.valueOf(row.group(1));
            } catch (IllegalArgumentException notAStatus) {
                continue;
            }
            rows++;
            Set<String> methods = new java.util.TreeSet<>();
            Matcher call = Pattern.compile("`([a-z][a-zA-Z]+)`").matcher(row.group(2));
            while (call.find()) {
                methods.add(call.group(1));
            }
            assertThat(methods).as("README lifecycle row " + status).isEqualTo(expected.get(status));
            for (Action a : Action.values()) {
                assertThat(methods.contains(a.method)).as(a.method + " from " + status)
                        .isEqualTo(allowed.apply(status, a));
            }
        }
        assertThat(rows).as("README has a lifecycle table with one row per status").isEqualTo(7);
    }
}
