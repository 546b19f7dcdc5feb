package dev.consent.signals;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.PurposeId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/** Applying strings: each mapping rule, the evidence, repeats, newer and older strings, unmapped sections. */
class ConsentSignalsTest {
    static final Instant RECEIVED = Instant.parse("2026-06-01T10:00:00Z");
    final Policy policy = TestStrings.policy();
    final ConsentService consents = TestStrings.service(policy);
    final ConsentSignals signals = new ConsentSignals(consents, policy);
    final SubjectId subject = SubjectId.of("customer-1");

    @AfterEach
    void close() {
        consents.close();
    }

    static Map<String, Choice> choices(SignalResult r) {
        Map<String, Choice> out = new LinkedHashMap<>();
        r.choices().forEach(c -> out.put(c.purpose().value(), c.choice()));
        return out;
    }

    SignalResult tc(TestStrings.Tc c, Instant received) {
        return signals.applyTcString(subject, TestStrings.tc(c), received);
    }

    SignalResult gpp(Map<String, Map<String, Object>> sections, Instant received) {
        return signals.applyGppString(subject, TestStrings.gpp(sections, null), received);
    }

    @Test
    void tcfPurposeBitsGrantOrDenyAndEveryBitMappedOntoAPurposeMustBeSet() {
        SignalResult r = tc(TestStrings.Tc.of(Set.of(1, 2, 3, 8)).li(Set.of(7)).vendors(Set.of(755), Set.of(755)),
                RECEIVED);
        assertThat(r.status()).isEqualTo(SignalResult.Status.APPLIED);
        // ads.personalised follows purposes 2, 3 and 4 and vendor 755: purpose 4 is clear, so it is denied
        assertThat(choices(r)).containsExactly(entry("device.storage", Choice.GRANTED),
                entry("ads.personalised", Choice.DENIED), entry("ads.measurement", Choice.GRANTED),
                entry("analytics", Choice.GRANTED), entry("geo.precise", Choice.DENIED));
        assertThat(r.choices().get(1).signals()).containsExactly("tcf purpose 2 consent: set",
                "tcf purpose 3 consent: set", "tcf purpose 4 consent: clear", "tcf vendor 755 consent: set");
        assertThat(consents.check(subject, PurposeId.of("device.storage")).allowed()).isTrue();
        assertThat(consents.check(subject, PurposeId.of("ads.personalised")).allowed()).isFalse();
    }

    @Test
    void aLegitimateInterestBitClearIsAnObjectionAndSpecialFeaturesAndVendorsSpeak() {
        SignalResult r = tc(TestStrings.Tc.of(Set.of(2, 3, 4)).features(Set.of(1)).vendors(Set.of(755), Set.of(755)),
                RECEIVED);
        assertThat(choices(r)).containsEntry("ads.measurement", Choice.OBJECTED)
                .containsEntry("geo.precise", Choice.GRANTED).containsEntry("ads.personalised", Choice.GRANTED);
        assertThat(consents.check(subject, PurposeId.of("ads.measurement")).allowed()).isFalse();
    }

    @Test
    void aVendorConsentDoesNotCountForAVendorThatWasNotDisclosed() {
        SignalResult r = tc(TestStrings.Tc.of(Set.of(2, 3, 4)).vendors(Set.of(755), Set.of(10)), RECEIVED);
        assertThat(choices(r)).containsEntry("ads.personalised", Choice.DENIED);
        assertThat(r.choices().stream().filter(c -> c.purpose().value().equals("ads.personalised")).findFirst()
                .orElseThrow().signals()).contains("tcf vendor 755 consent: not disclosed");
    }

    @Test
    void aStringWithoutDisclosedVendorsIsRefusedWhenThePolicyRequiresThem() {
        String full = TestStrings.tc(TestStrings.Tc.of(Set.of(1)));
        String coreOnly = full.substring(0, full.indexOf('.'));
        assertThatThrownBy(() -> signals.applyTcString(subject, coreOnly, RECEIVED))
                .isInstanceOfSatisfying(InvalidSignalException.class, e -> {
                    assertThat(e.field()).isEqualTo("DisclosedVendors");
                    assertThat(e.rule()).contains("TCF v2.3 makes it mandatory");
                });
        assertThat(consents.history(subject)).isEmpty();
    }

