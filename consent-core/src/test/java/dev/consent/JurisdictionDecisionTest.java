package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.GpcOutcome;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.SubjectLocation;
import dev.consent.ledger.AgeDeclaration;
import dev.consent.policy.JurisdictionId;
import dev.consent.policy.OptOut;
import dev.consent.policy.PurposeId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static dev.consent.ledger.SubjectLocation.Source.BILLING_COUNTRY;
import static dev.consent.ledger.SubjectLocation.Source.DECLARED;
import static dev.consent.ledger.SubjectLocation.Source.GEOLOCATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Decisions under the jurisdiction in force for the subject at the instant decided ({@code docs/jurisdictions.md}). */
class JurisdictionDecisionTest {
    static final PurposeId ADS = PurposeId.of("ads.targeted");
    static final PurposeId EMAIL = PurposeId.of("marketing.email");
    static final PurposeId SENSITIVE = PurposeId.of("recommendations");
    static final PurposeId ANALYTICS = PurposeId.of("analytics");
    static final PurposeId ORDERS = PurposeId.of("orders");

    private final MutableClock clock = MutableClock.at("2025-03-03T09:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(JurisdictionPolicies.withJurisdictions())
            .store(store).clock(clock).build();
    private final SubjectId carol = SubjectId.of("carol");

    @AfterEach
    void close() {
        consents.close();
    }

    private ConsentEvent locate(SubjectId s, String region, SubjectLocation.Source source) {
        return consents.recordLocation(s, SubjectLocation.of(region, source), Capture.by(Method.ACCOUNT_SETTINGS));
    }

    private void later() {
        clock.advance(Duration.ofDays(1));
    }

    @Test
    void aCustomerMovingFromCaliforniaToGermanyIsDecidedUnderEachJurisdictionInItsTime() {
        ConsentEvent inCalifornia = locate(carol, "US-CA", BILLING_COUNTRY);
        later();
        Instant whileInCalifornia = clock.instant();
        Decision before = consents.check(carol, ADS);
        assertThat(before.reason()).isEqualTo(Reason.JURISDICTION_OPT_OUT); // a sale is opt-out (§ 1798.120)
        assertThat(before.allowed()).isTrue();
        assertThat(before.jurisdiction()).contains(JurisdictionId.of("US-CA"));

        later();
        ConsentEvent inGermany = locate(carol, "DE", DECLARED);
        later();
        Decision after = consents.check(carol, ADS);
        assertThat(after.reason()).isEqualTo(Reason.NO_RECORD); // consent is an opt-in under the GDPR
        assertThat(after.allowed()).isFalse();
        assertThat(after.jurisdiction()).contains(JurisdictionId.of("EEA"));

        // the point-in-time check answers under the jurisdiction in force then
        Decision then = consents.check(carol, ADS, whileInCalifornia);
        assertThat(then.reason()).isEqualTo(Reason.JURISDICTION_OPT_OUT);
        assertThat(then.jurisdiction()).contains(JurisdictionId.of("US-CA"));
        assertThat(consents.region(carol, whileInCalifornia)).contains("US-CA");
        assertThat(consents.region(carol, clock.instant())).contains("DE");
        assertThat(consents.jurisdiction(carol, clock.instant()).orElseThrow().id()).isEqualTo(JurisdictionId.of("EEA"));
        assertThat(consents.history(carol)).containsExactly(inCalifornia, inGermany);
        assertThat(consents.verify(carol).intact()).isTrue();
    }

    @Test
    void aLocationHoldsFromItsOccurredAtOn() {
        Instant moved = clock.instant().minus(Duration.ofDays(10));
        consents.recordLocation(carol, SubjectLocation.of("US-CA", GEOLOCATION), Capture.by(Method.API).at(moved));
        assertThat(consents.check(carol, ADS, moved.minusSeconds(1)).jurisdiction())
                .contains(JurisdictionId.UNKNOWN);
        assertThat(consents.check(carol, ADS, moved).jurisdiction()).contains(JurisdictionId.of("US-CA"));
    }

    @Test
    void anUnknownJurisdictionTakesTheStrictestRuleThePolicyDeclares() {
        // ads: OPT_IN in the EEA and elsewhere beats OPT_OUT in California and Virginia
        Decision ads = consents.check(carol, ADS);
        assertThat(ads.reason()).isEqualTo(Reason.NO_RECORD);
        assertThat(ads.jurisdiction()).contains(JurisdictionId.UNKNOWN);
        // analytics (legitimate interests): OPT_IN in the EEA beats OPT_OUT (its own) and NOTICE_ONLY elsewhere
        assertThat(consents.check(carol, ANALYTICS).reason()).isEqualTo(Reason.JURISDICTION_OPT_IN_REQUIRED);
        // GPC binds somewhere (California), so it binds for an unknown jurisdiction
        consents.grant(carol, ANALYTICS, Capture.by(Method.CHECKBOX));
        assertThat(consents.check(carol, ANALYTICS).reason()).isEqualTo(Reason.GRANTED);
        assertThat(consents.policy().jurisdictionRules().orElseThrow().strictest().gpcBinds()).isTrue();
    }

    @Test
    void aLocationNoJurisdictionListsFallsUnderTheFallback() {
        locate(carol, "JP", BILLING_COUNTRY);
        Decision analytics = consents.check(carol, ANALYTICS);
        assertThat(analytics.reason()).isEqualTo(Reason.JURISDICTION_NOTICE_ONLY);
        assertThat(analytics.jurisdiction()).contains(JurisdictionId.of("OTHER"));
        consents.object(carol, ANALYTICS, Capture.by(Method.ACCOUNT_SETTINGS));
        assertThat(consents.check(carol, ANALYTICS).reason()).as("a refusal on record is honoured all the same")
                .isEqualTo(Reason.OBJECTED);
    }

    @Test
    void aSubdivisionFallsUnderItsCountryWhenOnlyTheCountryIsListed() {
        locate(carol, "ES-CT", GEOLOCATION); // Catalonia: Spain is in the EEA
        assertThat(consents.check(carol, ADS).jurisdiction()).contains(JurisdictionId.of("EEA"));
        later();
        locate(carol, "US-TX", GEOLOCATION); // Texas: neither it nor the US is listed
        assertThat(consents.check(carol, ADS).jurisdiction()).contains(JurisdictionId.of("OTHER"));
    }

    @Test
    void gpcBindsInCaliforniaAndOptsTheSubjectOut() {
        locate(carol, "US-CA", DECLARED);
        later();
        GpcOutcome outcome = consents.applyGpc(carol, GpcSignal.received());
        assertThat(outcome.effects()).containsEntry(ADS, GpcOutcome.Effect.APPLIED);
        Decision ads = consents.check(carol, ADS);
        assertThat(ads.reason()).isEqualTo(Reason.GPC_OPT_OUT);
        assertThat(ads.decidingEvent()).contains(outcome.recorded().get(0).ref());
        assertThat(consents.filterAllowed(List.of(carol), ADS)).isEmpty();
    }

    /**
     * 11 CCR § 7025(c)(3): where the signal binds, it is processed as an opt-out despite an earlier setting that
     * allowed sale or sharing; the consumer may then consent again, and that later grant wins.
     */
    @Test
    void inCaliforniaASignalAfterAGrantOptsOutAndAGrantAfterTheSignalWinsAgain() {
        locate(carol, "US-CA", DECLARED);
        consents.grant(carol, ADS, Capture.by(Method.COOKIE_BANNER));
        later();
        GpcOutcome outcome = consents.applyGpc(carol, GpcSignal.received());
        assertThat(outcome.effects()).containsEntry(ADS, GpcOutcome.Effect.APPLIED);
        assertThat(outcome.recorded()).singleElement().satisfies(e -> {
            assertThat(e.purpose()).isEqualTo(ADS);
            assertThat(e.choice()).isEqualTo(Choice.DENIED);
        });
        Decision ads = consents.check(carol, ADS);
        assertThat(ads.reason()).isEqualTo(Reason.GPC_OPT_OUT);
        assertThat(ads.decidingEvent()).contains(outcome.recorded().get(0).ref());
        assertThat(consents.filterAllowed(List.of(carol), ADS)).isEmpty();
        assertThat(consents.applyGpc(carol, GpcSignal.received()).recorded()).isEmpty(); // the repeated header

        later();
        ConsentEvent consent = consents.grant(carol, ADS, Capture.by(Method.ACCOUNT_SETTINGS)); // told of the conflict
        Decision again = consents.check(carol, ADS);
        assertThat(again.allowed()).isTrue();
        assertThat(again.reason()).isEqualTo(Reason.JURISDICTION_OPT_OUT); // California holds the purpose to opt-out
        assertThat(again.decidingEvent()).contains(consent.ref());
        assertThat(consents.filterAllowed(List.of(carol), ADS)).containsExactly(carol);
    }

    @Test
    void inVirginiaAGrantBeforeTheSignalStandsUntilTheSubjectIsHeldToCalifornia() {
        locate(carol, "US-VA", DECLARED);
        consents.grant(carol, ADS, Capture.by(Method.COOKIE_BANNER));
        later();
        GpcOutcome outcome = consents.applyGpc(carol, GpcSignal.received());
        assertThat(outcome.effects()).containsEntry(ADS, GpcOutcome.Effect.OVERRIDDEN);
        assertThat(outcome.recorded()).singleElement().extracting(ConsentEvent::choice)
                .isEqualTo(Choice.GPC_OVERRIDDEN);
        assertThat(consents.check(carol, ADS).allowed()).isTrue();

        later();
        locate(carol, "US-CA", BILLING_COUNTRY);
        assertThat(consents.check(carol, ADS).reason()).isEqualTo(Reason.GPC_OPT_OUT);
    }

    @Test
    void gpcIsAdvisoryInVirginiaRecordedButNotDeciding() {
        locate(carol, "US-VA", DECLARED);
        later();
        GpcOutcome outcome = consents.applyGpc(carol, GpcSignal.received());
        assertThat(outcome.effects()).containsEntry(ADS, GpcOutcome.Effect.ADVISORY);
        assertThat(outcome.recorded()).hasSize(1);
        Decision ads = consents.check(carol, ADS);
        assertThat(ads.reason()).isEqualTo(Reason.JURISDICTION_OPT_OUT);
        assertThat(ads.allowed()).isTrue();
        assertThat(consents.filterAllowed(List.of(carol), ADS)).containsExactly(carol);

        // the signal stays on record: once the subject is held to California's rules, it binds
        later();
        locate(carol, "US-CA", BILLING_COUNTRY);
        assertThat(consents.check(carol, ADS).reason()).isEqualTo(Reason.GPC_OPT_OUT);
    }

    @Test
    void doNotSellOrShareAndLimitTheUseOfSensitiveInformationAreOptOutsOfTheirPurposes() {
        locate(carol, "US-CA", DECLARED);
        later();
        assertThat(consents.check(carol, SENSITIVE).reason()).isEqualTo(Reason.JURISDICTION_OPT_OUT);
        List<ConsentEvent> sale = consents.optOut(carol, OptOut.SALE_OR_SHARING, Capture.by(Method.WEB_FORM));
        assertThat(sale).extracting(ConsentEvent::purpose).containsExactly(ADS);
        assertThat(consents.check(carol, ADS).reason()).isEqualTo(Reason.DENIED);
        assertThat(consents.check(carol, SENSITIVE).allowed()).isTrue();

        List<ConsentEvent> limit = consents.optOut(carol, OptOut.SENSITIVE_DATA_USE, Capture.by(Method.WEB_FORM));
        assertThat(limit).extracting(ConsentEvent::purpose).containsExactly(SENSITIVE);
        assertThat(consents.check(carol, SENSITIVE).reason()).isEqualTo(Reason.DENIED);
    }

    @Test
    void anOptOutWhereTheJurisdictionDeclaresNoneCoversEveryPurposeItCoversAnywhere() {
        locate(carol, "DE", DECLARED);
        List<ConsentEvent> sale = consents.optOut(carol, OptOut.SALE_OR_SHARING, Capture.by(Method.WEB_FORM));
        assertThat(sale).extracting(ConsentEvent::purpose).containsExactly(ADS);
    }

    @Test
    void aMinorInCaliforniaIsSoldOrSharedOnlyWithConsent() {
        locate(carol, "US-CA", DECLARED);
        consents.declareAge(carol, AgeDeclaration.years(15), Capture.by(Method.WEB_FORM));
        later();
        assertThat(consents.check(carol, ADS).reason()).isEqualTo(Reason.NO_RECORD); // § 1798.120(c)
        SubjectId adult = SubjectId.of("dave");
        locate(adult, "US-CA", DECLARED);
        consents.declareAge(adult, AgeDeclaration.years(30), Capture.by(Method.WEB_FORM));
        later();
        assertThat(consents.check(adult, ADS).reason()).isEqualTo(Reason.JURISDICTION_OPT_OUT);
    }

    @Test
    void aPurposeOnItsOwnMechanismDecidesAsWithoutJurisdictionsAndNamesTheJurisdiction() {
        locate(carol, "FR", GEOLOCATION);
        later();
        consents.grant(carol, EMAIL, Capture.by(Method.CHECKBOX));
        Decision email = consents.check(carol, EMAIL);
        assertThat(email.reason()).isEqualTo(Reason.GRANTED);
        assertThat(email.explain()).contains("in jurisdiction EEA");
        assertThat(consents.check(carol, ORDERS).reason()).isEqualTo(Reason.BASIS_CONTRACT);
        // analytics: opt-in in the EEA; a grant allows it
        assertThat(consents.check(carol, ANALYTICS).reason()).isEqualTo(Reason.JURISDICTION_OPT_IN_REQUIRED);
        consents.grant(carol, ANALYTICS, Capture.by(Method.CHECKBOX));
        assertThat(consents.check(carol, ANALYTICS).reason()).isEqualTo(Reason.GRANTED);
    }

    @Test
    void anObjectionToAPurposeHeldToAnOptInReadsAsAnObjection() {
        locate(carol, "DE", DECLARED);
        later();
        consents.object(carol, ANALYTICS, Capture.by(Method.ACCOUNT_SETTINGS));
        Decision analytics = consents.check(carol, ANALYTICS);
        assertThat(analytics.reason()).isEqualTo(Reason.OBJECTED);
        assertThat(analytics.jurisdiction()).contains(JurisdictionId.of("EEA"));
    }

    @Test
    void aPolicyWithoutJurisdictionsDecidesAsBeforeAndNamesNone() {
        try (ConsentService plain = ConsentService.builder().policy(JurisdictionPolicies.withoutJurisdictions())
                .store(store).clock(clock).build()) {
            locate(carol, "US-CA", DECLARED);
            Decision ads = plain.check(carol, ADS);
            assertThat(ads.reason()).isEqualTo(Reason.NO_RECORD);
            assertThat(ads.jurisdiction()).isEmpty();
            assertThat(plain.jurisdiction(carol, clock.instant())).isEmpty();
            plain.applyGpc(carol, GpcSignal.received());
            assertThat(plain.check(carol, ADS).reason()).isEqualTo(Reason.GPC_OPT_OUT);
            assertThatThrownBy(() -> plain.optOut(carol, OptOut.SALE_OR_SHARING, Capture.by(Method.WEB_FORM)))
                    .isInstanceOf(InvalidValueException.class).hasMessageContaining("optOut");
        }
    }

    @Test
    void aLocationIsCheckedAndCarriesNoConsentFields() {
        assertThatThrownBy(() -> SubjectLocation.of("California", DECLARED)).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("region");
        assertThatThrownBy(() -> SubjectLocation.of("XX", DECLARED)).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> consents.recordLocation(carol, SubjectLocation.of("DE", DECLARED),
                Capture.by(Method.GPC))).isInstanceOf(InvalidValueException.class).hasMessageContaining("method");
        assertThatThrownBy(() -> consents.recordLocation(carol, SubjectLocation.of("DE", DECLARED),
                Capture.by(Method.WEB_FORM).withDeclaredAge(30))).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("declaredAge");
        assertThatThrownBy(() -> consents.grant(carol, PurposeId.of("subject-location.de.declared"),
                Capture.by(Method.API))).isInstanceOf(ConsentException.class);
        assertThat(store.events(carol, 0, 10)).isEmpty();
        ConsentEvent e = locate(carol, "US-CA", BILLING_COUNTRY);
        assertThat(e.purpose().value()).isEqualTo("subject-location.us-ca.billing_country");
        assertThat(SubjectLocation.of(e)).isEqualTo(SubjectLocation.of("US-CA", BILLING_COUNTRY));
        assertThat(Optional.of(e.choice())).contains(dev.consent.ledger.Choice.LOCATION_RECORDED);
    }
}
