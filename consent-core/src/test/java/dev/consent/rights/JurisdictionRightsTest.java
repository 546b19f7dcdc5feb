package dev.consent.rights;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.JurisdictionPolicies;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.SubjectLocation;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalDate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Rights requests take their deadline terms from the subject's jurisdiction at receipt ({@code docs/jurisdictions.md}):
 * GDPR Art. 12(3) one month, extendable by two; Cal. Civ. Code § 1798.130(a)(2) 45 days, extendable by 45, with receipt
 * confirmed within 10 business days (11 CCR § 7021(a)); an unknown jurisdiction the shortest.
 */
class JurisdictionRightsTest {
    // Monday 3 March 2025, UTC
    private final MutableClock clock = MutableClock.at("2025-03-03T09:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(JurisdictionPolicies.withJurisdictions())
            .store(store).clock(clock).build();
    private final RightsService rights = RightsService.builder().consents(consents).store(store).build();

    @AfterEach
    void close() {
        consents.close();
    }

    private SubjectId located(String name, String region) {
        SubjectId s = SubjectId.of(name);
        consents.recordLocation(s, SubjectLocation.of(region, SubjectLocation.Source.BILLING_COUNTRY),
                Capture.by(Method.WEB_FORM));
        return s;
    }

    @Test
    void aCalifornianIsAnsweredWithin45DaysExtendableBy45AndReceiptIsConfirmedWithinTenBusinessDays() {
        SubjectId carol = located("carol", "US-CA");
        RightsRequest r = rights.receive(carol, RequestType.ACCESS, "web form");
        assertThat(r.deadline().orElseThrow().lastDay()).isEqualTo(LocalDate.of(2025, 4, 17));
        assertThat(r.acknowledgeBy().orElseThrow().lastDay()).isEqualTo(LocalDate.of(2025, 3, 17));
        rights.verifyIdentity(r.id(), "support", "login");
        RightsRequest extended = rights.extend(r.id(), "dpo", "many orders", clock.instant());
        assertThat(extended.deadline().orElseThrow().lastDay()).isEqualTo(LocalDate.of(2025, 6, 2)); // 90 days: Sun 1 June
    }

    @Test
    void aGermanIsAnsweredWithinOneMonthExtendableByTwo() {
        SubjectId dieter = located("dieter", "DE");
        RightsRequest r = rights.receive(dieter, RequestType.ERASURE, "email");
        assertThat(r.deadline().orElseThrow().lastDay()).isEqualTo(LocalDate.of(2025, 4, 3));
        assertThat(r.acknowledgeBy()).isEmpty();
        rights.verifyIdentity(r.id(), "support", "login");
        RightsRequest extended = rights.extend(r.id(), "dpo", "complex", clock.instant());
        assertThat(extended.deadline().orElseThrow().lastDay()).isEqualTo(LocalDate.of(2025, 6, 3));
    }

    @Test
    void aJurisdictionWithoutTermsOfItsOwnKeepsThePolicysAndOneWithoutTheTypeDoesNotOfferIt() {
        SubjectId yuki = located("yuki", "JP"); // OTHER: no rights of its own
        assertThat(rights.termFor(yuki, RequestType.ACCESS)).isEqualTo(
                DeadlineTerm.of(30, DeadlineTerm.Unit.BUSINESS_DAYS, DeadlineTerm.Start.RECEIPT));
        assertThat(rights.rightAvailable(yuki, RequestType.PORTABILITY)).isTrue();
        SubjectId val = located("val", "US-VA"); // lists ACCESS only
        assertThat(rights.rightAvailable(val, RequestType.ACCESS)).isTrue();
        assertThat(rights.rightAvailable(val, RequestType.ERASURE)).isFalse();
        assertThat(rights.termFor(val, RequestType.ERASURE).amount()).as("the policy's own term").isEqualTo(30);
    }

    @Test
    void aRequestThatIsNotARightInTheSubjectsJurisdictionIsRefusedNamingTheJurisdictionAndTheRight() {
        SubjectId val = located("val", "US-VA"); // Va. Code § 59.1-577 as the test policy declares it: ACCESS only
        assertThatThrownBy(() -> rights.receive(val, RequestType.ERASURE, "email"))
                .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                    assertThat(e.field()).isEqualTo("type");
                    assertThat(e.value()).isEqualTo("ERASURE");
                    assertThat(e.getMessage()).isEqualTo("type: \"ERASURE\" is not a right in jurisdiction US-VA"
                            + " (Virginia (VCDPA)) at 2025-03-03T09:00:00Z: it offers only [ACCESS] (the policy's"
                            + " jurisdictionRules, docs/jurisdictions.md)");
                });
        assertThat(rights.requests(val)).as("nothing stored").isEmpty();
        assertThat(rights.receive(val, RequestType.ACCESS, "email").status()).isEqualTo(RequestStatus.RECEIVED);

