package dev.consent;

import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.GpcOutcome;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.PurposeId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.ForwardingStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.consent.testing.ShopPolicy.ADS;
import static dev.consent.testing.ShopPolicy.ANALYTICS;
import static dev.consent.testing.ShopPolicy.CAMERA;
import static dev.consent.testing.ShopPolicy.FRAUD;
import static dev.consent.testing.ShopPolicy.LOYALTY;
import static dev.consent.testing.ShopPolicy.MARKETING;
import static dev.consent.testing.ShopPolicy.MARKETING_EMAIL;
import static dev.consent.testing.ShopPolicy.MARKETING_SMS;
import static dev.consent.testing.ShopPolicy.ORDERS;
import static dev.consent.testing.ShopPolicy.RESEARCH;
import static dev.consent.testing.ShopPolicy.SAFETY;
import static dev.consent.testing.ShopPolicy.TAX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsentServiceTest {
    private static final Instant START = Instant.parse("2025-06-02T08:00:00Z");
    private final MutableClock clock = new MutableClock(START);
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store)
            .clock(clock).build();
    private final SubjectId alice = SubjectId.of("alice");

    @AfterEach
    void close() {
        consents.close();
    }

    private Reason reason(PurposeId purpose) {
        return consents.check(alice, purpose).reason();
    }

    private void later() {
        clock.advance(Duration.ofMinutes(1));
    }

    @Nested
    class ReasonCodes {
        @Test
        void noRecord() {
            Decision d = consents.check(alice, MARKETING_EMAIL);
            assertThat(d.allowed()).isFalse();
            assertThat(d.reason()).isEqualTo(Reason.NO_RECORD);
            assertThat(d.decidingEvent()).isEmpty();
            assertThat(d.basis()).isEqualTo(LegalBasis.CONSENT);
            assertThat(d.policyVersion()).isEqualTo("1");
        }

        @Test
        void grantedRestsOnTheGrant() {
            ConsentEvent grant = consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            Decision d = consents.check(alice, MARKETING_EMAIL);
            assertThat(d.allowed()).isTrue();
            assertThat(d.reason()).isEqualTo(Reason.GRANTED);
            assertThat(d.decidingEvent()).contains(grant.ref());
            assertThat(d.explain()).contains("marketing.email", "allowed", "GRANTED", "#1");
        }

        @Test
        void denied() {
            consents.deny(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.DENIED);
        }

        @Test
        void withdrawnAndRegrantedLatestWins() {
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            later();
            consents.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.UNSUBSCRIBE_LINK));
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.WITHDRAWN);
            later();
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.ACCOUNT_SETTINGS));
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.GRANTED);
        }

        @Test
        void expiredAfterTheConsentLifetime() {
            ConsentEvent grant = consents.grant(alice, MARKETING_SMS, Capture.by(Method.CHECKBOX));
            // P1Y in Europe/Berlin from 2025-06-02T10:00+02:00
            assertThat(grant.expiresAt()).contains(Instant.parse("2026-06-02T08:00:00Z"));
            clock.set(Instant.parse("2026-06-02T07:59:59Z"));
            assertThat(reason(MARKETING_SMS)).isEqualTo(Reason.GRANTED);
            clock.set(Instant.parse("2026-06-02T08:00:00Z"));
            assertThat(reason(MARKETING_SMS)).isEqualTo(Reason.EXPIRED);
        }

        @Test
        void explicitExpiryWins() {
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).expiringAt(START.plusSeconds(60)));
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.GRANTED);
            clock.advance(Duration.ofSeconds(60));
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.EXPIRED);
        }

        @Test
        void reconsentRequiredAfterAMaterialChange() {
            try (ConsentService versioned = ConsentService.builder().policy(ShopPolicy.v1()).policy(ShopPolicy.v2())
                    .store(store).clock(clock).build()) {
                clock.set(Instant.parse("2024-06-01T00:00:00Z"));
                versioned.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
                assertThat(versioned.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.GRANTED);

                clock.set(Instant.parse("2025-02-01T00:00:00Z")); // v2 raised the consent version to 2
                Decision now = versioned.check(alice, MARKETING_EMAIL);
                assertThat(now.reason()).isEqualTo(Reason.RECONSENT_REQUIRED);
                assertThat(now.policyVersion()).isEqualTo("2");
                // but at the time the grant was given it was valid, under version 1
                Decision then = versioned.check(alice, MARKETING_EMAIL, Instant.parse("2024-12-31T12:00:00Z"));
                assertThat(then.reason()).isEqualTo(Reason.GRANTED);
                assertThat(then.policyVersion()).isEqualTo("1");

                versioned.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
                assertThat(versioned.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.GRANTED);
                assertThat(versioned.history(alice).get(1).consentVersion()).isEqualTo(2);
            }
        }

        @Test
        void objectedToLegitimateInterests() {
            assertThat(consents.check(alice, FRAUD).reason()).isEqualTo(Reason.BASIS_LEGITIMATE_INTERESTS);
            ConsentEvent objection = consents.object(alice, FRAUD, Capture.by(Method.WEB_FORM));
            Decision d = consents.check(alice, FRAUD);
            assertThat(d.reason()).isEqualTo(Reason.OBJECTED);
            assertThat(d.decidingEvent()).contains(objection.ref());
            later();
            consents.grant(alice, FRAUD, Capture.by(Method.WEB_FORM)); // objection taken back
            assertThat(reason(FRAUD)).isEqualTo(Reason.BASIS_LEGITIMATE_INTERESTS);
        }

        @Test
        void objectedToPublicTask() {
            assertThat(reason(RESEARCH)).isEqualTo(Reason.BASIS_PUBLIC_TASK);
            consents.object(alice, RESEARCH, Capture.by(Method.PAPER));
            assertThat(reason(RESEARCH)).isEqualTo(Reason.OBJECTED);
        }

        @Test
        void restrictedStopsAllButLegalObligationAndVitalInterests() {
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            later();
            List<ConsentEvent> events = consents.restrict(alice, Capture.by(Method.RIGHTS_REQUEST).withActor(Actor.SYSTEM));
            assertThat(events).extracting(ConsentEvent::purpose).doesNotContain(MARKETING_EMAIL, MARKETING_SMS)
                    .contains(MARKETING, ORDERS, TAX);

            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.RESTRICTED);
            assertThat(reason(ORDERS)).isEqualTo(Reason.RESTRICTED);
            assertThat(reason(FRAUD)).isEqualTo(Reason.RESTRICTED);
            assertThat(reason(RESEARCH)).isEqualTo(Reason.RESTRICTED);
            assertThat(reason(TAX)).isEqualTo(Reason.BASIS_LEGAL_OBLIGATION);
            assertThat(reason(SAFETY)).isEqualTo(Reason.BASIS_VITAL_INTERESTS);

            later();
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX)); // GDPR Art. 18(2): with consent
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.GRANTED);
            assertThat(reason(ORDERS)).isEqualTo(Reason.RESTRICTED);

            later();
            consents.liftRestriction(alice, Capture.by(Method.RIGHTS_REQUEST));
            assertThat(reason(ORDERS)).isEqualTo(Reason.BASIS_CONTRACT);
            assertThat(reason(FRAUD)).isEqualTo(Reason.BASIS_LEGITIMATE_INTERESTS);
        }

        @Test
        void underAgeUnlessAGuardianConsents() {
            consents.grant(alice, LOYALTY, Capture.by(Method.CHECKBOX).withDeclaredAge(15));
            assertThat(reason(LOYALTY)).isEqualTo(Reason.UNDER_AGE);
            later();
            consents.grant(alice, LOYALTY, Capture.by(Method.CHECKBOX)); // age unknown: fails closed
            assertThat(reason(LOYALTY)).isEqualTo(Reason.UNDER_AGE);
            later();
            consents.grant(alice, LOYALTY, Capture.by(Method.PAPER).withActor(Actor.GUARDIAN).withDeclaredAge(15));
            assertThat(reason(LOYALTY)).isEqualTo(Reason.GRANTED);
            later();
            consents.grant(alice, LOYALTY, Capture.by(Method.CHECKBOX).withDeclaredAge(16));
            assertThat(reason(LOYALTY)).isEqualTo(Reason.GRANTED);
        }

        @Test
        void underAgeEvenWithAGuardianWhereThePurposeRefusesMinors() {
            consents.grant(alice, CAMERA, Capture.by(Method.DEVICE_PERMISSION).withActor(Actor.GUARDIAN)
                    .withDeclaredAge(12));
            assertThat(reason(CAMERA)).isEqualTo(Reason.UNDER_AGE);
            later();
            consents.grant(alice, CAMERA, Capture.by(Method.DEVICE_PERMISSION).withDeclaredAge(18));
            assertThat(reason(CAMERA)).isEqualTo(Reason.GRANTED);
        }

        @Test
        void everyNonConsentBasisHasItsOwnReason() {
            assertThat(reason(ORDERS)).isEqualTo(Reason.BASIS_CONTRACT);
            assertThat(reason(TAX)).isEqualTo(Reason.BASIS_LEGAL_OBLIGATION);
            assertThat(reason(SAFETY)).isEqualTo(Reason.BASIS_VITAL_INTERESTS);
            assertThat(reason(RESEARCH)).isEqualTo(Reason.BASIS_PUBLIC_TASK);
            assertThat(reason(FRAUD)).isEqualTo(Reason.BASIS_LEGITIMATE_INTERESTS);
            assertThat(consents.check(alice, TAX).allowed()).isTrue();
        }

        @Test
        void everyReasonIsReachable() {
            // guards this class: a reason added to the enum needs a test here (PENDING_CONFIRMATION, which needs a
            // purpose with a confirmation window, is tested in dev.consent.email.DoubleOptInTest; the three
            // JURISDICTION_* reasons, which need a policy with jurisdictions, in dev.consent.JurisdictionDecisionTest)
            assertThat(Reason.values()).hasSize(19);
        }
    }

    @Nested
    class Purposes {
        @Test
        void aParentsWithdrawalCoversItsChildrenButItsGrantDoesNot() {
            consents.grant(alice, MARKETING, Capture.by(Method.CHECKBOX));
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.NO_RECORD);
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            consents.grant(alice, MARKETING_SMS, Capture.by(Method.CHECKBOX));
            later();
            ConsentEvent withdrawal = consents.withdraw(alice, MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));

            Decision email = consents.check(alice, MARKETING_EMAIL);
            assertThat(email.reason()).isEqualTo(Reason.WITHDRAWN);
            assertThat(email.decidingEvent()).contains(withdrawal.ref());
            assertThat(reason(MARKETING_SMS)).isEqualTo(Reason.WITHDRAWN);

            later();
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX)); // a newer explicit grant of the child
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.GRANTED);
            assertThat(reason(MARKETING_SMS)).isEqualTo(Reason.WITHDRAWN);
        }

        @Test
        void anUnknownPurposeThrowsAndIsNeverAllowed() {
            PurposeId unknown = PurposeId.of("profiling");
            assertThatThrownBy(() -> consents.check(alice, unknown)).isInstanceOf(UnknownPurposeException.class)
                    .hasMessageContaining("\"profiling\"").hasMessageContaining("policy shop version 1");
            assertThatThrownBy(() -> consents.check(alice, unknown, START)).isInstanceOf(UnknownPurposeException.class);
            assertThatThrownBy(() -> consents.filterAllowed(List.of(alice), unknown)).isInstanceOf(UnknownPurposeException.class);
            assertThatThrownBy(() -> consents.grant(alice, unknown, Capture.by(Method.API)))
                    .isInstanceOf(UnknownPurposeException.class);
            assertThat(store.events(alice, 0, 10)).isEmpty();
        }

        @Test
        void choicesThatTheBasisDoesNotAllowAreRejected() {
            assertThatThrownBy(() -> consents.withdraw(alice, TAX, Capture.by(Method.WEB_FORM)))
                    .isInstanceOf(InvalidValueException.class).hasMessageContaining("LEGAL_OBLIGATION");
            assertThatThrownBy(() -> consents.grant(alice, ORDERS, Capture.by(Method.WEB_FORM)))
                    .isInstanceOf(InvalidValueException.class).hasMessageContaining("CONTRACT");
            assertThat(store.events(alice, 0, 10)).isEmpty();
        }

        @Test
        void aBatchWithOneBadRecordWritesNothing() {
            List<dev.consent.ledger.ChoiceRecord> batch = List.of(
                    new dev.consent.ledger.ChoiceRecord(alice, MARKETING_EMAIL, dev.consent.ledger.Choice.GRANTED,
                            Capture.by(Method.API)),
                    new dev.consent.ledger.ChoiceRecord(alice, MARKETING_EMAIL, dev.consent.ledger.Choice.GRANTED,
                            Capture.by(Method.API).withEvidence(dev.consent.ledger.Evidence.builder().ip("not-an-ip").build())));
            assertThatThrownBy(() -> consents.record(batch)).isInstanceOf(InvalidValueException.class)
                    .hasMessageContaining("evidence.ip");
            assertThat(store.events(alice, 0, 10)).isEmpty();
        }
    }

    @Nested
    class PointInTime {
        @Test
        void answersAcrossAWithdrawal() {
            Instant granted = START;
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            clock.advance(Duration.ofDays(10));
            Instant withdrawn = clock.instant();
            consents.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.UNSUBSCRIBE_LINK));

            assertThat(consents.check(alice, MARKETING_EMAIL, granted.minusSeconds(1)).reason()).isEqualTo(Reason.NO_RECORD);
            assertThat(consents.check(alice, MARKETING_EMAIL, granted).reason()).isEqualTo(Reason.GRANTED);
            assertThat(consents.check(alice, MARKETING_EMAIL, withdrawn.minusNanos(1000)).reason()).isEqualTo(Reason.GRANTED);
            assertThat(consents.check(alice, MARKETING_EMAIL, withdrawn).reason()).isEqualTo(Reason.WITHDRAWN);
            assertThat(consents.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
        }

        @Test
        void lateArrivingEventsCountFromWhenTheyOccurred() {
            // an offline app delivers a grant made after a withdrawal the web shop recorded: it lands in its place
            consents.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.UNSUBSCRIBE_LINK));
            later();
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.ACCOUNT_SETTINGS).at(START.plusSeconds(30)));
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.GRANTED);
            assertThat(consents.check(alice, MARKETING_EMAIL, START.plusSeconds(29)).reason())
                    .isEqualTo(Reason.WITHDRAWN);
            assertThat(consents.verify(alice).intact()).isTrue();
        }

        @Test
        void aLateWithdrawalMadeBeforeARecordedGrantStillOverrulesIt() {
            // an offline app delivers a withdrawal made before the grant the web shop recorded: a refusal recorded
            // after a grant beats it (fail closed); from when it was made, not before
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            later();
            consents.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.ACCOUNT_SETTINGS).at(START.minusSeconds(3600)));
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.WITHDRAWN);
            assertThat(consents.check(alice, MARKETING_EMAIL, START.minusSeconds(1)).reason()).isEqualTo(Reason.WITHDRAWN);
            assertThat(consents.check(alice, MARKETING_EMAIL, START.minusSeconds(3601)).reason())
                    .isEqualTo(Reason.NO_RECORD);
            assertThat(consents.verify(alice).intact()).isTrue();
        }

        @Test
        void futureDatedChoicesCountOnlyOnceTheirTimeComes() {
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            // within the default tolerance of 5 s ahead of the clock
            consents.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.API).at(START.plusSeconds(4)));
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.GRANTED);
            clock.advance(Duration.ofSeconds(4));
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.WITHDRAWN); // same cached ledger, later instant
        }
    }

    @Nested
    class VisitorsAndGpc {
        private final VisitorId cookie = VisitorId.of("7f3a");
        private final SubjectId visitor = cookie.subject();

        @Test
        void aLinkedVisitorsChoicesCountForTheCustomerLatestWins() {
            consents.deny(visitor, ADS, Capture.by(Method.COOKIE_BANNER));
            later();
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(reason(ADS)).isEqualTo(Reason.NO_RECORD);

            consents.link(cookie, alice);
            assertThat(reason(ADS)).isEqualTo(Reason.DENIED);
            consents.link(cookie, alice); // idempotent

            later();
            consents.grant(alice, ADS, Capture.by(Method.ACCOUNT_SETTINGS));
            assertThat(reason(ADS)).isEqualTo(Reason.GRANTED);
            later();
            consents.deny(visitor, ADS, Capture.by(Method.COOKIE_BANNER)); // the visitor cookie again, newest
            assertThat(reason(ADS)).isEqualTo(Reason.DENIED);
        }

        @Test
        void linksThatWouldConflictAreRefused() {
            consents.link(cookie, alice);
            assertThatThrownBy(() -> consents.link(cookie, SubjectId.of("bob"))).isInstanceOf(ConflictException.class);
            // a visitor is never a customer: no chains of visitors, no visitor linked to itself
            assertThatThrownBy(() -> consents.link(VisitorId.of("v2"), visitor))
                    .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("customer: <redacted");
            assertThatThrownBy(() -> consents.link(cookie, visitor)).isInstanceOf(InvalidValueException.class);
        }

        /**
         * The attack of issue 12: a client sets its visitor cookie to another customer's id and logs in as itself.
         * Before visitors had their own namespace, "linking visitor customer-42 to customer-666" put customer 42's
         * history and evidence into 666's decisions and access export, and locked 42 out of linking its own cookie.
         */
        @Test
        void aVisitorIdThatSpellsACustomersIdNeverReachesThatCustomer() {
            SubjectId victim = SubjectId.of("customer-42");
            SubjectId attacker = SubjectId.of("customer-666");
            consents.grant(victim, ADS, Capture.by(Method.COOKIE_BANNER)
                    .withEvidence(Evidence.builder().userAgent("victim's browser").build()));

            consents.link(VisitorId.of("customer-42"), attacker);

            assertThat(consents.check(attacker, ADS).reason()).isEqualTo(Reason.NO_RECORD);
            assertThat(consents.visitorsOf(attacker)).containsExactly(VisitorId.of("customer-42"));
            assertThat(consents.visitorsOf(attacker).get(0).subject()).isNotEqualTo(victim);
            // the victim links its own cookie as before, and keeps its own history
            consents.link(VisitorId.of("b81c"), victim);
            assertThat(consents.visitorsOf(victim)).containsExactly(VisitorId.of("b81c"));
            assertThat(consents.check(victim, ADS).reason()).isEqualTo(Reason.GRANTED);
        }

        @Test
        void gpcOptsOutOnlyFlaggedPurposesWithoutAnExplicitChoice() {
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            GpcOutcome outcome = consents.applyGpc(alice, GpcSignal.received());

            assertThat(outcome.effects()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    ADS, GpcOutcome.Effect.APPLIED, ANALYTICS, GpcOutcome.Effect.APPLIED));
            assertThat(outcome.recorded()).hasSize(2).allMatch(e -> e.method() == Method.GPC && e.actor() == Actor.SYSTEM);
            assertThat(reason(ADS)).isEqualTo(Reason.GPC_OPT_OUT);
            assertThat(reason(ANALYTICS)).isEqualTo(Reason.GPC_OPT_OUT);
            assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.GRANTED);
            assertThat(reason(FRAUD)).isEqualTo(Reason.BASIS_LEGITIMATE_INTERESTS);

            later();
            assertThat(consents.applyGpc(alice, GpcSignal.received()).recorded()).isEmpty(); // repeated header
        }

        @Test
        void anExplicitOptInOverridesGpcAndTheOverrideIsOnRecord() {
            consents.grant(alice, ADS, Capture.by(Method.ACCOUNT_SETTINGS));
            consents.deny(alice, ANALYTICS, Capture.by(Method.COOKIE_BANNER));
            later();
            GpcOutcome outcome = consents.applyGpc(alice, GpcSignal.received());

            assertThat(outcome.effects()).containsEntry(ADS, GpcOutcome.Effect.OVERRIDDEN)
                    .containsEntry(ANALYTICS, GpcOutcome.Effect.ALREADY_REFUSED);
            assertThat(outcome.recorded()).extracting(ConsentEvent::purpose).containsExactlyInAnyOrder(ADS, ANALYTICS);
            assertThat(reason(ADS)).isEqualTo(Reason.GRANTED);
            assertThat(reason(ANALYTICS)).isEqualTo(Reason.OBJECTED);

            later();
            consents.grant(alice, ANALYTICS, Capture.by(Method.COOKIE_BANNER)); // a later explicit yes wins over GPC
            assertThat(reason(ANALYTICS)).isEqualTo(Reason.BASIS_LEGITIMATE_INTERESTS);
        }

        /** Cal. Code Regs. tit. 11, § 7025(c)(3): an overridden signal is on record as such, not as a denial. */
        @Test
        void anOverriddenSignalIsRecordedAsOverriddenNotAsADenial() {
            consents.grant(alice, ADS, Capture.by(Method.ACCOUNT_SETTINGS));
            later();
            GpcOutcome outcome = consents.applyGpc(alice, GpcSignal.received());

            assertThat(outcome.recorded()).filteredOn(e -> e.purpose().equals(ADS)).singleElement()
                    .satisfies(e -> {
                        assertThat(e.choice()).isEqualTo(Choice.GPC_OVERRIDDEN);
                        assertThat(e.method()).isEqualTo(Method.GPC);
                    });
            assertThat(outcome.recorded()).filteredOn(e -> e.purpose().equals(ANALYTICS)).singleElement()
                    .extracting(ConsentEvent::choice).isEqualTo(Choice.OBJECTED); // no explicit choice: it opts out
            assertThat(consents.history(alice)).filteredOn(e -> e.purpose().equals(ADS)).extracting(ConsentEvent::choice)
                    .containsExactly(Choice.GRANTED, Choice.GPC_OVERRIDDEN);
            assertThat(reason(ADS)).isEqualTo(Reason.GRANTED);
            assertThat(consents.applyGpc(alice, GpcSignal.received()).recorded()).isEmpty(); // repeated header
            assertThat(consents.verify(alice).intact()).isTrue();

            later();
            consents.withdraw(alice, ADS, Capture.by(Method.ACCOUNT_SETTINGS));
            assertThat(reason(ADS)).isEqualTo(Reason.WITHDRAWN);
        }

        @Test
        void onlyASignalCanBeRecordedAsOverridden() {
            assertThatThrownBy(() -> consents.record(List.of(new ChoiceRecord(alice, ADS, Choice.GPC_OVERRIDDEN,
                    Capture.by(Method.COOKIE_BANNER))))).isInstanceOf(InvalidValueException.class)
                    .hasMessageContaining("GPC");
        }
    }

    @Nested
    class Bulk {
        @Test
        void allowedReturnsTheAllowedSubsetInOrderWithOneStoreCallPerChunk() {
            CountingStore counting = new CountingStore();
            try (ConsentService bulk = ConsentService.builder().policy(ShopPolicy.v1()).store(counting).clock(clock)
                    .bulkChunkSize(100).build()) {
                List<SubjectId> audience = new ArrayList<>();
                List<SubjectId> expected = new ArrayList<>();
                for (int i = 0; i < 1_000; i++) {
                    SubjectId s = SubjectId.of("c" + i);
                    audience.add(s);
                    if (i % 3 == 0) {
                        bulk.grant(s, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
                        expected.add(s);
                    } else if (i % 3 == 1) {
                        bulk.deny(s, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
                    }
                }
                counting.decisionCalls = 0;
                assertThat(bulk.filterAllowed(audience, MARKETING_EMAIL)).containsExactlyElementsOf(expected);
                assertThat(counting.decisionCalls).isEqualTo(10);

                Map<SubjectId, Decision> all = bulk.checkAll(audience, MARKETING_EMAIL);
                assertThat(all.get(SubjectId.of("c1")).reason()).isEqualTo(Reason.DENIED);
                assertThat(all.get(SubjectId.of("c2")).reason()).isEqualTo(Reason.NO_RECORD);
                assertThat(all.keySet()).containsExactlyElementsOf(audience);
            }
        }
    }

    @Nested
    class FailClosed {
        @Test
        void anUnreadableStoreIsNeverAllowed() {
            FlakyStore flaky = new FlakyStore();
            try (ConsentService service = ConsentService.builder().policy(ShopPolicy.v1()).store(flaky).clock(clock)
                    .build()) {
                service.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
                flaky.down = true;
                assertThatThrownBy(() -> service.allows(SubjectId.of("not-cached"), MARKETING_EMAIL))
                        .isInstanceOf(StoreException.class);
                assertThatThrownBy(() -> service.checkUncached(alice, MARKETING_EMAIL)).isInstanceOf(StoreException.class);
                assertThatThrownBy(() -> service.check(alice, MARKETING_EMAIL, START)).isInstanceOf(StoreException.class);
                assertThatThrownBy(() -> service.filterAllowed(List.of(alice), MARKETING_EMAIL))
                        .isInstanceOf(StoreException.class);
                assertThatThrownBy(() -> service.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.API)))
                        .isInstanceOf(StoreException.class);
                flaky.down = false;
                assertThat(service.checkUncached(alice, MARKETING_EMAIL).allowed()).isTrue();
                assertThat(service.history(alice)).hasSize(1);
            }
        }

        @Test
        void whenTheChangeFeedCannotBeReadTheCacheIsBypassed() throws Exception {
            FlakyStore flaky = new FlakyStore();
            try (ConsentService node = ConsentService.builder().policy(ShopPolicy.v1()).store(flaky).clock(clock)
                    .changeFeedPollInterval(Duration.ofMillis(10)).maxStaleness(Duration.ofMillis(50)).build()) {
                node.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
                assertThat(node.check(alice, MARKETING_EMAIL).allowed()).isTrue(); // now cached
                flaky.down = true;
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                boolean failedClosed = false;
                while (!failedClosed && System.nanoTime() < deadline) {
                    try {
                        node.check(alice, MARKETING_EMAIL);
                        Thread.sleep(10);
                    } catch (StoreException expected) {
                        failedClosed = true;
                    }
                }
                assertThat(failedClosed).as("a cached 'allowed' must not outlive the staleness bound").isTrue();
                assertThatThrownBy(() -> node.allows(alice, MARKETING_EMAIL)).isInstanceOf(StoreException.class);
                flaky.down = false;
                deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                Decision recovered = null;
                while (recovered == null && System.nanoTime() < deadline) {
                    try {
                        recovered = node.check(alice, MARKETING_EMAIL);
                    } catch (StoreException stillDown) {
                        Thread.sleep(10);
                    }
                }
                assertThat(recovered).isNotNull();
                assertThat(recovered.allowed()).isTrue();
            }
        }
    }

    @Nested
    class Nodes {
        @Test
        void aWithdrawalOnOneNodeIsHonouredByAnotherWithinTheBound() throws Exception {
            try (ConsentService a = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock)
                    .changeFeedPollInterval(Duration.ofMillis(20)).build();
                 ConsentService b = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock)
                    .changeFeedPollInterval(Duration.ofMillis(20)).build()) {
                a.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
                assertThat(b.check(alice, MARKETING_EMAIL).allowed()).isTrue(); // cached on b
                clock.advance(Duration.ofSeconds(1)); // a grant and a refusal at one instant: the refusal wins
                a.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.UNSUBSCRIBE_LINK));
                assertThat(b.checkUncached(alice, MARKETING_EMAIL).denied()).isTrue();

                clock.advance(Duration.ofSeconds(1));
                a.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
                assertThat(b.checkUncached(alice, MARKETING_EMAIL).allowed()).isTrue(); // cached again on b
                clock.advance(Duration.ofSeconds(1));
                a.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.UNSUBSCRIBE_LINK));
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (b.check(alice, MARKETING_EMAIL).allowed() && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(b.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
            }
        }
    }

    @Test
    void withdrawAllWithdrawsEveryStandingGrantEvenUnderRestriction() {
        consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        consents.grant(alice, ADS, Capture.by(Method.CHECKBOX));
        consents.deny(alice, MARKETING_SMS, Capture.by(Method.CHECKBOX));
        clock.advance(Duration.ofMinutes(1));
        consents.restrict(alice, Capture.by(Method.RIGHTS_REQUEST));
        clock.advance(Duration.ofMinutes(1));

        List<ConsentEvent> withdrawn = consents.withdrawAll(alice, Capture.by(Method.RIGHTS_REQUEST));

        assertThat(withdrawn).extracting(ConsentEvent::purpose).containsExactlyInAnyOrder(MARKETING_EMAIL, ADS);
        clock.advance(Duration.ofMinutes(1));
        consents.liftRestriction(alice, Capture.by(Method.RIGHTS_REQUEST));
        assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.WITHDRAWN);
        assertThat(reason(ADS)).isEqualTo(Reason.WITHDRAWN);
        assertThat(consents.withdrawAll(alice, Capture.by(Method.RIGHTS_REQUEST))).isEmpty();
    }

    @Test
    void aStoreThatPushesChangesWakesOtherNodesBeforeTheirNextPoll() throws Exception {
        try (ConsentService a = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock)
                .changeFeedPollInterval(Duration.ofMinutes(10)).build();
             ConsentService b = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock)
                .changeFeedPollInterval(Duration.ofMinutes(10)).build()) {
            a.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(b.check(alice, MARKETING_EMAIL).allowed()).isTrue();
            a.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.UNSUBSCRIBE_LINK));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (b.check(alice, MARKETING_EMAIL).allowed() && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertThat(b.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
        }
    }

    @Test
    void ipAddressesAreMinimisedBeforeTheyAreStored() {
        ConsentEvent v4 = consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX)
                .withEvidence(dev.consent.ledger.Evidence.builder().ip("203.0.113.77").build()));
        ConsentEvent v6 = consents.grant(alice, MARKETING_SMS, Capture.by(Method.CHECKBOX)
                .withEvidence(dev.consent.ledger.Evidence.builder().ip("2001:db8:85a3:8d3:1319:8a2e:370:7348").build()));
        assertThat(v4.evidence().ip()).isEqualTo("203.0.113.0/24");
        assertThat(v6.evidence().ip()).isEqualTo("2001:db8:85a3::/48");
    }

    @Test
    void theBuilderRejectsNonsense() {
        assertThatThrownBy(() -> ConsentService.builder().store(new InMemoryStore())
                .build()).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("policy");
        assertThatThrownBy(() -> ConsentService.builder().store(new InMemoryStore())
                .policy(ShopPolicy.v1()).policy(ShopPolicy.v1()).build())
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("same date");
        assertThatThrownBy(() -> ConsentService.builder().store(new InMemoryStore())
                .policy(ShopPolicy.v1()).bulkChunkSize(0).build())
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("bulkChunkSize");
        assertThatThrownBy(() -> ConsentService.builder().store(new InMemoryStore())
                .policy(ShopPolicy.v1()).maxStaleness(Duration.ofSeconds(1))
                .build()).isInstanceOf(InvalidValueException.class).hasMessageContaining("changeFeedPollInterval");
    }

    /** Counts bulk reads. */
    static final class CountingStore extends ForwardingStore {
        volatile int decisionCalls;

        @Override
        public Map<SubjectId, List<dev.consent.ledger.ChoiceFact>> decisionFacts(
                java.util.Collection<SubjectId> subjects) {
            decisionCalls++;
            return super.decisionFacts(subjects);
        }
    }

    /** A store that can be switched off, like a database that went away. */
    static final class FlakyStore extends ForwardingStore {
        volatile boolean down;

        private void maybeFail(String op) {
            if (down) {
                throw new StoreException(op, "connection refused (test)");
            }
        }

        @Override
        public Map<SubjectId, List<dev.consent.ledger.ChoiceFact>> decisionFacts(
                java.util.Collection<SubjectId> subjects) {
            maybeFail("decisionFacts");
            return super.decisionFacts(subjects);
        }

        @Override
        public AppendResult append(List<ConsentEvent> events) {
            maybeFail("append");
            return super.append(events);
        }

        @Override
        public Map<dev.consent.ledger.EventId, ConsentEvent> findEvents(
                java.util.Collection<dev.consent.ledger.EventId> ids) {
            maybeFail("findEvents");
            return super.findEvents(ids);
        }

        @Override
        public ChangeRead readChanges(FeedCursor cursor, int limit) {
            maybeFail("readChanges");
            return super.readChanges(cursor, limit);
        }
    }
}
