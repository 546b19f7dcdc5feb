package dev.consent.signals;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.Reason;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import dev.consent.policy.SignalMappings;
import dev.consent.policy.SignalMappings.ConsentModeType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/** Google Consent Mode v2 from decisions: each type's rule, the page's JSON, the upload fields, one and many subjects. */
class ConsentModeTest {
    static final Instant RECEIVED = Instant.parse("2026-06-01T10:00:00Z");
    final Policy policy = TestStrings.policy();
    final ConsentService consents = TestStrings.service(policy);
    final ConsentSignals signals = new ConsentSignals(consents, policy);
    final ConsentModes modes = new ConsentModes(consents, policy);

    @AfterEach
    void close() {
        consents.close();
    }

    static Decision decision(String purpose, boolean allowed) {
        return new Decision(allowed, allowed ? Reason.GRANTED : Reason.DENIED, PurposeId.of(purpose),
                LegalBasis.CONSENT, Optional.empty(), RECEIVED, "1");
    }

    @Test
    void aTypeIsGrantedOnlyWhenEveryPurposeItListsIsAllowed() {
        SignalMappings m = policy.signals().orElseThrow();
        Map<PurposeId, Decision> d = Map.of(PurposeId.of("device.storage"), decision("device.storage", true),
                PurposeId.of("ads.personalised"), decision("ads.personalised", false),
                PurposeId.of("analytics"), decision("analytics", true),
                PurposeId.of("checkout"), decision("checkout", true));
        ConsentMode mode = ConsentMode.derive(m, d::get);
        assertThat(mode.signals()).containsExactly(
                entry(ConsentModeType.AD_STORAGE, ConsentMode.Status.DENIED), // ads.personalised is denied
                entry(ConsentModeType.ANALYTICS_STORAGE, ConsentMode.Status.GRANTED),
                entry(ConsentModeType.AD_USER_DATA, ConsentMode.Status.DENIED),
                entry(ConsentModeType.AD_PERSONALIZATION, ConsentMode.Status.DENIED),
                entry(ConsentModeType.FUNCTIONALITY_STORAGE, ConsentMode.Status.GRANTED),
                entry(ConsentModeType.PERSONALIZATION_STORAGE, ConsentMode.Status.DENIED), // not mapped
                entry(ConsentModeType.SECURITY_STORAGE, ConsentMode.Status.GRANTED));
    }

    @Test
    void missingDecisionsAreDenied() {
        ConsentMode mode = ConsentMode.derive(policy.signals().orElseThrow(), p -> null);
        assertThat(mode.signals().values()).containsOnly(ConsentMode.Status.DENIED);
        ConsentMode partly = ConsentMode.derive(policy.signals().orElseThrow(),
                p -> p.value().equals("device.storage") ? decision("device.storage", true) : null);
        assertThat(partly.status(ConsentModeType.FUNCTIONALITY_STORAGE)).isEqualTo(ConsentMode.Status.GRANTED);
        assertThat(partly.status(ConsentModeType.ANALYTICS_STORAGE)).isEqualTo(ConsentMode.Status.DENIED);
    }

    @Test
    void thePageGetsTheGtagObjectAndUploadsTheAdsConsentFields() {
        ConsentMode mode = ConsentMode.derive(policy.signals().orElseThrow(), p -> decision(p.value(), true));
        assertThat(mode.toGtagJson()).isEqualTo("{\"ad_storage\":\"granted\",\"analytics_storage\":\"granted\","
                + "\"ad_user_data\":\"granted\",\"ad_personalization\":\"granted\",\"functionality_storage\":\"granted\","
                + "\"personalization_storage\":\"denied\",\"security_storage\":\"granted\"}");
        assertThat(mode.uploadConsent().toJson()).isEqualTo("{\"adUserData\":\"GRANTED\",\"adPersonalization\":\"GRANTED\"}");
        ConsentMode none = ConsentMode.derive(policy.signals().orElseThrow(), p -> null);
        assertThat(none.uploadConsent()).isEqualTo(new AdsUploadConsent(ConsentMode.Status.DENIED,
                ConsentMode.Status.DENIED));
    }

