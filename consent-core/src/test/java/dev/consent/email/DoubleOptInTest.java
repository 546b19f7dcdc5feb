package dev.consent.email;

import dev.consent.Decision;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.UnknownPurposeException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import org.junit.jupiter.api.Test;

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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DoubleOptInTest {
    private static final Evidence CLICK = Evidence.builder().userAgent("Mozilla/5.0").ip("203.0.113.77").build();

    private final EmailTestSetup shop = new EmailTestSetup();
    private final DoubleOptIn optIn = new DoubleOptIn(shop.consents, KEYS);

    private OptInRequest signUp(SubjectId subject) {
        return optIn.request(subject, NEWSLETTER, Capture.by(Method.WEB_FORM)
                .withEvidence(Evidence.builder().notice("signup-v1", "Send me the newsletter").ip("198.51.100.9").build()));
    }

    private int events(SubjectId subject) {
        return shop.consents.history(subject).size();
    }

    @Test
    void aGrantIsPendingUntilConfirmedAndBothStepsAreOnRecord() {
        OptInRequest request = signUp(ALICE);
        Decision pending = shop.consents.check(ALICE, NEWSLETTER);
        assertThat(pending.reason()).isEqualTo(Reason.PENDING_CONFIRMATION);
        assertThat(pending.allowed()).isFalse();
        assertThat(request.expiresAt()).isEqualTo(request.grant().occurredAt().plus(WINDOW));

        shop.clock.advance(Duration.ofHours(2));
        Confirmation c = optIn.confirm(request.token(), CLICK);

        assertThat(c.status()).isEqualTo(Confirmation.Status.CONFIRMED);
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.GRANTED);
        ConsentEvent confirmed = c.event().orElseThrow();
        assertThat(confirmed.choice()).isEqualTo(Choice.CONFIRMED);
        assertThat(confirmed.method()).isEqualTo(Method.CONFIRMATION_LINK);
        assertThat(confirmed.occurredAt()).isEqualTo(shop.clock.instant());
        assertThat(confirmed.evidence().userAgent()).isEqualTo("Mozilla/5.0");
        assertThat(confirmed.evidence().ip()).isEqualTo("203.0.113.0/24"); // minimised
        assertThat(confirmed.evidence().reference()).contains(request.grant().id().value())
                .contains(EmailToken.hash(request.token())).doesNotContain(request.token());
        assertThat(shop.consents.history(ALICE)).extracting(ConsentEvent::choice)
                .containsExactly(Choice.GRANTED, Choice.CONFIRMED);
        assertThat(shop.consents.verify(ALICE).intact()).isTrue();
        assertThat(shop.consents.verify(ALICE).eventsChecked()).isEqualTo(2);
    }

    @Test
    void aReplayedTokenAnswersAlreadyConfirmedAndWritesNothing() {
        OptInRequest request = signUp(ALICE);
        ConsentEvent first = optIn.confirm(request.token(), CLICK).event().orElseThrow();
        shop.clock.advance(WINDOW.multipliedBy(2)); // even after the window
        Confirmation again = optIn.confirm(request.token(), CLICK);
        assertThat(again.status()).isEqualTo(Confirmation.Status.ALREADY_CONFIRMED);
        assertThat(again.event()).contains(first);
        assertThat(events(ALICE)).isEqualTo(2);
    }

    @Test
    void anUnconfirmedGrantExpiresIntoNoRecordWithoutAWrite() {
        OptInRequest request = signUp(ALICE);
        shop.clock.advance(WINDOW.minusSeconds(1));
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.PENDING_CONFIRMATION);
        shop.clock.advance(Duration.ofSeconds(1));
        Decision lapsed = shop.consents.check(ALICE, NEWSLETTER);
        assertThat(lapsed.reason()).isEqualTo(Reason.NO_RECORD);
        assertThat(lapsed.decidingEvent()).contains(request.grant().ref());

        Confirmation late = optIn.confirm(request.token(), CLICK);
        assertThat(late.status()).isEqualTo(Confirmation.Status.EXPIRED);
        assertThat(events(ALICE)).isEqualTo(1);
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.NO_RECORD);
    }

    @Test
    void aConfirmationRecordedOutsideTheWindowDoesNotCount() {
        // an import or a hand-written event cannot revive a lapsed request: the fold checks the window itself
        OptInRequest request = signUp(ALICE);
        shop.clock.advance(WINDOW.plusHours(1));
        shop.consents.record(List.of(new dev.consent.ledger.ChoiceRecord(ALICE, NEWSLETTER, Choice.CONFIRMED,
                Capture.by(Method.IMPORT))));
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.NO_RECORD);
        assertThat(request.grant().choice()).isEqualTo(Choice.GRANTED);
    }

    @Test
    void aWithdrawalBeforeTheClickSupersedesTheRequest() {
        OptInRequest request = signUp(ALICE);
        shop.clock.advance(Duration.ofMinutes(1));
        shop.consents.withdraw(ALICE, NEWSLETTER, Capture.by(Method.ACCOUNT_SETTINGS));
        shop.clock.advance(Duration.ofMinutes(1));
        assertThat(optIn.confirm(request.token(), CLICK).status()).isEqualTo(Confirmation.Status.SUPERSEDED);
        assertThat(events(ALICE)).isEqualTo(2);
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.WITHDRAWN);
    }

    @Test
    void aLaterGrantNeedsItsOwnConfirmation() {
        OptInRequest first = signUp(ALICE);
        optIn.confirm(first.token(), CLICK);
        shop.clock.advance(Duration.ofDays(1));
        OptInRequest second = signUp(ALICE);
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.PENDING_CONFIRMATION);
        assertThat(optIn.confirm(first.token(), CLICK).status()).isEqualTo(Confirmation.Status.ALREADY_CONFIRMED);
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.PENDING_CONFIRMATION);
        assertThat(optIn.confirm(second.token(), CLICK).status()).isEqualTo(Confirmation.Status.CONFIRMED);
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.GRANTED);
    }

    @Test
    void anOlderTokenAfterANewerGrantIsSupersededAndLeavesTheNewerGrantPending() {
        // the token names its grant's event id: it confirms that grant or nothing, never a later one
        OptInRequest first = signUp(ALICE);
        shop.clock.advance(Duration.ofHours(1));
        OptInRequest second = signUp(ALICE);
        shop.clock.advance(Duration.ofMinutes(5));
        Confirmation old = optIn.confirm(first.token(), CLICK);
        assertThat(old.status()).isEqualTo(Confirmation.Status.SUPERSEDED);
        assertThat(events(ALICE)).isEqualTo(2);
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.PENDING_CONFIRMATION);
        Confirmation c = optIn.confirm(second.token(), CLICK);
        assertThat(c.status()).isEqualTo(Confirmation.Status.CONFIRMED);
        assertThat(c.event().orElseThrow().id()).isEqualTo(second.grant().id().derive("confirmed"));
        assertThat(c.event().orElseThrow().evidence().reference()).contains(second.grant().id().value())
                .doesNotContain(first.grant().id().value());
        // the older token stays superseded once the newer grant is confirmed
        assertThat(optIn.confirm(first.token(), CLICK).status()).isEqualTo(Confirmation.Status.SUPERSEDED);
        assertThat(events(ALICE)).isEqualTo(3);
    }

    @Test
    void anOlderTokenAfterAWithdrawalAndANewGrantIsSupersededAndATokenNamingAnotherGrantIsRefused() {
        OptInRequest first = signUp(ALICE);
        shop.clock.advance(Duration.ofMinutes(1));
        shop.consents.withdraw(ALICE, NEWSLETTER, Capture.by(Method.ACCOUNT_SETTINGS));
        shop.clock.advance(Duration.ofMinutes(1));
        OptInRequest again = signUp(ALICE);
        assertThat(optIn.confirm(first.token(), CLICK).status()).isEqualTo(Confirmation.Status.SUPERSEDED);
        // sealed by the right key but naming an event that is not a grant (the withdrawal): refused
        ConsentEvent withdrawal = shop.consents.history(ALICE).get(1);
        String namesWithdrawal = EmailToken.issue(KEYS, 'c', List.of("alice", "newsletter", "1",
                withdrawal.id().value(), again.expiresAt().toString()));
        assertThat(optIn.confirm(namesWithdrawal, CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        // naming an event id that is not on record: refused
        String namesNothing = EmailToken.issue(KEYS, 'c', List.of("alice", "newsletter", "1", "no-such-grant",
                again.expiresAt().toString()));
        assertThat(optIn.confirm(namesNothing, CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        assertThat(events(ALICE)).isEqualTo(3);
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.PENDING_CONFIRMATION);
        assertThat(optIn.confirm(again.token(), CLICK).status()).isEqualTo(Confirmation.Status.CONFIRMED);
    }

    /** A correctly signed token whose fields differ from the grant's: what a leaked key or a bug would produce. */
    private String signed(OptInRequest r, String subject, String purpose, String version) {
        return EmailToken.issue(KEYS, 'c', List.of(subject, purpose, version, r.grant().id().value(),
                r.expiresAt().toString()));
    }

    @Test
    void aTokenIsBoundToSubjectPurposeVersionAndGrant() {
        OptInRequest alice = signUp(ALICE);
        OptInRequest bob = signUp(BOB);
        assertThat(optIn.confirm(signed(alice, "bob", "newsletter", "1"), CLICK).status())
                .isEqualTo(Confirmation.Status.REFUSED);
        assertThat(optIn.confirm(signed(alice, "alice", "offers", "1"), CLICK).status())
                .isEqualTo(Confirmation.Status.REFUSED);
        assertThat(optIn.confirm(signed(alice, "alice", "newsletter", "2"), CLICK).status())
                .isEqualTo(Confirmation.Status.REFUSED);
        assertThat(events(ALICE)).isEqualTo(1);
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.PENDING_CONFIRMATION);
        // bob's own token confirms bob only
        assertThat(optIn.confirm(bob.token(), CLICK).status()).isEqualTo(Confirmation.Status.CONFIRMED);
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.PENDING_CONFIRMATION);
        assertThat(shop.consents.check(BOB, NEWSLETTER).reason()).isEqualTo(Reason.GRANTED);
    }

    @Test
    void aGrantUnderAnOlderConsentVersionIsNotConfirmedIntoTheNewOne() {
        OptInRequest v1 = signUp(ALICE);
        EmailTestSetup v2shop = new EmailTestSetup(EmailTestSetup.policy(2));
        // the same stored events read under a policy where the newsletter is at version 2
        v2shop.store.append(shop.consents.history(ALICE));
        DoubleOptIn v2 = new DoubleOptIn(v2shop.consents, KEYS);
        v2shop.clock.set(shop.clock.instant());
        Confirmation c = v2.confirm(v1.token(), CLICK);
        assertThat(c.status()).isEqualTo(Confirmation.Status.SUPERSEDED);
        assertThat(v2shop.consents.history(ALICE)).hasSize(1);
        assertThat(v2shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.RECONSENT_REQUIRED);
    }

    @Test
    void alteredForgedAndOtherKindTokensAreRefusedWithoutAWrite() {
        OptInRequest request = signUp(ALICE);
        String t = request.token();
        char[] chars = t.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            char[] altered = chars.clone();
            altered[i] = altered[i] == 'A' ? 'B' : 'A';
            assertThat(optIn.confirm(new String(altered), CLICK).status()).as("altered at %d", i)
                    .isEqualTo(Confirmation.Status.REFUSED);
        }
        DoubleOptIn forger = new DoubleOptIn(shop.consents, EmailKeys.of("k1", EmailTestSetup.secret('z')));
        String forged = forger.tokenFor(request.grant()).token();
        assertThat(optIn.confirm(forged, CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        String unsubscribe = EmailToken.issue(KEYS, 'u', List.of("alice", "newsletter"));
        assertThat(optIn.confirm(unsubscribe, CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        assertThat(optIn.confirm("", CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        assertThat(optIn.confirm(null, CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        assertThat(optIn.confirm(t + "A", CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        assertThat(events(ALICE)).isEqualTo(1);
        assertThat(optIn.confirm(t, CLICK).status()).isEqualTo(Confirmation.Status.CONFIRMED);
    }

    @Test
    void aRotatedKeyVerifiesWithinItsGraceAndNotAfter() {
        OptInRequest request = signUp(ALICE);
        Instant rotated = shop.clock.instant();
        EmailKeys next = EmailKeys.of("k2", EmailTestSetup.secret('b'))
                .withRetired("k1", EmailTestSetup.secret('a'), rotated).withGrace(Duration.ofDays(1));
        DoubleOptIn afterRotation = new DoubleOptIn(shop.consents, next);
        assertThat(afterRotation.tokenFor(request.grant()).token()).startsWith("c2.k2.");

        shop.clock.advance(Duration.ofDays(1));
        assertThat(afterRotation.confirm(request.token(), CLICK).status()).as("at the end of the grace")
                .isEqualTo(Confirmation.Status.REFUSED);
        shop.clock.set(rotated.plus(Duration.ofHours(23)));
        assertThat(afterRotation.confirm(request.token(), CLICK).status()).as("within the grace")
                .isEqualTo(Confirmation.Status.CONFIRMED);
    }

    @Test
    void aKeyTheRingDoesNotHoldNeverVerifies() {
        OptInRequest request = signUp(ALICE);
        DoubleOptIn other = new DoubleOptIn(shop.consents, EmailKeys.of("k9", EmailTestSetup.secret('a')));
        assertThat(other.confirm(request.token(), CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        assertThat(other.confirm(request.token(), CLICK).detail()).contains("unknown");
    }

    @Test
    void failsClosedForUnknownPurposesPurposesWithoutConfirmationAndAClockFarAhead() {
        assertThatThrownBy(() -> optIn.request(ALICE, PurposeId.of("nope"), Capture.by(Method.WEB_FORM)))
                .isInstanceOf(UnknownPurposeException.class);
        assertThatThrownBy(() -> optIn.request(ALICE, OFFERS, Capture.by(Method.WEB_FORM)))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("offers")
                .hasMessageContaining("confirmation");
        assertThat(events(ALICE)).isZero();

        OptInRequest request = signUp(ALICE);
        shop.clock.set(Instant.parse("9999-12-31T23:59:59Z").plus(Duration.ofDays(400)));
        assertThat(optIn.confirm(request.token(), CLICK).status()).isEqualTo(Confirmation.Status.EXPIRED);
        assertThat(events(ALICE)).isEqualTo(1);
    }

    @Test
    void keysRefuseShortSecretsMalformedIdsAndDuplicates() {
        assertThatThrownBy(() -> EmailKeys.of("k1", new byte[31])).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("secret");
        assertThatThrownBy(() -> EmailKeys.of("K 1", EmailTestSetup.secret('a')))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("keyId");
        assertThatThrownBy(() -> KEYS.withRetired("k1", EmailTestSetup.secret('b'), Instant.EPOCH))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("unique");
        assertThatThrownBy(() -> KEYS.withGrace(Duration.ofDays(-1))).isInstanceOf(InvalidValueException.class);
        assertThat(KEYS.toString()).doesNotContain("aaaa");
    }
}
