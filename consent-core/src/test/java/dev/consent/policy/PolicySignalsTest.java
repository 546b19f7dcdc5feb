package dev.consent.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The policy's optional {@code signals} section: read strictly, each broken rule reported at its JSON path. */
class PolicySignalsTest {

    static final String SIGNALS = """
            {
              "tcf": {
                "purposes": [ { "id": 1, "purpose": "ads.targeted" }, { "id": 4, "purpose": "ads.targeted" },
                              { "id": 8, "purpose": "analytics" } ],
                "specialFeatures": [ { "id": 1, "purpose": "marketing" } ],
                "vendors": [ { "id": 755, "purpose": "ads.targeted" } ],
                "requireDisclosedVendors": false
              },
              "gpp": [
                { "section": "usnat", "saleOptOut": "ads.targeted", "sharingOptOut": "ads.targeted",
                  "targetedAdvertisingOptOut": "analytics",
                  "sensitiveDataProcessing": [ { "index": 8, "purpose": "marketing" } ],
                  "knownChildSensitiveDataConsents": [ { "index": 3, "purpose": "marketing.email" } ] }
              ],
              "consentMode": { "ad_storage": ["ads.targeted"], "analytics_storage": ["analytics"],
                               "ad_user_data": ["ads.targeted", "marketing"] }
            }
            """;

    static Policy read(String signals) throws Exception {
        ObjectNode doc = (ObjectNode) PolicyDocuments.MAPPER.readTree(PolicyDocuments.FULL);
        doc.set("signals", PolicyDocuments.MAPPER.readTree(signals));
        return PolicyJson.read(doc.toString());
    }

