package dev.consent.email;

import dev.consent.ConsentService;
import dev.consent.Reason;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.retention.RetentionService;
import dev.consent.store.ConsentStore;
import dev.consent.store.RetentionStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static dev.consent.email.EmailTestSetup.ALICE;
import static dev.consent.email.EmailTestSetup.BOB;
import static dev.consent.email.EmailTestSetup.KEYS;
import static dev.consent.email.EmailTestSetup.NEWSLETTER;
import static dev.consent.email.EmailTestSetup.OFFERS;
import static dev.consent.email.EmailTestSetup.WINDOW;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Double opt-in and one-click unsubscribe on a real store, published in consent-core's test-jar so every store runs
 * it. Every write goes through one service; every read that proves what was stored goes through a second service on
 * the same store with no cache ({@link #stored}), so choices, methods, event ids and evidence must survive the round
 * trip through the store's own representation (for a JDBC store: its tables), and the hash chain over them must
 * verify.
 */
public abstract class EmailStoreContract {
    private static final URI BASE = URI.create("https://shop.example/email/unsubscribe");
    private static final Evidence CLICK = Evidence.builder().userAgent("Mozilla/5.0 (Mail)").ip("203.0.113.77")
            .build();
    private static final Evidence POST = Evidence.builder().userAgent("GoogleOneClick/1.0").ip("2001:db8:1:2:3::4")
            .build();

    protected ConsentStore store;
    private final MutableClock clock = MutableClock.at("2025-06-02T08:00:00Z");
    private ConsentService consents;
    private ConsentService reader;
    private DoubleOptIn optIn;

    /**
     * A new, empty store, which must also be a {@link RetentionStore} (the erasure of a subject is read from its
     * tombstones). Called before every test.
     */
    protected abstract ConsentStore createStore();

    @BeforeEach
    void freshServices() {
        store = createStore();
        Policy policy = EmailTestSetup.policy(1);
        consents = ConsentService.builder().policy(policy).store(store).clock(clock).build();
        reader = ConsentService.builder().policy(policy).store(store).clock(clock).cacheSize(0).build();
        optIn = new DoubleOptIn(consents, KEYS);
    }

    @AfterEach
    void closeServices() {
        consents.close();
        reader.close();
    }

    /** The subject's history as the store gives it back to a service that never saw the writes. */
    private List<ConsentEvent> stored(SubjectId subject) {
        return reader.history(subject);
    }

    private OptInRequest signUp(SubjectId subject) {
        return optIn.request(subject, NEWSLETTER, Capture.by(Method.WEB_FORM)
                .withEvidence(Evidence.builder().notice("signup-v1", "Send me the newsletter").ip("198.51.100.9")
                        .locale("de-DE").build()));
    }

    private UnsubscribeOnStore unsubscribe(java.util.function.Predicate<SubjectId> erased) {
        return new UnsubscribeOnStore(new OneClickUnsubscribe(consents, KEYS, BASE, erased));
    }

    /** The handler and the token its link carries. */
    private record UnsubscribeOnStore(OneClickUnsubscribe handler) {
        String token(SubjectId subject, dev.consent.policy.PurposeId purpose) {
            String q = handler.link(subject, purpose).url().getRawQuery();
            return q.substring(q.indexOf("token=") + "token=".length());
        }
    }

    // ------------------------------------------------------------------ double opt-in

    @Test
    void aPendingGrantIsConfirmedAndBothStepsComeBackFromTheStoreWithTheirEvidence() {
        OptInRequest request = signUp(ALICE);
        assertThat(reader.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.PENDING_CONFIRMATION);
        assertThat(reader.check(ALICE, NEWSLETTER).decidingEvent()).contains(request.grant().ref());

        clock.advance(Duration.ofHours(2));
        Confirmation c = optIn.confirm(request.token(), CLICK);
        assertThat(c.status()).isEqualTo(Confirmation.Status.CONFIRMED);

        List<ConsentEvent> history = stored(ALICE);
        assertThat(history).containsExactly(request.grant(), c.event().orElseThrow());
        ConsentEvent grant = history.get(0);
        assertThat(grant.choice()).isEqualTo(Choice.GRANTED);
        assertThat(grant.method()).isEqualTo(Method.WEB_FORM);
        assertThat(grant.evidence().noticeId()).isEqualTo("signup-v1");
        assertThat(grant.evidence().locale()).isEqualTo("de-DE");
        assertThat(grant.evidence().ip()).isEqualTo("198.51.100.0/24");
        ConsentEvent confirmed = history.get(1);
        assertThat(confirmed.choice()).isEqualTo(Choice.CONFIRMED);
        assertThat(confirmed.method()).isEqualTo(Method.CONFIRMATION_LINK);
        assertThat(confirmed.id()).isEqualTo(request.grant().id().derive("confirmed"));
        assertThat(confirmed.consentVersion()).isEqualTo(1);
        assertThat(confirmed.occurredAt()).isEqualTo(clock.instant());
        assertThat(confirmed.evidence().userAgent()).isEqualTo("Mozilla/5.0 (Mail)");
        assertThat(confirmed.evidence().ip()).isEqualTo("203.0.113.0/24");
        assertThat(confirmed.evidence().reference()).contains(request.grant().id().value())
                .contains(EmailToken.hash(request.token())).doesNotContain(request.token());
        assertThat(reader.event(confirmed.id())).contains(confirmed);

        assertThat(reader.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.GRANTED);
        assertThat(reader.verify(ALICE).intact()).isTrue();
        assertThat(reader.verify(ALICE).eventsChecked()).isEqualTo(2);
        // long after the window the confirmed grant still counts
        clock.advance(WINDOW.multipliedBy(10));
        assertThat(reader.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.GRANTED);
    }

    @Test
    void anUnconfirmedGrantExpiresIntoNoRecordAndALateClickWritesNothing() {
        OptInRequest request = signUp(ALICE);
        clock.advance(WINDOW.minusNanos(1_000));
        assertThat(reader.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.PENDING_CONFIRMATION);
        clock.advance(Duration.ofNanos(1_000));
        assertThat(reader.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.NO_RECORD);

        Confirmation late = optIn.confirm(request.token(), CLICK);
        assertThat(late.status()).isEqualTo(Confirmation.Status.EXPIRED);
        assertThat(late.event()).isEmpty();
        assertThat(stored(ALICE)).containsExactly(request.grant());
        assertThat(reader.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.NO_RECORD);
        assertThat(reader.verify(ALICE).intact()).isTrue();
    }

    @Test
    void aReplayedTokenFindsTheStoredConfirmationAndWritesNothing() {
        OptInRequest request = signUp(ALICE);
        ConsentEvent first = optIn.confirm(request.token(), CLICK).event().orElseThrow();
        clock.advance(Duration.ofMinutes(1));
        // a second service, as another node of the shop would be: the replay is found in the store, not in a cache
        DoubleOptIn otherNode = new DoubleOptIn(reader, KEYS);
        Confirmation again = otherNode.confirm(request.token(), CLICK);
        assertThat(again.status()).isEqualTo(Confirmation.Status.ALREADY_CONFIRMED);
        assertThat(again.event()).contains(first);
        clock.advance(WINDOW.multipliedBy(2));
        assertThat(optIn.confirm(request.token(), CLICK).status()).isEqualTo(Confirmation.Status.ALREADY_CONFIRMED);
        assertThat(stored(ALICE)).hasSize(2);
    }

    @Test
    void aTokenForAnotherPurposeOrSubjectIsRefusedWithoutAWrite() {
        consents.grant(ALICE, OFFERS, Capture.by(Method.CHECKBOX));
        OptInRequest request = signUp(ALICE);
        // correctly signed, naming the newsletter grant, but for another purpose or subject
        for (List<String> fields : List.of(
                List.of("alice", "offers", "1", request.grant().id().value(), request.expiresAt().toString()),
                List.of("bob", "newsletter", "1", request.grant().id().value(), request.expiresAt().toString()))) {
            String token = EmailToken.issue(KEYS, 'c', fields);
            assertThat(optIn.confirm(token, CLICK).status()).as("%s", fields).isEqualTo(Confirmation.Status.REFUSED);
        }
        // a token's sealed part under another kind's header: the header is authenticated with it
        OptInRequest bob = signUp(BOB);
        String[] b = bob.token().split("\\.");
        assertThat(optIn.confirm("u2." + b[1] + "." + b[2], CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        // half of one token's sealed part spliced with half of another's
        String a2 = request.token().split("\\.")[2];
        String spliced = "c2.k1." + a2.substring(0, 20) + b[2].substring(20);
        assertThat(optIn.confirm(spliced, CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        assertThat(stored(ALICE)).hasSize(2);
        assertThat(stored(BOB)).hasSize(1);
        assertThat(reader.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.PENDING_CONFIRMATION);
        assertThat(reader.check(ALICE, OFFERS).reason()).isEqualTo(Reason.GRANTED);
    }

    @Test
    void aTokenUnderARotatedKeyConfirmsWithinTheGraceAndNotAfter() {
        OptInRequest request = signUp(ALICE);
        Instant rotated = clock.instant();
        EmailKeys next = EmailKeys.of("k2", EmailTestSetup.secret('b'))
                .withRetired("k1", EmailTestSetup.secret('a'), rotated).withGrace(Duration.ofHours(12));
        DoubleOptIn afterRotation = new DoubleOptIn(consents, next);

        clock.advance(Duration.ofHours(12));
        assertThat(afterRotation.confirm(request.token(), CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        assertThat(stored(ALICE)).hasSize(1);
        // a new mail for the same grant carries a token under the new key
        OptInRequest resent = afterRotation.tokenFor(stored(ALICE).get(0));
        assertThat(resent.token()).startsWith("c2.k2.");
        assertThat(resent.expiresAt()).isEqualTo(request.expiresAt());

        clock.set(rotated.plus(Duration.ofHours(11)));
        Confirmation c = afterRotation.confirm(request.token(), CLICK);
        assertThat(c.status()).isEqualTo(Confirmation.Status.CONFIRMED);
        assertThat(afterRotation.confirm(resent.token(), CLICK).status())
                .isEqualTo(Confirmation.Status.ALREADY_CONFIRMED);
        assertThat(stored(ALICE)).containsExactly(request.grant(), c.event().orElseThrow());
        assertThat(reader.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.GRANTED);
    }

    // ------------------------------------------------------------------ one-click unsubscribe

    @Test
    void aValidUnsubscribeIsStoredWithItsMethodAndEvidenceAndAReplayWritesNothing() {
        OptInRequest request = signUp(ALICE);
        optIn.confirm(request.token(), CLICK);
        UnsubscribeOnStore u = unsubscribe(s -> false);
        String token = u.token(ALICE, NEWSLETTER);
        clock.advance(Duration.ofDays(40));

        Unsubscription done = u.handler().handle(token, POST);
        assertThat(done.status()).isEqualTo(Unsubscription.Status.UNSUBSCRIBED);

        List<ConsentEvent> history = stored(ALICE);
        assertThat(history).extracting(ConsentEvent::choice)
                .containsExactly(Choice.GRANTED, Choice.CONFIRMED, Choice.WITHDRAWN);
        ConsentEvent withdrawn = history.get(2);
        assertThat(withdrawn).isEqualTo(done.event().orElseThrow());
        assertThat(withdrawn.method()).isEqualTo(Method.UNSUBSCRIBE_LINK);
        assertThat(withdrawn.purpose()).isEqualTo(NEWSLETTER);
        assertThat(withdrawn.evidence().reference()).contains(EmailToken.hash(token)).doesNotContain(token);
        assertThat(withdrawn.evidence().userAgent()).isEqualTo("GoogleOneClick/1.0");
        assertThat(withdrawn.evidence().ip()).isEqualTo("2001:db8:1::/48");
        assertThat(reader.event(withdrawn.id())).contains(withdrawn);
        assertThat(reader.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.WITHDRAWN);

        UnsubscribeOnStore otherNode = new UnsubscribeOnStore(new OneClickUnsubscribe(reader, KEYS, BASE, s -> false));
        Unsubscription replay = otherNode.handler().handle(token, POST);
        assertThat(replay.status()).isEqualTo(Unsubscription.Status.ALREADY_UNSUBSCRIBED);
        assertThat(u.handler().handle(token, POST).status()).isEqualTo(Unsubscription.Status.ALREADY_UNSUBSCRIBED);
        assertThat(stored(ALICE)).hasSize(3);
        assertThat(reader.verify(ALICE).intact()).isTrue();
    }

    @Test
    void forgedAlteredAndWrongPurposeUnsubscribeTokensAreRefusedWithoutAWrite() {
        consents.grant(ALICE, OFFERS, Capture.by(Method.CHECKBOX));
        UnsubscribeOnStore u = unsubscribe(s -> false);
        String token = u.token(ALICE, OFFERS);
        String forged = new UnsubscribeOnStore(new OneClickUnsubscribe(consents,
                EmailKeys.of("k1", EmailTestSetup.secret('x')), BASE, s -> false)).token(ALICE, OFFERS);
        String[] parts = token.split("\\.");
        String other = u.token(ALICE, NEWSLETTER).split("\\.")[2];
        String swapped = parts[0] + "." + parts[1] + "." + parts[2].substring(0, 16) + other.substring(16);
        String altered = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");
        String confirmKind = EmailToken.issue(KEYS, 'c', List.of("alice", "offers", "1", "x", "2030-01-01T00:00:00Z"));
        for (String bad : List.of(forged, swapped, altered, confirmKind, "", token + ".")) {
            assertThat(u.handler().handle(bad, POST).status()).as(bad).isEqualTo(Unsubscription.Status.REFUSED);
        }
        assertThat(stored(ALICE)).hasSize(1);
        assertThat(reader.check(ALICE, OFFERS).reason()).isEqualTo(Reason.GRANTED);
        assertThat(u.handler().handle(token, POST).status()).isEqualTo(Unsubscription.Status.UNSUBSCRIBED);
        assertThat(stored(ALICE)).extracting(ConsentEvent::purpose).containsExactly(OFFERS, OFFERS);
    }

    @Test
    void anErasedSubjectIsAnsweredAsDoneWithoutRecreatingData() {
        String token = unsubscribe(s -> false).token(BOB, OFFERS);
        RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .policy(EmailTestSetup.policy(1)).store(retentionStore()).clock(clock).build();
        assertThat(retention.wasErased(BOB)).isFalse();
        retention.requestErasure(BOB);
        assertThat(retention.wasErased(BOB)).isTrue();

        Unsubscription u = unsubscribe(retention::wasErased).handler().handle(token, POST);
        assertThat(u.status()).isEqualTo(Unsubscription.Status.SUBJECT_ERASED);
        assertThat(u.done()).isTrue();
        assertThat(stored(BOB)).isEmpty();
        assertThat(reader.check(BOB, OFFERS).reason()).isEqualTo(Reason.NO_RECORD);
    }

    private RetentionStore retentionStore() {
        if (!(store instanceof RetentionStore r)) {
            throw new AssertionError("the store under test must also be a RetentionStore: " + store.getClass());
        }
        return r;
    }
}