    @Test
    void oneSubjectFromTheServicesDecisions() {
        SubjectId subject = SubjectId.of("c-1");
        signals.applyTcString(subject, TestStrings.tc(TestStrings.Tc.of(Set.of(1, 2, 3, 4, 8))
                .vendors(Set.of(755), Set.of(755))), RECEIVED);
        ConsentMode mode = modes.forSubject(subject);
        assertThat(mode.status(ConsentModeType.AD_STORAGE)).isEqualTo(ConsentMode.Status.GRANTED);
        assertThat(mode.status(ConsentModeType.AD_USER_DATA)).isEqualTo(ConsentMode.Status.GRANTED);
        assertThat(mode.status(ConsentModeType.ANALYTICS_STORAGE)).isEqualTo(ConsentMode.Status.GRANTED);
        assertThat(mode.status(ConsentModeType.SECURITY_STORAGE)).isEqualTo(ConsentMode.Status.GRANTED); // contract
        // a subject with no record: consent purposes have no grant, so everything on consent is denied
        ConsentMode unknown = modes.forSubject(SubjectId.of("nobody"));
        assertThat(unknown.status(ConsentModeType.AD_STORAGE)).isEqualTo(ConsentMode.Status.DENIED);
        assertThat(unknown.status(ConsentModeType.SECURITY_STORAGE)).isEqualTo(ConsentMode.Status.GRANTED);
    }

    @Test
    void manySubjectsInBulkAgreeWithOneByOne() {
        List<SubjectId> audience = List.of(SubjectId.of("a"), SubjectId.of("b"), SubjectId.of("c"));
        signals.applyTcString(audience.get(0), TestStrings.tc(TestStrings.Tc.of(Set.of(1, 2, 3, 4))
                .vendors(Set.of(755), Set.of(755))), RECEIVED);
        signals.applyTcString(audience.get(1), TestStrings.tc(TestStrings.Tc.of(Set.of(1, 8))), RECEIVED);
        Map<SubjectId, ConsentMode> bulk = modes.forSubjects(audience);
        assertThat(bulk.keySet()).containsExactlyElementsOf(audience);
        for (SubjectId s : audience) {
            assertThat(bulk.get(s)).as(s.value()).isEqualTo(modes.forSubject(s));
        }
        assertThat(modes.uploadConsents(audience)).containsExactly(
                entry(audience.get(0), new AdsUploadConsent(ConsentMode.Status.GRANTED, ConsentMode.Status.GRANTED)),
                entry(audience.get(1), new AdsUploadConsent(ConsentMode.Status.DENIED, ConsentMode.Status.DENIED)),
                entry(audience.get(2), new AdsUploadConsent(ConsentMode.Status.DENIED, ConsentMode.Status.DENIED)));
    }

    @Test
    void aMappedPurposeThePolicyInForceLacksIsDeniedNotAnError() {
        Policy other = dev.consent.policy.PolicyJson.read("""
                { "id": "other", "version": "1", "effectiveFrom": "2026-01-01", "timeZone": "UTC",
                  "categories": [ { "id": "device.id", "description": "Cookies" } ],
                  "purposes": [ { "id": "ads", "title": "Ads", "legalBasis": "CONTRACT", "categories": ["device.id"] } ] }
                """);
        try (ConsentService service = TestStrings.service(other)) {
            ConsentModes m = new ConsentModes(service, policy); // the mapping names purposes `other` does not declare
            assertThat(m.forSubject(SubjectId.of("x")).signals().values()).containsOnly(ConsentMode.Status.DENIED);
            assertThat(m.forSubjects(List.of(SubjectId.of("x"))).get(SubjectId.of("x")).signals().values())
                    .containsOnly(ConsentMode.Status.DENIED);
        }
    }
}