    @Test
    void theEvidenceHoldsTheHashCmpTimesAndVendorListVersion() {
        String s = TestStrings.tc(TestStrings.Tc.of(Set.of(1)));
        SignalResult r = signals.applyTcString(subject, s, RECEIVED);
        assertThat(r.sha256()).isEqualTo(TcString.sha256(s));
        ConsentEvent e = r.events().get(0);
        assertThat(e.method()).isEqualTo(Method.COOKIE_BANNER);
        assertThat(e.actor()).isEqualTo(Actor.SUBJECT);
        assertThat(e.occurredAt()).isEqualTo(RECEIVED);
        assertThat(e.evidence().noticeId()).isEqualTo("iab-tcf-v2");
        assertThat(e.evidence().noticeHash()).isEqualTo(TcString.sha256(s));
        assertThat(e.evidence().locale()).isEqualTo("de");
        assertThat(e.evidence().reference()).isEqualTo("lastUpdated=2026-06-01T00:00:00Z;created=2026-06-01T00:00:00Z;"
                + "cmpId=300;cmpVersion=7;vendorListVersion=150;policyVersion=5");
    }

    @Test
    void theSameStringTwiceWritesNothingNew() {
        String s = TestStrings.tc(TestStrings.Tc.of(Set.of(1, 8)));
        SignalResult first = signals.applyTcString(subject, s, RECEIVED);
        int events = consents.history(subject).size();
        SignalResult again = signals.applyTcString(subject, s, RECEIVED.plusSeconds(60));
        assertThat(again.status()).isEqualTo(SignalResult.Status.ALREADY_APPLIED);
        assertThat(again.events()).isEqualTo(first.events());
        assertThat(consents.history(subject)).hasSize(events);
    }

    @Test
    void aNewerStringSupersedesAndAnOlderOneIsIgnored() {
        tc(TestStrings.Tc.of(Set.of(1, 8)).updated("2026-06-01T00:00:00Z"), RECEIVED);
        SignalResult newer = tc(TestStrings.Tc.of(Set.of(1)).updated("2026-06-02T00:00:00Z"), RECEIVED.plusSeconds(3600));
        assertThat(newer.status()).isEqualTo(SignalResult.Status.APPLIED);
        assertThat(consents.check(subject, PurposeId.of("analytics")).allowed()).isFalse();
        int events = consents.history(subject).size();

        SignalResult older = tc(TestStrings.Tc.of(Set.of(1, 8)).updated("2026-05-20T00:00:00Z"),
                RECEIVED.plusSeconds(7200));
        assertThat(older.status()).isEqualTo(SignalResult.Status.STALE);
        assertThat(older.detail()).isEqualTo("its LastUpdated 2026-05-20T00:00:00Z is before 2026-06-02T00:00:00Z, "
                + "that of a string applied already");
        assertThat(older.events()).isEmpty();
        assertThat(choices(older)).containsEntry("analytics", Choice.GRANTED); // what it would have implied
        assertThat(consents.history(subject)).hasSize(events);
        assertThat(consents.check(subject, PurposeId.of("analytics")).allowed()).isFalse();
    }

    @Test
    void aStringReceivedBeforeTheOneAppliedIsIgnored() {
        gpp(Map.of("usnat", Map.of("SaleOptOut", 1)), RECEIVED);
        SignalResult earlier = gpp(Map.of("usnat", Map.of("SaleOptOut", 2)), RECEIVED.minusSeconds(1));
        assertThat(earlier.status()).isEqualTo(SignalResult.Status.STALE);
        assertThat(earlier.detail()).startsWith("it was received at 2026-06-01T09:59:59Z, not after");
        assertThat(consents.check(subject, PurposeId.of("ads.sale")).allowed()).isFalse();
    }

    @Test
    void gppOptOutsRefuseAndNotOptingOutLiftsAnObjectionButIsNeverConsent() {
        SignalResult out = gpp(Map.of("usnat", Map.of("SaleOptOut", 1, "SharingOptOut", 2,
                "TargetedAdvertisingOptOut", 1)), RECEIVED);
        assertThat(choices(out)).containsExactly(entry("ads.sale", Choice.OBJECTED),
                entry("ads.targeted", Choice.DENIED));
        SignalResult in = gpp(Map.of("usnat", Map.of("SaleOptOut", 2, "SharingOptOut", 2,
                "TargetedAdvertisingOptOut", 2)), RECEIVED.plusSeconds(10));
        // ads.sale is on legitimate interests: not opting out lifts the objection; ads.targeted is on consent
        assertThat(choices(in)).containsExactly(entry("ads.sale", Choice.GRANTED));
        assertThat(in.choices().get(0).signals()).containsExactly("gpp usnat.SaleOptOut: 2 did not opt out",
                "gpp usnat.SharingOptOut: 2 did not opt out");
        assertThat(consents.check(subject, PurposeId.of("ads.sale")).allowed()).isTrue();
        assertThat(consents.check(subject, PurposeId.of("ads.targeted")).allowed()).isFalse();
    }

