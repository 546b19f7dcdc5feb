package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.LedgerInstants;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static dev.consent.testing.ShopPolicy.ADS;
import static dev.consent.testing.ShopPolicy.MARKETING;
import static dev.consent.testing.ShopPolicy.MARKETING_EMAIL;
import static dev.consent.testing.ShopPolicy.MARKETING_SMS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 12, "consent decisions must never fail open", on the in-memory store: choices dated in the future, consent
 * versions a purpose does not have, ties, dates the store cannot hold and exceptions a check may throw. The parts
 * that involve storage run on every store in {@code ConsentStoreContract}; random histories under the same rules run
 * in {@code ConsentDecisionPropertyTest}, hostile stores in {@code HostileStoreFuzzTest}.
 */
class FailClosedDecisionsTest {
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

    private static ChoiceRecord record(SubjectId s, PurposeId p, Choice c, Capture capture) {
        return new ChoiceRecord(s, p, c, capture);
    }

    @Nested
    class ChoicesDatedInTheFuture {
        @Test
        void aChoiceDatedBeyondTheToleranceIsRefusedAndNothingIsWritten() {
            Capture fastPhone = Capture.by(Method.DEVICE_PERMISSION).at(START.plus(Duration.ofDays(1)));
            assertThatThrownBy(() -> consents.grant(alice, MARKETING_EMAIL, fastPhone))
                    .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                        assertThat(e.field()).isEqualTo("occurredAt");
                        assertThat(e.value()).isEqualTo("2025-06-03T08:00:00Z");
                        assertThat(e.rule()).contains("2025-06-02T08:00:00Z", "PT5S", "futureTolerance");
                    });
            // the whole batch is refused, the valid record with it
            assertThatThrownBy(() -> consents.record(List.of(
                    record(alice, MARKETING_SMS, Choice.GRANTED, Capture.by(Method.CHECKBOX)),
                    record(alice, MARKETING_EMAIL, Choice.GRANTED, fastPhone))))
                    .isInstanceOf(InvalidValueException.class);
            assertThat(consents.history(alice)).isEmpty();