    static List<String> problems(String signals) {
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class, () -> read(signals));
        assertThat(e).as("expected the policy to be refused").isNotNull();
        return e.problems().stream().map(PolicyProblem::toString).toList();
    }

    @Test
    void readsEveryRuleOfTheSection() throws Exception {
        SignalMappings s = read(SIGNALS).signals().orElseThrow();
        SignalMappings.Tcf tcf = s.tcf().orElseThrow();
        assertThat(tcf.purposes()).containsExactly(new SignalMappings.TcfRule(1, PurposeId.of("ads.targeted")),
                new SignalMappings.TcfRule(4, PurposeId.of("ads.targeted")),
                new SignalMappings.TcfRule(8, PurposeId.of("analytics")));
        assertThat(tcf.specialFeatures()).containsExactly(new SignalMappings.TcfRule(1, PurposeId.of("marketing")));
        assertThat(tcf.vendors()).containsExactly(new SignalMappings.TcfRule(755, PurposeId.of("ads.targeted")));
        assertThat(tcf.requireDisclosedVendors()).isFalse();
        SignalMappings.GppSection usnat = s.gppSection("usnat").orElseThrow();
        assertThat(usnat.saleOptOut()).contains(PurposeId.of("ads.targeted"));
        assertThat(usnat.targetedAdvertisingOptOut()).contains(PurposeId.of("analytics"));
        assertThat(usnat.sensitiveDataProcessing()).containsExactly(
                new SignalMappings.GppIndexRule(8, PurposeId.of("marketing")));
        assertThat(usnat.knownChildSensitiveDataConsents()).containsExactly(
                new SignalMappings.GppIndexRule(3, PurposeId.of("marketing.email")));
        assertThat(s.gppSection("usca")).isEmpty();
        assertThat(s.consentMode()).containsExactly(
                Map.entry(SignalMappings.ConsentModeType.AD_STORAGE, List.of(PurposeId.of("ads.targeted"))),
                Map.entry(SignalMappings.ConsentModeType.ANALYTICS_STORAGE, List.of(PurposeId.of("analytics"))),
                Map.entry(SignalMappings.ConsentModeType.AD_USER_DATA,
                        List.of(PurposeId.of("ads.targeted"), PurposeId.of("marketing"))));
    }

    @Test
    void theSectionIsOptionalAndDisclosedVendorsAreRequiredByDefault() throws Exception {
        assertThat(PolicyJson.read(PolicyDocuments.FULL).signals()).isEmpty();
        SignalMappings s = read("{ \"tcf\": {} }").signals().orElseThrow();
        assertThat(s.tcf().orElseThrow().requireDisclosedVendors()).isTrue();
        assertThat(s.gpp()).isEmpty();
        assertThat(s.consentMode()).isEmpty();
    }

    record Case(String name, String signals, String problem) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> broken() {
        return Stream.of(
                new Case("unknown field in the section", "{ \"tfc\": {} }",
                        "$.signals.tfc: an object is not a known field (expected one of tcf, gpp, consentMode)"),
                new Case("unknown field in a TCF rule", "{ \"tcf\": { \"purposes\": [ { \"id\": 1, \"purpose\": "
                        + "\"marketing\", \"legal\": 1 } ] } }", "$.signals.tcf.purposes[0].legal: 1 is not a known "
                        + "field (expected one of id, purpose)"),
                new Case("undeclared purpose", "{ \"tcf\": { \"purposes\": [ { \"id\": 1, \"purpose\": \"nope\" } ] } }",
                        "$.signals.tcf.purposes[0].purpose: \"nope\" is not a declared purpose"),
                new Case("TCF purpose past 11", "{ \"tcf\": { \"purposes\": [ { \"id\": 12, \"purpose\": \"marketing\" } ] } }",
                        "$.signals.tcf.purposes[0].id: 12 is not a TCF purpose id (TCF v2.2 defines purposes 1 to 11)"),
                new Case("TCF special feature past 2", "{ \"tcf\": { \"specialFeatures\": [ { \"id\": 3, \"purpose\": "
                        + "\"marketing\" } ] } }", "$.signals.tcf.specialFeatures[0].id: 3 is not a TCF special feature "
                        + "id (TCF v2.2 defines special features 1 and 2)"),
                new Case("vendor id 0", "{ \"tcf\": { \"vendors\": [ { \"id\": 0, \"purpose\": \"marketing\" } ] } }",
                        "$.signals.tcf.vendors[0].id: 0 must be between 1 and 65535"),
                new Case("legitimate interest for TCF purpose 3", "{ \"tcf\": { \"purposes\": [ { \"id\": 3, "
                        + "\"purpose\": \"analytics\" } ] } }", "$.signals.tcf.purposes[0].purpose: \"analytics\" is "
                        + "on legal basis LEGITIMATE_INTERESTS, but TCF purpose 3 may not rest on legitimate interest "
                        + "since TCF v2.2 (purposes 3 to 6 need consent); map it onto a purpose on CONSENT"),
                new Case("special feature onto legitimate interest", "{ \"tcf\": { \"specialFeatures\": [ { \"id\": 1, "
                        + "\"purpose\": \"analytics\" } ] } }", "$.signals.tcf.specialFeatures[0].purpose: "
                        + "\"analytics\" is on legal basis LEGITIMATE_INTERESTS, but a TCF special feature is opt-in "
                        + "only; map it onto a purpose on CONSENT"),
                new Case("a rule twice", "{ \"tcf\": { \"vendors\": [ { \"id\": 7, \"purpose\": \"marketing\" }, "
                        + "{ \"id\": 7, \"purpose\": \"marketing\" } ] } }", "$.signals.tcf.vendors[1]: {id 7, purpose "
                        + "\"marketing\"} is listed twice (first at $.signals.tcf.vendors[0])"),
                new Case("a contract purpose", "{ \"gpp\": [ { \"section\": \"usnat\", \"saleOptOut\": "
                        + "\"order.fulfilment\" } ] }", "$.signals.gpp[0].saleOptOut: \"order.fulfilment\" is on legal "
                        + "basis CONTRACT, which takes no choice a consent signal could record; map signals onto "
                        + "purposes on CONSENT, LEGITIMATE_INTERESTS or PUBLIC_TASK"),
                new Case("an unknown GPP section", "{ \"gpp\": [ { \"section\": \"uspv1\" } ] }",
                        "$.signals.gpp[0].section: \"uspv1\" is not a GPP section a policy may map (expected one of "
                        + "usnat, usca, usva, usco, usut, usct, usfl, usmt, usor, ustx, usde, usia, usne, usnh, usnj)"),
                new Case("a field the section lacks", "{ \"gpp\": [ { \"section\": \"usca\", "
                        + "\"targetedAdvertisingOptOut\": \"marketing\" } ] }", "$.signals.gpp[0].targetedAdvertisingOptOut: "
                        + "\"marketing\" cannot be mapped: section usca has no field TargetedAdvertisingOptOut (IAB "
                        + "Tech Lab GPP, California Privacy Technical Specification)"),
                new Case("a sensitive-data position past the section's", "{ \"gpp\": [ { \"section\": \"usca\", "
                        + "\"sensitiveDataProcessing\": [ { \"index\": 10, \"purpose\": \"marketing\" } ] } ] }",
                        "$.signals.gpp[0].sensitiveDataProcessing[0].index: 10 is not a position of "
                        + "SensitiveDataProcessing in section usca, which has 9 (1 to 9; IAB Tech Lab GPP, California "
                        + "Privacy Technical Specification)"),
                new Case("a child-consent position past a single value", "{ \"gpp\": [ { \"section\": \"usva\", "
                        + "\"knownChildSensitiveDataConsents\": [ { \"index\": 2, \"purpose\": \"marketing\" } ] } ] }",
                        "$.signals.gpp[0].knownChildSensitiveDataConsents[0].index: 2 is not a position of "
                        + "KnownChildSensitiveDataConsents in section usva, which has 1 (1 to 1; IAB Tech Lab GPP, "
                        + "Virginia Privacy Technical Specification)"),
                new Case("a position twice", "{ \"gpp\": [ { \"section\": \"usnat\", \"sensitiveDataProcessing\": "
                        + "[ { \"index\": 2, \"purpose\": \"marketing\" }, { \"index\": 2, \"purpose\": \"analytics\" } ] } ] }",
                        "$.signals.gpp[0].sensitiveDataProcessing[1].index: 2 is mapped twice (first at "
                        + "$.signals.gpp[0].sensitiveDataProcessing[0])"),
                new Case("a section twice", "{ \"gpp\": [ { \"section\": \"usnat\" }, { \"section\": \"usnat\" } ] }",
                        "$.signals.gpp[1].section: \"usnat\" is mapped twice (first at $.signals.gpp[0])"),
                new Case("an unknown Consent Mode type", "{ \"consentMode\": { \"ads_storage\": [\"marketing\"] } }",
                        "$.signals.consentMode.ads_storage: an array is not a known field (expected one of ad_storage, "
                        + "analytics_storage, ad_user_data, ad_personalization, functionality_storage, "
                        + "personalization_storage, security_storage)"),
                new Case("an empty Consent Mode type", "{ \"consentMode\": { \"ad_storage\": [] } }",
                        "$.signals.consentMode.ad_storage: [] must name at least one purpose, or be left out (a type "
                        + "left out is always denied)"),
                new Case("an undeclared Consent Mode purpose", "{ \"consentMode\": { \"ad_storage\": [\"nope\"] } }",
                        "$.signals.consentMode.ad_storage[0]: \"nope\" is not a declared purpose"),
                new Case("a GPP section not an object", "{ \"gpp\": [ \"usnat\" ] }",
                        "$.signals.gpp[0]: \"usnat\" must be an object"));
    }

    @ParameterizedTest
    @MethodSource("broken")
    void refusesABrokenMappingNamingWhereAndWhy(Case c) {
        assertThat(problems(c.signals())).containsExactly(c.problem());
    }

    @Test
    void theBuilderChecksTheSameRulesWithTheSamePaths() {
        Policy.Builder b = Policy.builder("shop", "1").effectiveFrom(java.time.LocalDate.of(2025, 1, 1))
                .zone(java.time.ZoneId.of("UTC")).category("device.id", "Cookie ids")
                .purpose(Purpose.builder("ads").title("Ads").basis(LegalBasis.CONSENT).categories("device.id").build())
                .signals(new SignalMappings(Optional.of(new SignalMappings.Tcf(
                        List.of(new SignalMappings.TcfRule(0, PurposeId.of("ads"))), List.of(), List.of(), true)),
                        List.of(), Map.of(SignalMappings.ConsentModeType.AD_STORAGE, List.of(PurposeId.of("adz")))));
        assertThatThrownBy(b::build).isInstanceOfSatisfying(InvalidPolicyException.class, e ->
                assertThat(e.problems()).extracting(PolicyProblem::toString).containsExactly(
                        "$.signals.tcf.purposes[0].id: 0 is not a TCF purpose id (TCF v2.2 defines purposes 1 to 11)",
                        "$.signals.consentMode.ad_storage[0]: \"adz\" is not a declared purpose"));
    }
}
