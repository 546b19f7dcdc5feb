package dev.consent.email;

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

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.consent.email.EmailTestSetup.ALICE;
import static dev.consent.email.EmailTestSetup.BOB;
import static dev.consent.email.EmailTestSetup.KEYS;
import static dev.consent.email.EmailTestSetup.NEWSLETTER;
import static dev.consent.email.EmailTestSetup.OFFERS;
import static dev.consent.email.EmailTestSetup.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OneClickUnsubscribeTest {
    private static final URI BASE = URI.create("https://shop.example/email/unsubscribe");
    private static final Evidence POST = Evidence.builder().userAgent("GoogleOneClick").ip("2001:db8:1:2:3::4").build();

    private final EmailTestSetup shop = new EmailTestSetup();
    private final Set<SubjectId> erased = new HashSet<>();
    private final OneClickUnsubscribe unsubscribe = new OneClickUnsubscribe(shop.consents, KEYS, BASE, erased::contains);

    private static String tokenOf(UnsubscribeLink link) {
        String q = link.url().getRawQuery();
        return q.substring(q.indexOf("token=") + "token=".length());
    }

    @Test
    void theLinkCarriesTheSignedUrlAndBothHeaders() {
        UnsubscribeLink link = unsubscribe.link(ALICE, OFFERS);
        assertThat(link.url().toString()).startsWith("https://shop.example/email/unsubscribe?token=u2.k1.");
        assertThat(link.listUnsubscribe()).isEqualTo("<" + link.url() + ">");
        assertThat(link.listUnsubscribePost()).isEqualTo("List-Unsubscribe=One-Click");
        OneClickUnsubscribe withQuery = new OneClickUnsubscribe(shop.consents, KEYS,
                URI.create("https://shop.example/u?list=weekly"), erased::contains);
        assertThat(withQuery.link(ALICE, OFFERS).url().toString()).startsWith("https://shop.example/u?list=weekly&token=");
        assertThat(unsubscribe.link(ALICE, OFFERS)).isEqualTo(link); // stateless: the same link every time
    }

    @Test
    void aValidPostWithdrawsWithTheTokensHashAsEvidenceOnce() {
        shop.consents.grant(ALICE, OFFERS, Capture.by(Method.CHECKBOX));
        UnsubscribeLink link = unsubscribe.link(ALICE, OFFERS);
        shop.clock.advance(Duration.ofDays(10));

        Unsubscription u = unsubscribe.handle(tokenOf(link), POST);

        assertThat(u.status()).isEqualTo(Unsubscription.Status.UNSUBSCRIBED);
        ConsentEvent e = u.event().orElseThrow();
        assertThat(e.choice()).isEqualTo(Choice.WITHDRAWN);
        assertThat(e.method()).isEqualTo(Method.UNSUBSCRIBE_LINK);
        assertThat(e.evidence().reference()).contains(EmailToken.hash(tokenOf(link)));
        assertThat(e.evidence().userAgent()).isEqualTo("GoogleOneClick");
        assertThat(e.evidence().ip()).isEqualTo("2001:db8:1::/48"); // minimised
        assertThat(shop.consents.check(ALICE, OFFERS).reason()).isEqualTo(Reason.WITHDRAWN);

        Unsubscription replay = unsubscribe.handle(tokenOf(link), POST);
        assertThat(replay.status()).isEqualTo(Unsubscription.Status.ALREADY_UNSUBSCRIBED);
        assertThat(replay.done()).isTrue();
        assertThat(shop.consents.history(ALICE)).hasSize(2);
        assertThat(shop.consents.verify(ALICE).intact()).isTrue();
    }

    @Test
    void aConfirmedDoubleOptInIsWithdrawnByTheLink() {
        DoubleOptIn optIn = new DoubleOptIn(shop.consents, KEYS);
        OptInRequest r = optIn.request(BOB, NEWSLETTER, Capture.by(Method.WEB_FORM));
        optIn.confirm(r.token(), Evidence.NONE);
        assertThat(shop.consents.check(BOB, NEWSLETTER).allowed()).isTrue();
        assertThat(unsubscribe.handle(tokenOf(unsubscribe.link(BOB, NEWSLETTER)), POST).status())
                .isEqualTo(Unsubscription.Status.UNSUBSCRIBED);
        assertThat(shop.consents.check(BOB, NEWSLETTER).reason()).isEqualTo(Reason.WITHDRAWN);
        assertThat(shop.consents.history(BOB)).extracting(ConsentEvent::choice)
                .containsExactly(Choice.GRANTED, Choice.CONFIRMED, Choice.WITHDRAWN);
    }

    @Test
    void forgedAlteredWrongPurposeAndDroppedKeyTokensAreRefusedWithoutAWriteAndARetiredKeyStillUnsubscribes() {
        shop.consents.grant(ALICE, OFFERS, Capture.by(Method.CHECKBOX));
        shop.consents.grant(ALICE, NEWSLETTER, Capture.by(Method.CHECKBOX));
        String token = tokenOf(unsubscribe.link(ALICE, OFFERS));

        String forged = tokenOf(new OneClickUnsubscribe(shop.consents, EmailKeys.of("k1", EmailTestSetup.secret('x')),
                BASE, erased::contains).link(ALICE, OFFERS));
        assertThat(unsubscribe.handle(forged, POST).status()).isEqualTo(Unsubscription.Status.REFUSED);
        // the sealed part of the token under another key id or kind: the header is authenticated with it
        String[] parts = token.split("\\.");
        EmailKeys twoKeys = KEYS.withRetired("k0", EmailTestSetup.secret('a'), shop.clock.instant());
        OneClickUnsubscribe bothKeys = new OneClickUnsubscribe(shop.consents, twoKeys, BASE, erased::contains);
        assertThat(bothKeys.handle("u2.k0." + parts[2], POST).status()).as("same secret, other key id")
                .isEqualTo(Unsubscription.Status.REFUSED);
        assertThat(unsubscribe.handle("c2.k1." + parts[2], POST).status()).isEqualTo(Unsubscription.Status.REFUSED);
        // half of the offers token spliced with half of the newsletter token
        String otherPurpose = tokenOf(unsubscribe.link(ALICE, NEWSLETTER)).split("\\.")[2];
        String spliced = "u2.k1." + parts[2].substring(0, 16) + otherPurpose.substring(16);
        assertThat(unsubscribe.handle(spliced, POST).status()).isEqualTo(Unsubscription.Status.REFUSED);
        for (int i = 0; i < token.length(); i++) {
            char[] c = token.toCharArray();
            c[i] = c[i] == 'Q' ? 'R' : 'Q';
            assertThat(unsubscribe.handle(new String(c), POST).status()).as("altered at %d", i)
                    .isEqualTo(Unsubscription.Status.REFUSED);
        }
        String confirmKind = EmailToken.issue(KEYS, 'c', List.of("alice", "offers", "1", "x", "2030-01-01T00:00:00Z"));
        assertThat(unsubscribe.handle(confirmKind, POST).status()).isEqualTo(Unsubscription.Status.REFUSED);
        String unknownPurpose = EmailToken.issue(KEYS, 'u', List.of("alice", "gone.purpose"));
        assertThat(unsubscribe.handle(unknownPurpose, POST).status()).isEqualTo(Unsubscription.Status.REFUSED);

        EmailKeys dropped = EmailKeys.of("k2", EmailTestSetup.secret('b'));
        OneClickUnsubscribe withoutOldKey = new OneClickUnsubscribe(shop.consents, dropped, BASE, erased::contains);
        assertThat(withoutOldKey.handle(token, POST).status()).as("a key dropped from the ring")
                .isEqualTo(Unsubscription.Status.REFUSED);
        assertThat(shop.consents.history(ALICE)).hasSize(2);
        assertThat(shop.consents.check(ALICE, OFFERS).allowed()).isTrue();

        // an unsubscribe link verifies under a retired key long after the grace: an old mail's link keeps working
        EmailKeys rotated = EmailKeys.of("k2", EmailTestSetup.secret('b'))
                .withRetired("k1", EmailTestSetup.secret('a'), shop.clock.instant()).withGrace(Duration.ofDays(7));
        OneClickUnsubscribe after = new OneClickUnsubscribe(shop.consents, rotated, BASE, erased::contains);
        shop.clock.advance(Duration.ofDays(400));
        assertThat(after.handle(token, POST).status()).isEqualTo(Unsubscription.Status.UNSUBSCRIBED);
        // only the token's purpose is withdrawn (the unconfirmed newsletter grant has lapsed on its own)
        assertThat(shop.consents.history(ALICE)).extracting(ConsentEvent::purpose)
                .containsExactly(OFFERS, NEWSLETTER, OFFERS);
        assertThat(shop.consents.check(ALICE, NEWSLETTER).reason()).isEqualTo(Reason.NO_RECORD);
    }

    @Test
    void anErasedSubjectIsAnsweredAsDoneWithoutRecreatingData() {
        String token = tokenOf(unsubscribe.link(ALICE, OFFERS));
        erased.add(ALICE);
        Unsubscription u = unsubscribe.handle(token, POST);
        assertThat(u.status()).isEqualTo(Unsubscription.Status.SUBJECT_ERASED);
        assertThat(u.done()).isTrue();
        assertThat(shop.consents.history(ALICE)).isEmpty();
    }

    @Test
    void failsClosedOnBadSetupAndPurposesWithoutConsent() {
        assertThatThrownBy(() -> new OneClickUnsubscribe(shop.consents, KEYS, URI.create("http://shop.example/u"),
                erased::contains)).isInstanceOf(InvalidValueException.class).hasMessageContaining("https");
        assertThatThrownBy(() -> new OneClickUnsubscribe(shop.consents, KEYS, URI.create("/u"), erased::contains))
                .isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> unsubscribe.link(ALICE, PurposeId.of("nope")))
                .isInstanceOf(UnknownPurposeException.class);
        assertThatThrownBy(() -> unsubscribe.link(ALICE, ORDERS)).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("CONTRACT");
    }

    @Test
    void aClockFarAheadRefusesToWriteRatherThanRecordingNonsense() {
        shop.consents.grant(ALICE, OFFERS, Capture.by(Method.CHECKBOX));
        String token = tokenOf(unsubscribe.link(ALICE, OFFERS));
        shop.clock.set(Instant.parse("9999-12-31T23:59:59Z").plus(Duration.ofDays(400)));
        assertThatThrownBy(() -> unsubscribe.handle(token, POST)).isInstanceOf(InvalidValueException.class);
        assertThat(shop.consents.history(ALICE)).hasSize(1);
    }
}
