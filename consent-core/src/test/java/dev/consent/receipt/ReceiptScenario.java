package dev.consent.receipt;

import dev.consent.ConsentService;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.Choice;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ReceiptPolicy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A shop's year of choices that touches every kind of event a receipt must tell apart: grants by the subject, a
 * guardian and an agent, under two policy versions; refusals, withdrawals (also of a parent purpose), an objection, a
 * restriction and its end, Global Privacy Control signals applied and overridden, an under-age grant, a visitor linked
 * to a customer, and evidence in several locales (and none). Used by the receipt tests and, with the official Kantara
 * schema, by {@code OfficialKantaraSchemaTest}.
 */
final class ReceiptScenario {
    static final SubjectId ALICE = SubjectId.of("alice");
    static final SubjectId BOB = SubjectId.of("bob \u05e9\u05dc\u05d5\u05dd");
    static final SubjectId CAROL = SubjectId.of("carol");
    static final SubjectId VISITOR = dev.consent.ledger.VisitorId.of("visitor-7f3a").subject();
    static final SubjectId ERIN = SubjectId.of("erin");
    static final List<SubjectId> SUBJECTS = List.of(ALICE, BOB, CAROL, ERIN);

    final MutableClock clock = MutableClock.at("2024-03-04T09:00:00Z");
    final InMemoryStore store = new InMemoryStore();
    final ConsentService consents;
    final ConsentReceipts receipts;
    final ReceiptSigner signer = TestKeys.signer("shop-2024");

    ReceiptScenario(Policy... policies) {
        ConsentService.Builder b = ConsentService.builder().store(store).clock(clock);
        for (Policy p : policies) {
            b.policy(p);
        }
        consents = b.build();
        receipts = ConsentReceipts.builder().consents(consents).store(store).signer(signer).build();
    }

    /** The two policy versions with the full controller. */
    static ReceiptScenario twoVersions() {
        return new ReceiptScenario(ReceiptPolicy.v1(), ReceiptPolicy.v2()).play();
    }

    /** One version with the controller that states only what receipts require. */
    static ReceiptScenario minimalController() {
        return new ReceiptScenario(ReceiptPolicy.minimal()).play();
    }

    private static Capture by(Method method, String notice, String locale) {
        Evidence.Builder e = Evidence.builder();
        if (notice != null) {
            e.notice(notice, "Notice text of " + notice);
        }
        if (locale != null) {
            e.locale(locale);
        }
        return Capture.by(method).withEvidence(e.userAgent("Browser/1").ip("203.0.113.9").build());
    }

    ReceiptScenario play() {
        // March 2024, under version 1
        consents.grant(ALICE, ReceiptPolicy.NEWSLETTER, by(Method.CHECKBOX, "signup-v3", "de-DE"));
        consents.grant(ALICE, ReceiptPolicy.ADS, by(Method.COOKIE_BANNER, "banner-v2", "de-AT"));
        consents.grant(ALICE, ReceiptPolicy.SMS, by(Method.ACCOUNT_SETTINGS, "settings-v1", "de"));
        consents.grant(ALICE, ReceiptPolicy.ALLERGIES, by(Method.WEB_FORM, "allergy-form", "fr-CH"));
        consents.grant(BOB, ReceiptPolicy.NEWSLETTER, by(Method.CHECKBOX, "signup-v3", "he-IL"));
        consents.deny(BOB, ReceiptPolicy.ADS, by(Method.COOKIE_BANNER, "banner-v2", "he-IL"));
        consents.object(BOB, ReceiptPolicy.ANALYTICS, by(Method.WEB_FORM, null, "he-IL"));
        consents.grant(CAROL, ReceiptPolicy.ADS, by(Method.COOKIE_BANNER, "banner-v2", "zh-Hans-CN"));
        consents.applyGpc(CAROL, GpcSignal.received()); // overridden: Carol's explicit grant stands
        consents.applyGpc(VISITOR, GpcSignal.received()); // applied: no explicit choice yet
        consents.grant(VISITOR, ReceiptPolicy.NEWSLETTER, by(Method.CHECKBOX, "signup-v3", null));
        consents.link(dev.consent.ledger.VisitorId.from(VISITOR).orElseThrow(), ERIN);
        // the loyalty club is for 16 and over: Erin's own grant at 15 does not count, her guardian's does
        consents.record(List.of(new ChoiceRecord(ERIN, ReceiptPolicy.LOYALTY, Choice.GRANTED,
                by(Method.WEB_FORM, "loyalty-v1", "en-GB").withDeclaredAge(15))));
        clock.advance(Duration.ofMinutes(5));
        consents.record(List.of(new ChoiceRecord(ERIN, ReceiptPolicy.LOYALTY, Choice.GRANTED,
                by(Method.PAPER, "loyalty-v1", "en").withActor(Actor.GUARDIAN).withDeclaredAge(15))));
        consents.grant(CAROL, ReceiptPolicy.LOYALTY, by(Method.PHONE, null, "it-IT").withActor(Actor.AGENT)
                .withDeclaredAge(40));

        // summer: withdrawals, a restriction
        clock.advance(Duration.ofDays(120));
        consents.withdraw(ALICE, ReceiptPolicy.MARKETING, by(Method.UNSUBSCRIBE_LINK, null, null));
        consents.restrict(BOB, Capture.by(Method.RIGHTS_REQUEST));
        clock.advance(Duration.ofDays(10));
        consents.liftRestriction(BOB, Capture.by(Method.RIGHTS_REQUEST));

        // 2025, under version 2: the newsletter changed materially; Alice consents again
        clock.set(java.time.Instant.parse("2025-02-03T10:00:00Z"));
        consents.grant(ALICE, ReceiptPolicy.NEWSLETTER, by(Method.CHECKBOX, "signup-v4", "de-DE"));
        consents.grant(ALICE, ReceiptPolicy.NEWSLETTER, by(Method.ACCOUNT_SETTINGS, "settings-v2", "de-DE"));
        consents.withdraw(CAROL, ReceiptPolicy.ADS, by(Method.ACCOUNT_SETTINGS, "settings-v2", "zh-Hans-CN"));
        consents.grant(BOB, ReceiptPolicy.SMS, by(Method.API, null, "pt-BR"));
        clock.advance(Duration.ofDays(400)); // Bob's SMS consent (one year) has run out by now
        return this;
    }

    /** Every receipt of every subject, issuing them. */
    List<ConsentReceipt> allReceipts() {
        List<ConsentReceipt> out = new ArrayList<>();
        for (SubjectId s : SUBJECTS) {
            out.addAll(receipts.issueAll(s));
        }
        return out;
    }
}