        // the jurisdiction at receipt decides: Val moves to Germany, where the GDPR gives erasure (Art. 17)
        clock.advance(Duration.ofDays(1));
        consents.recordLocation(val, SubjectLocation.of("DE", SubjectLocation.Source.DECLARED),
                Capture.by(Method.ACCOUNT_SETTINGS));
        assertThat(rights.receive(val, RequestType.ERASURE, "email").status()).isEqualTo(RequestStatus.RECEIVED);
        assertThat(rights.requests(val)).hasSize(2);
    }

    @Test
    void aSubjectOfUnknownJurisdictionIsRefusedOnlyARightNoJurisdictionOffers() {
        // every jurisdiction lists its rights, and none offers portability
        Policy policy = PolicyJson.read(JurisdictionPolicies.BASE.formatted("""
                ,"jurisdictionRules":[
                  {"id":"EEA","title":"EEA","regions":["DE"],"gdpr":true,"gpc":"ADVISORY",
                   "rights":[{"types":["ACCESS","ERASURE"],"within":1,"unit":"MONTHS"}]},
                  {"id":"OTHER","title":"Everywhere else","fallback":true,"gpc":"ADVISORY",
                   "rights":[{"types":["ACCESS"],"within":45,"unit":"CALENDAR_DAYS"}]}]
                """));
        try (ConsentService strict = ConsentService.builder().policy(policy).store(new InMemoryStore()).clock(clock)
                .build()) {
            RightsService service = RightsService.builder().consents(strict).store(new InMemoryStore()).build();
            SubjectId nobody = SubjectId.of("nobody-knows");
            assertThat(service.receive(nobody, RequestType.ERASURE, "email").status())
                    .as("the EEA offers it").isEqualTo(RequestStatus.RECEIVED);
            assertThatThrownBy(() -> service.receive(nobody, RequestType.PORTABILITY, "email"))
                    .isInstanceOfSatisfying(InvalidValueException.class, e -> assertThat(e.getMessage()).isEqualTo(
                            "type: \"PORTABILITY\" is not a right in jurisdiction UNKNOWN (no location recorded for"
                                    + " the subject) at 2025-03-03T09:00:00Z: no jurisdiction the policy declares"
                                    + " offers it (docs/jurisdictions.md)"));
            assertThat(service.rightAvailable(nobody, RequestType.PORTABILITY)).isFalse();
            assertThat(service.requests(nobody)).hasSize(1);
        }
    }

    @Test
    void anUnknownJurisdictionGetsTheShortestDeadlineAnyJurisdictionGives() {
        SubjectId unknown = SubjectId.of("nobody-knows");
        // from 3 March: one month (3 April) beats 30 business days (14 April) and 45 days (17 April)
        RightsRequest r = rights.receive(unknown, RequestType.ACCESS, "email");
        assertThat(r.deadline().orElseThrow().lastDay()).isEqualTo(LocalDate.of(2025, 4, 3));
        assertThat(rights.termFor(unknown, RequestType.ACCESS).unit()).isEqualTo(DeadlineTerm.Unit.MONTHS);
    }

    @Test
    void theTermsAreThoseOfTheJurisdictionAtReceiptNotAtExtension() {
        SubjectId carol = located("carol", "US-CA");
        RightsRequest r = rights.receive(carol, RequestType.ACCESS, "web form");
        rights.verifyIdentity(r.id(), "support", "login");
        clock.advance(Duration.ofDays(3));
        consents.recordLocation(carol, SubjectLocation.of("DE", SubjectLocation.Source.DECLARED),
                Capture.by(Method.ACCOUNT_SETTINGS));
        RightsRequest extended = rights.extend(r.id(), "dpo", "many orders", clock.instant());
        assertThat(extended.deadline().orElseThrow().lastDay()).isEqualTo(LocalDate.of(2025, 6, 2));
        assertThat(rights.receive(carol, RequestType.ACCESS, "email").deadline().orElseThrow().lastDay())
                .isEqualTo(LocalDate.of(2025, 4, 7)); // received 6 March in Germany: one month
    }
}
