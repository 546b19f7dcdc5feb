package dev.consent.internal;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.Reason;
import dev.consent.ledger.Capture;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.store.InMemoryStore;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** The packed layout of the cached ledger keeps every fact a decision needs, exactly. */
class CompactLedgerTest {
    // Two valid purpose ids whose hash codes collide: they must stay two purposes.
    private static final PurposeId AAAN = PurposeId.of("aaan");
    private static final PurposeId AAC0 = PurposeId.of("aac0");

    private static Policy policy(int consentVersion) {
        return Policy.builder("p", "1").effectiveFrom(LocalDate.of(2020, 1, 1)).zone(ZoneOffset.UTC)
                .category("contact.email", "Email")
                .purpose(Purpose.builder(AAAN.value()).title("A").basis(LegalBasis.CONSENT)
                        .categories("contact.email").minimumAge(16).consentVersion(consentVersion).build())
                .purpose(Purpose.builder(AAC0.value()).title("B").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .build();
    }

    @Test
    void aPurposeWithTheSameHashIsStillAnotherPurpose() {
        assertThat(AAAN.hashCode()).isEqualTo(AAC0.hashCode());
        try (ConsentService consents = ConsentService.builder().store(new InMemoryStore()).policy(policy(1)).build()) {
            SubjectId s = SubjectId.of("s");
            consents.grant(s, AAC0, Capture.by(Method.API).withDeclaredAge(30));
            assertThat(consents.check(s, AAC0).reason()).isEqualTo(Reason.GRANTED);
            assertThat(consents.check(s, AAAN).reason()).isEqualTo(Reason.NO_RECORD);
            // also for ids that are equal but not the policy's own instances
            assertThat(consents.checkUncached(SubjectId.of("s"), PurposeId.of("aaan")).reason())
                    .isEqualTo(Reason.NO_RECORD);
        }
    }

    @Test
    void ageGuardianVersionAndSequenceSurviveThePacking() {
        try (ConsentService consents = ConsentService.builder().store(new InMemoryStore())
                .policy(policy(70_000)).build()) {
            SubjectId old = SubjectId.of("old");
            consents.grant(old, AAC0, Capture.by(Method.API));
            consents.grant(old, AAAN, Capture.by(Method.API).withDeclaredAge(150).withConsentVersion(70_000));
            Decision d = consents.check(old, AAAN);
            assertThat(d.reason()).isEqualTo(Reason.GRANTED);
            assertThat(d.decidingEvent()).contains(new EventRef(old, 2));

            SubjectId young = SubjectId.of("young");
            consents.grant(young, AAAN, Capture.by(Method.API).withDeclaredAge(15).withConsentVersion(70_000));
            assertThat(consents.check(young, AAAN).reason()).isEqualTo(Reason.UNDER_AGE);

            SubjectId undeclared = SubjectId.of("undeclared");
            consents.grant(undeclared, AAAN, Capture.by(Method.API).withConsentVersion(70_000));
            assertThat(consents.check(undeclared, AAAN).reason()).isEqualTo(Reason.UNDER_AGE);

            SubjectId stale = SubjectId.of("stale");
            consents.grant(stale, AAAN, Capture.by(Method.API).withDeclaredAge(40).withConsentVersion(69_999));
            assertThat(consents.check(stale, AAAN).reason()).isEqualTo(Reason.RECONSENT_REQUIRED);
        }
    }

    @Test
    void aLinkedVisitorsChoiceRestsOnTheVisitorsEvent() {
        try (ConsentService consents = ConsentService.builder().store(new InMemoryStore()).policy(policy(1)).build()) {
            SubjectId visitor = VisitorId.of("1").subject();
            SubjectId customer = SubjectId.of("customer-1");
            consents.grant(customer, AAC0, Capture.by(Method.API));
            consents.deny(visitor, AAC0, Capture.by(Method.COOKIE_BANNER));
            consents.link(VisitorId.of("1"), customer);
            Decision d = consents.check(customer, AAC0);
            assertThat(d.reason()).isEqualTo(Reason.DENIED);
            assertThat(d.decidingEvent()).contains(new EventRef(visitor, 1));
        }
    }

    @Test
    void eventsForPurposesNoPolicyVersionKnowsStillLoad() {
        InMemoryStore store = new InMemoryStore();
        SubjectId s = SubjectId.of("s");
        Policy retired = Policy.builder("p", "0").effectiveFrom(LocalDate.of(2019, 1, 1)).zone(ZoneOffset.UTC)
                .category("contact.email", "Email")
                .purpose(Purpose.builder("retired.purpose").title("R").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .purpose(Purpose.builder(AAC0.value()).title("B").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .build();
        try (ConsentService before = ConsentService.builder().policy(retired).store(store).build()) {
            before.grant(s, PurposeId.of("retired.purpose"), Capture.by(Method.API));
            before.deny(s, AAC0, Capture.by(Method.API));
        }
        try (ConsentService now = ConsentService.builder().policy(policy(1)).store(store).build()) {
            assertThat(now.check(s, AAC0).reason()).isEqualTo(Reason.DENIED);
            assertThat(now.check(s, AAC0).decidingEvent()).contains(new EventRef(s, 2));
            assertThat(now.check(s, AAAN).reason()).isEqualTo(Reason.NO_RECORD);
        }
    }
}
