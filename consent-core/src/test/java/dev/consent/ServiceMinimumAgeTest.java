package dev.consent;

import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.InvalidPolicyException;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.PurposeId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static dev.consent.testing.ShopPolicy.ANALYTICS;
import static dev.consent.testing.ShopPolicy.FRAUD;
import static dev.consent.testing.ShopPolicy.LOYALTY;
import static dev.consent.testing.ShopPolicy.MARKETING_EMAIL;
import static dev.consent.testing.ShopPolicy.ORDERS;
import static dev.consent.testing.ShopPolicy.RESEARCH;
import static dev.consent.testing.ShopPolicy.SAFETY;
import static dev.consent.testing.ShopPolicy.TAX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The service-wide minimum age (seed 004, HappySell: "You must be at least 18 years old ... If you are a minor (under
 * the age of 18), this platform refuses to provide you with services"): {@link Policy#minimumAge()}.
 */
class ServiceMinimumAgeTest {
    private static final Instant START = Instant.parse("2025-06-02T08:00:00Z");
    private final MutableClock clock = new MutableClock(START);
    private final ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1WithServiceMinimumAge(18))
            .store(new InMemoryStore()).clock(clock).build();
    private final SubjectId kid = SubjectId.of("kid");

    @AfterEach
    void close() {
        consents.close();
    }

    private Reason reason(PurposeId purpose) {
        return consents.check(kid, purpose).reason();
    }

    @Test
    void aKnownMinorIsRefusedEveryPurposeButLegalObligationAndVitalInterests() {
        consents.grant(kid, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).withDeclaredAge(16));
        assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.UNDER_AGE);
        assertThat(reason(LOYALTY)).isEqualTo(Reason.UNDER_AGE); // its own minimum is 16, the service's 18
        assertThat(reason(ORDERS)).isEqualTo(Reason.UNDER_AGE); // the contract too
        assertThat(reason(FRAUD)).isEqualTo(Reason.UNDER_AGE);
        assertThat(reason(ANALYTICS)).isEqualTo(Reason.UNDER_AGE);
        assertThat(reason(RESEARCH)).isEqualTo(Reason.UNDER_AGE);
        assertThat(reason(TAX)).isEqualTo(Reason.BASIS_LEGAL_OBLIGATION); // GDPR Art. 17(3)(b)
        assertThat(reason(SAFETY)).isEqualTo(Reason.BASIS_VITAL_INTERESTS); // GDPR Art. 6(1)(d)
        Decision d = consents.check(kid, ORDERS);
        assertThat(d.allowed()).isFalse();
        assertThat(d.decidingEvent()).isPresent(); // the event that declared the age
    }

    @Test
    void anUndeclaredAgeIsNotAMinorForTheServiceWideRule() {
        assertThat(reason(ORDERS)).isEqualTo(Reason.BASIS_CONTRACT);
        consents.grant(kid, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.GRANTED);
        // the per-purpose minimum still fails closed on an undeclared age (GDPR Art. 8(2))
        consents.grant(kid, LOYALTY, Capture.by(Method.CHECKBOX));
        assertThat(reason(LOYALTY)).isEqualTo(Reason.UNDER_AGE);
    }

    @Test
    void theLatestDeclaredAgeDecidesAndAGuardianDoesNotLiftTheServiceMinimum() {
        consents.grant(kid, LOYALTY, Capture.by(Method.PAPER).withActor(Actor.GUARDIAN).withDeclaredAge(17));
        assertThat(reason(LOYALTY)).isEqualTo(Reason.UNDER_AGE);
        Instant minor = clock.instant();
        clock.advance(Duration.ofDays(400));
        consents.grant(kid, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).withDeclaredAge(18));
        assertThat(reason(ORDERS)).isEqualTo(Reason.BASIS_CONTRACT);
        assertThat(reason(MARKETING_EMAIL)).isEqualTo(Reason.GRANTED);
        assertThat(consents.check(kid, ORDERS, minor).reason()).isEqualTo(Reason.UNDER_AGE); // as it stood then
    }

    @Test
    void withoutAServiceMinimumOnlyThePurposesOwnMinimumApplies() {
        try (ConsentService plain = ConsentService.builder().policy(ShopPolicy.v1()).store(new InMemoryStore())
                .clock(clock).build()) {
            plain.grant(kid, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).withDeclaredAge(16));
            assertThat(plain.check(kid, ORDERS).reason()).isEqualTo(Reason.BASIS_CONTRACT);
            assertThat(plain.check(kid, MARKETING_EMAIL).reason()).isEqualTo(Reason.GRANTED);
        }
    }

    @Test
    void thePolicyFieldIsReadFromJsonAndBounded() {
        String json = "{\"id\":\"s\",\"version\":\"1\",\"effectiveFrom\":\"2025-01-01\",\"timeZone\":\"UTC\","
                + "\"minimumAge\":%s,\"categories\":[{\"id\":\"c\",\"description\":\"d\"}],"
                + "\"purposes\":[{\"id\":\"p\",\"title\":\"t\",\"legalBasis\":\"CONTRACT\",\"categories\":[\"c\"]}]}";
        assertThat(PolicyJson.read(String.format(json, "18")).minimumAge()).hasValue(18);
        assertThatThrownBy(() -> PolicyJson.read(String.format(json, "0"))).isInstanceOf(InvalidPolicyException.class)
                .hasMessageContaining("minimumAge");
        assertThatThrownBy(() -> Policy.builder("s", "1").minimumAge(121)).isInstanceOf(InvalidValueException.class);
    }
}