    @Test
    void gppConsentFieldsGrantOrDenyAndNotApplicableIsSilent() {
        List<Integer> sensitive = new java.util.ArrayList<>(java.util.Collections.nCopies(16, 0));
        sensitive.set(2, 2);
        SignalResult granted = gpp(Map.of("usnat", Map.of("SensitiveDataProcessing", sensitive,
                "KnownChildSensitiveDataConsents", List.of(1, 0, 0))), RECEIVED);
        assertThat(choices(granted)).containsExactly(entry("health.ads", Choice.GRANTED),
                entry("kids.data", Choice.DENIED));
        sensitive.set(2, 0);
        SignalResult silent = gpp(Map.of("usnat", Map.of("SensitiveDataProcessing", sensitive)),
                RECEIVED.plusSeconds(1));
        assertThat(silent.status()).isEqualTo(SignalResult.Status.NOTHING_IMPLIED);
        assertThat(silent.events()).isEmpty();
    }

    @Test
    void californiasSensitiveDataFieldIsAnOptOutSoItsTwoIsNotConsent() {
        SignalResult r = gpp(Map.of("usca", Map.of("SensitiveDataProcessing", List.of(0, 0, 0, 2, 0, 0, 0, 0, 0))),
                RECEIVED);
        assertThat(r.status()).isEqualTo(SignalResult.Status.NOTHING_IMPLIED);
        assertThat(r.choices()).isEmpty();
        SignalResult out = gpp(Map.of("usca", Map.of("SensitiveDataProcessing", List.of(0, 0, 0, 1, 0, 0, 0, 0, 0))),
                RECEIVED.plusSeconds(1));
        assertThat(choices(out)).containsExactly(entry("health.ads", Choice.DENIED));
    }

    @Test
    void sectionsTheMappingDoesNotKnowAreReportedUnmappedNeverGuessed() {
        SignalResult r = gpp(Map.of("usva", Map.of("SaleOptOut", 1), "uspv1", Map.of("Notice", "Y",
                "OptOutSale", "Y", "LspaCovered", "N"), "usnat", Map.of("SaleOptOut", 1)), RECEIVED);
        assertThat(choices(r)).containsExactly(entry("ads.sale", Choice.OBJECTED));
        assertThat(r.unmapped()).containsExactly(
                new Unmapped("usva (GPP section 9)", "the policy maps no field of it"),
                new Unmapped("uspv1 (GPP section 6)", "not a section this library interprets (mappable sections: "
                        + "usnat, usca, usva, usco, usut, usct, usfl, usmt, usor, ustx, usde, usia, usne, usnh, usnj)"));
        assertThat(r.events()).singleElement().satisfies(e -> {
            assertThat(e.evidence().noticeId()).isEqualTo("iab-gpp-v1");
            assertThat(e.evidence().reference()).isEqualTo("sections=6,7,9");
        });
    }

    @Test
    void aGppStringsTcfSectionIsMappedAsATcStringIs() {
        String s = TestStrings.gpp(Map.of("usnat", Map.of("SaleOptOut", 1)), TestStrings.Tc.of(Set.of(1)));
        SignalResult r = signals.applyGppString(subject, s, RECEIVED);
        assertThat(choices(r)).containsEntry("device.storage", Choice.GRANTED).containsEntry("ads.sale",
                Choice.OBJECTED);
        assertThat(r.events().get(0).evidence().reference()).startsWith("lastUpdated=2026-06-01T00:00:00Z;")
                .endsWith(";sections=2,7");
    }

    @Test
    void theSameStringForTwoSubjectsIsRecordedForEach() {
        String s = TestStrings.tc(TestStrings.Tc.of(Set.of(1)));
        signals.applyTcString(subject, s, RECEIVED);
        SignalResult other = signals.applyTcString(SubjectId.of("customer-2"), s, RECEIVED);
        assertThat(other.status()).isEqualTo(SignalResult.Status.APPLIED);
        assertThat(consents.check(SubjectId.of("customer-2"), PurposeId.of("device.storage")).allowed()).isTrue();
    }

    @Test
    void aPolicyWithoutSignalsCannotApplyThem() {
        Policy plain = PolicyJson.read("""
                { "id": "plain", "version": "1", "effectiveFrom": "2026-01-01", "timeZone": "UTC",
                  "categories": [ { "id": "device.id", "description": "Cookies" } ],
                  "purposes": [ { "id": "ads", "title": "Ads", "legalBasis": "CONSENT", "categories": ["device.id"] } ] }
                """);
        assertThatThrownBy(() -> new ConsentSignals(consents, plain)).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("the policy maps no consent signals onto its purposes");
        assertThatThrownBy(() -> new ConsentModes(consents, plain)).isInstanceOf(InvalidValueException.class);
    }
}