            // within the tolerance: a clock a few seconds fast is accepted
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).at(START.plusSeconds(5)));
            assertThat(consents.history(alice)).hasSize(1);
        }

        @Test
        void theToleranceIsConfigurableAndCheckedWhenSet() {
            try (ConsentService strict = ConsentService.builder().store(new InMemoryStore())
                    .policy(ShopPolicy.v1()).clock(clock)
                    .futureTolerance(Duration.ZERO).build()) {
                assertThatThrownBy(() -> strict.grant(alice, MARKETING_EMAIL,
                        Capture.by(Method.CHECKBOX).at(START.plusNanos(1_000))))
                        .isInstanceOfSatisfying(InvalidValueException.class,
                                e -> assertThat(e.field()).isEqualTo("occurredAt"));
                strict.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).at(START));
            }
            for (Duration bad : new Duration[] {null, Duration.ofNanos(-1), Duration.ofHours(1).plusNanos(1)}) {
                assertThatThrownBy(() -> ConsentService.builder().futureTolerance(bad))
                        .isInstanceOfSatisfying(InvalidValueException.class,
                                e -> assertThat(e.field()).isEqualTo("futureTolerance"));
            }
            ConsentService.builder().futureTolerance(Duration.ofHours(1));
        }

        @Test
        void aWithdrawalRecordedAfterAGrantDatedAheadWinsOverIt() {
            // a phone 4 s fast (within the tolerance) grants; a second later the subject really withdraws
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.DEVICE_PERMISSION).at(START.plusSeconds(4)));
            clock.advance(Duration.ofSeconds(1));
            ConsentEvent withdrawal = consents.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.UNSUBSCRIBE_LINK));
            clock.advance(Duration.ofSeconds(10)); // past the grant's claimed instant

            for (Decision d : List.of(consents.check(alice, MARKETING_EMAIL),
                    consents.checkUncached(alice, MARKETING_EMAIL),
                    consents.check(alice, MARKETING_EMAIL, START.plusSeconds(4)),
                    consents.checkAll(List.of(alice), MARKETING_EMAIL).get(alice))) {
                assertThat(d.reason()).as(d.explain()).isEqualTo(Reason.WITHDRAWN);
                assertThat(d.decidingEvent()).contains(withdrawal.ref());
            }
            assertThat(consents.filterAllowed(List.of(alice), MARKETING_EMAIL)).isEmpty();
            // a withdrawal takes effect from when it was made, not before; the grant never counted before its date
            assertThat(consents.check(alice, MARKETING_EMAIL, START.plusMillis(500)).reason())
                    .isEqualTo(Reason.NO_RECORD);
        }

        @Test
        void aParentsWithdrawalRecordedAfterAChildsGrantDatedAheadWinsOverIt() {
            try (ConsentService lax = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock)
                    .futureTolerance(Duration.ofHours(1)).build()) {
                lax.grant(alice, MARKETING_EMAIL, Capture.by(Method.IMPORT).at(START.plus(Duration.ofMinutes(50))));
                clock.advance(Duration.ofMinutes(1));
                lax.withdraw(alice, MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
                clock.advance(Duration.ofHours(2));
                assertThat(lax.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
            }
        }

        @Test
        void aGrantMadeAndRecordedAfterTheWithdrawalStillWins() {
            consents.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.UNSUBSCRIBE_LINK));
            clock.advance(Duration.ofMinutes(1));
            ConsentEvent again = consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(consents.check(alice, MARKETING_EMAIL).decidingEvent()).contains(again.ref());
            assertThat(consents.check(alice, MARKETING_EMAIL).allowed()).isTrue();
        }

        @Test
        void aRestrictionRecordedAfterAGrantDatedAheadIsNotLiftedByIt() {
            // GDPR Art. 18(2) lets consent given after a restriction through; a grant recorded before it was not
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.DEVICE_PERMISSION).at(START.plusSeconds(4)));
            clock.advance(Duration.ofSeconds(1));
            consents.restrict(alice, Capture.by(Method.RIGHTS_REQUEST));
            clock.advance(Duration.ofSeconds(10));
            assertThat(consents.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.RESTRICTED);

            clock.advance(Duration.ofSeconds(1));
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX)); // made and recorded after it
            assertThat(consents.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.GRANTED);
        }

        @Test
        void withdrawAllWithdrawsAGrantDatedAheadOfIt() {
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.DEVICE_PERMISSION).at(START.plusSeconds(4)));
            consents.grant(alice, ADS, Capture.by(Method.COOKIE_BANNER));
            List<ConsentEvent> withdrawn = consents.withdrawAll(alice, Capture.by(Method.RIGHTS_REQUEST));
            assertThat(withdrawn).extracting(ConsentEvent::purpose).containsExactlyInAnyOrder(MARKETING_EMAIL, ADS);

            clock.advance(Duration.ofMinutes(1));
            assertThat(consents.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
            assertThat(consents.check(alice, ADS).reason()).isEqualTo(Reason.WITHDRAWN);
            // nothing left to withdraw: a second erasure records nothing
            assertThat(consents.withdrawAll(alice, Capture.by(Method.RIGHTS_REQUEST))).isEmpty();
        }
    }

    @Nested
    class ConsentVersions {
        @Test
        void aVersionAboveThePurposesCurrentOneIsRefused() {
            assertThatThrownBy(() -> consents.grant(alice, MARKETING_EMAIL,
                    Capture.by(Method.CHECKBOX).withConsentVersion(2)))
                    .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                        assertThat(e.field()).isEqualTo("consentVersion");
                        assertThat(e.value()).isEqualTo("2");
                        assertThat(e.rule()).contains("between 1 and 1", "marketing.email", "policy version 1");
                    });
            assertThat(consents.history(alice)).isEmpty();
            assertThatThrownBy(() -> Capture.by(Method.CHECKBOX).withConsentVersion(0))
                    .isInstanceOf(InvalidValueException.class);
        }

        @Test
        void theVersionIsJudgedUnderThePolicyInForceWhenTheChoiceWasMade() {
            // marketing.email is version 2 from 2025-01-01 (Europe/Berlin) on
            try (ConsentService both = ConsentService.builder().store(new InMemoryStore())
                    .policy(ShopPolicy.v1()).policy(ShopPolicy.v2())
                    .clock(clock).build()) {
                Instant before = Instant.parse("2024-12-01T10:00:00Z");
                assertThatThrownBy(() -> both.grant(alice, MARKETING_EMAIL,
                        Capture.by(Method.IMPORT).at(before).withConsentVersion(2)))
                        .isInstanceOfSatisfying(InvalidValueException.class,
                                e -> assertThat(e.field()).isEqualTo("consentVersion"));
                both.grant(alice, MARKETING_EMAIL, Capture.by(Method.IMPORT).at(before).withConsentVersion(1));
                assertThat(both.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.RECONSENT_REQUIRED);
                both.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).withConsentVersion(2));
                assertThat(both.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.GRANTED);
            }
        }

        @Test
        void aStoredGrantUnderAVersionThePurposeDoesNotHaveFailsClosed() {
            // written by an older version of the library, which did not check: it must not stand forever
            try (ConsentService v2 = ConsentService.builder().policy(ShopPolicy.v2()).store(store).clock(clock)
                    .build()) {
                v2.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).withConsentVersion(2));
            }
            assertThat(consents.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.RECONSENT_REQUIRED);
        }

        @Test
        void aPurposeVersionBeyondWhatTheCacheHoldsIsRefusedWithThePolicy() {
            assertThatThrownBy(() -> Purpose.builder("news").title("News").basis(LegalBasis.CONSENT)
                    .categories("contact.email").consentVersion(20_250_101).build())
                    .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                        assertThat(e.field()).isEqualTo("purpose.consentVersion");
                        assertThat(e.rule()).contains(String.valueOf(Purpose.MAX_CONSENT_VERSION));
                    });
        }
    }

    @Nested
    class Ties {
        @Test
        void aRefusalAtTheSameInstantAsAGrantWinsWhateverTheOrderOfRecording() {
            SubjectId bob = SubjectId.of("bob");
            Instant t = START.minusSeconds(60);
            consents.deny(alice, MARKETING_EMAIL, Capture.by(Method.WEB_FORM).at(t));
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).at(t)); // a higher sequence
            consents.grant(bob, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).at(t));
            consents.withdraw(bob, MARKETING_EMAIL, Capture.by(Method.WEB_FORM).at(t));

            assertThat(consents.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.DENIED);
            assertThat(consents.check(alice, MARKETING_EMAIL).decidingEvent()).contains(new EventRef(alice, 1));
            assertThat(consents.check(bob, MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
            assertThat(consents.check(alice, MARKETING_EMAIL, t).reason()).isEqualTo(Reason.DENIED);
        }

        @Test
        void aRefusalTiesWithAGrantAcrossALinkedVisitorsChainAndWins() {
            // ids and sequences chosen so that the old tie-break (sequence, then subject id) favoured the grant
            SubjectId customer = SubjectId.of("zz-customer");
            SubjectId visitor = dev.consent.ledger.VisitorId.of("aa-visitor").subject();
            Instant t = START.minusSeconds(60);
            consents.deny(visitor, MARKETING_EMAIL, Capture.by(Method.COOKIE_BANNER).at(t)); // visitor #1
            consents.grant(customer, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).at(t)); // customer #1
            consents.link(dev.consent.ledger.VisitorId.from(visitor).orElseThrow(), customer);
            clock.advance(Duration.ofMinutes(1));

            Decision d = consents.check(customer, MARKETING_EMAIL);
            assertThat(d.reason()).isEqualTo(Reason.DENIED);
            assertThat(d.decidingEvent()).contains(new EventRef(visitor, 1));
            assertThat(consents.filterAllowed(List.of(customer), MARKETING_EMAIL)).isEmpty();
            // the same with the customer's sequence above the visitor's
            consents.grant(customer, MARKETING_SMS, Capture.by(Method.CHECKBOX).at(t.minusSeconds(5)));
            consents.grant(customer, MARKETING_SMS, Capture.by(Method.CHECKBOX).at(t.minusSeconds(4)));
            consents.grant(customer, MARKETING_SMS, Capture.by(Method.CHECKBOX).at(t)); // customer #4
            consents.deny(visitor, MARKETING_SMS, Capture.by(Method.COOKIE_BANNER).at(t)); // visitor #2
            assertThat(consents.checkUncached(customer, MARKETING_SMS).reason()).isEqualTo(Reason.DENIED);
        }
    }

    @Nested
    class DatesTheStoreCannotHold {
        private final Instant never = Instant.parse("9999-12-31T23:59:59.999999Z");

        @Test
        void theRangeIsOneConstantPair() {
            assertThat(LedgerInstants.MIN).isEqualTo(Instant.parse("1970-01-01T00:00:00Z"));
            assertThat(LedgerInstants.MAX).isEqualTo(never);
            assertThat(LedgerInstants.contains(never)).isTrue();
            assertThat(LedgerInstants.contains(never.plusNanos(1))).isFalse();
            assertThat(LedgerInstants.contains(Instant.EPOCH.minusNanos(1))).isFalse();
        }

        @Test
        void anExpiryOfTheYear9999AndAChoiceIn2300AreCheckedLikeAnyOther() {
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).expiringAt(never));
            assertThat(consents.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.GRANTED);
            assertThat(consents.checkUncached(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.GRANTED);
            assertThat(consents.filterAllowed(List.of(alice, SubjectId.of("bob")), MARKETING_EMAIL)).containsExactly(alice);
            assertThat(consents.check(alice, MARKETING_EMAIL, never.minusNanos(1_000)).reason())
                    .isEqualTo(Reason.GRANTED);
            assertThat(consents.check(alice, MARKETING_EMAIL, never).reason()).isEqualTo(Reason.EXPIRED);

            clock.set(Instant.parse("2300-01-01T00:00:00Z"));
            consents.deny(alice, ADS, Capture.by(Method.COOKIE_BANNER));
            assertThat(consents.check(alice, ADS).reason()).isEqualTo(Reason.DENIED);
            assertThat(consents.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.GRANTED);
            assertThat(consents.checkAll(List.of(alice), ADS).get(alice).reason()).isEqualTo(Reason.DENIED);
            assertThat(consents.withdrawAll(alice, Capture.by(Method.RIGHTS_REQUEST)))
                    .extracting(ConsentEvent::purpose).containsExactly(MARKETING_EMAIL);
        }

        @Test
        void valuesOutsideTheRangeAreRefusedWhenRecorded() {
            Instant tooLate = Instant.parse("+10000-01-01T00:00:00Z");
            Instant tooEarly = Instant.parse("1969-12-31T23:59:59.999999Z");
            assertThatThrownBy(() -> Capture.by(Method.CHECKBOX).expiringAt(tooLate))
                    .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                        assertThat(e.field()).isEqualTo("expiresAt");
                        assertThat(e.rule()).contains("1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z");
                    });
            assertThatThrownBy(() -> Capture.by(Method.CHECKBOX).expiringAt(Instant.MAX))
                    .isInstanceOf(InvalidValueException.class);
            assertThatThrownBy(() -> Capture.by(Method.IMPORT).at(tooEarly))
                    .isInstanceOfSatisfying(InvalidValueException.class,
                            e -> assertThat(e.field()).isEqualTo("occurredAt"));
            assertThatThrownBy(() -> Capture.by(Method.IMPORT).at(null))
                    .isInstanceOf(InvalidValueException.class);
            assertThat(consents.history(alice)).isEmpty();
        }

        @Test
        void aConsentLifetimeEndingAfter9999EndsAtTheRangesEnd() {
            Policy longLived = Policy.builder("p", "1").effectiveFrom(LocalDate.of(2020, 1, 1)).zone(ZoneOffset.UTC)
                    .category("contact.email", "Email")
                    .purpose(Purpose.builder("news").title("News").basis(LegalBasis.CONSENT)
                            .categories("contact.email").consentLifetime(Period.ofYears(100_000)).build())
                    .build();
            try (ConsentService service = ConsentService.builder().store(new InMemoryStore())
                    .policy(longLived).clock(clock).build()) {
                ConsentEvent grant = service.grant(alice, PurposeId.of("news"), Capture.by(Method.CHECKBOX));
                assertThat(grant.expiresAt()).contains(LedgerInstants.MAX);
                assertThat(service.check(alice, PurposeId.of("news")).allowed()).isTrue();
            }
        }

        @Test
        void aPointInTimeCheckOutsideTheRangeIsAnInvalidValue() {
            consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            for (Instant at : new Instant[] {Instant.parse("+10000-01-01T00:00:00Z"), Instant.MAX, Instant.MIN,
                    Instant.EPOCH.minusNanos(1)}) {
                assertThatThrownBy(() -> consents.check(alice, MARKETING_EMAIL, at))
                        .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.field()).isEqualTo("at"));
            }
            assertThat(consents.check(alice, MARKETING_EMAIL, LedgerInstants.MAX).reason()).isEqualTo(Reason.GRANTED);
            assertThat(consents.check(alice, MARKETING_EMAIL, LedgerInstants.MIN).reason()).isEqualTo(Reason.NO_RECORD);
        }

        @Test
        void aClockOutsideTheRangeFailsChecksAndRecordsWithAnInvalidValue() {
            clock.set(Instant.parse("+10000-01-01T00:00:00Z"));
            assertThatThrownBy(() -> consents.check(alice, MARKETING_EMAIL))
                    .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.field()).isEqualTo("clock"));
            assertThatThrownBy(() -> consents.checkAll(List.of(alice), MARKETING_EMAIL))
                    .isInstanceOf(InvalidValueException.class);
            assertThatThrownBy(() -> consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX)))
                    .isInstanceOfSatisfying(InvalidValueException.class,
                            e -> assertThat(e.field()).isEqualTo("recordedAt"));
        }
    }

    @Nested
    class OnlyDocumentedExceptions {
        @Test
        void missingArgumentsAreInvalidValuesNotNullPointers() {
            assertThatThrownBy(() -> consents.check(null, MARKETING_EMAIL)).isInstanceOf(InvalidValueException.class);
            assertThatThrownBy(() -> consents.check(alice, null)).isInstanceOf(InvalidValueException.class);
            assertThatThrownBy(() -> consents.checkUncached(null, MARKETING_EMAIL))
                    .isInstanceOf(InvalidValueException.class);
            assertThatThrownBy(() -> consents.check(alice, MARKETING_EMAIL, null))
                    .isInstanceOf(InvalidValueException.class);
            assertThatThrownBy(() -> consents.checkAll(null, MARKETING_EMAIL)).isInstanceOf(InvalidValueException.class);
            assertThatThrownBy(() -> consents.checkAll(java.util.Arrays.asList(alice, null), MARKETING_EMAIL))
                    .isInstanceOf(InvalidValueException.class);
            assertThatThrownBy(() -> consents.filterAllowed(List.of(alice), null)).isInstanceOf(InvalidValueException.class);
            assertThatThrownBy(() -> consents.record(null)).isInstanceOf(InvalidValueException.class);
            assertThatThrownBy(() -> consents.policyAt(null)).isInstanceOf(InvalidValueException.class);
            assertThatThrownBy(() -> consents.withdrawAll(alice, null)).isInstanceOf(InvalidValueException.class);
        }

        @Test
        void anUnknownPurposeIsStillAnUnknownPurpose() {
            assertThatThrownBy(() -> consents.check(alice, PurposeId.of("nobody.declared")))
                    .isInstanceOf(UnknownPurposeException.class);
        }

        @Test
        void aDecisionThatContradictsItsReasonIsAnInvalidValue() {
            // the root exception's javadoc promises a ConsentException for what the library refuses on purpose
            assertThatThrownBy(() -> new Decision(true, Reason.WITHDRAWN, MARKETING_EMAIL, LegalBasis.CONSENT,
                    Optional.empty(), START, "1"))
                    .isInstanceOfSatisfying(InvalidValueException.class,
                            e -> assertThat(e.field()).isEqualTo("allowed"));
        }
    }
}
