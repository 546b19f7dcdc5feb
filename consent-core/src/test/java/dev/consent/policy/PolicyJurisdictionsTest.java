package dev.consent.policy;

import dev.consent.JurisdictionPolicies;
import dev.consent.rights.DeadlineTerm;
import dev.consent.rights.RequestType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The policy's optional {@code jurisdictionRules} section: read strictly, each broken rule reported at its path. */
class PolicyJurisdictionsTest {
    private static final String CA = "{\"id\":\"US-CA\",\"title\":\"California\",\"regions\":[\"US-CA\"],"
            + "\"gpc\":\"BINDING\"}";

    static Policy read(String rules) {
        return PolicyJson.read(JurisdictionPolicies.BASE.formatted(",\"jurisdictionRules\":" + rules));
    }

    static List<String> problems(String rules) {
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class, () -> read(rules));
        assertThat(e).as("expected the policy to be refused").isNotNull();
        return e.problems().stream().map(PolicyProblem::toString).toList();
    }

    @Test
    void readsEveryRuleOfTheSection() {
        JurisdictionRules rules = JurisdictionPolicies.withJurisdictions().jurisdictionRules().orElseThrow();
        assertThat(rules.all()).extracting(Jurisdiction::id).extracting(JurisdictionId::value)
                .containsExactly("EEA", "US-CA", "US-VA", "OTHER");
        Jurisdiction eea = rules.find(JurisdictionId.of("EEA")).orElseThrow();
        assertThat(eea.gdpr()).isTrue();
        assertThat(eea.regions()).hasSize(30).contains("DE", "NO", "IS", "LI").doesNotContain("GB", "CH");
        assertThat(eea.gpc()).isEqualTo(GpcRule.ADVISORY);
        assertThat(eea.mechanisms()).containsEntry(PurposeId.of("analytics"), Mechanism.OPT_IN);
        DeadlineTerm month = eea.rightsTerm(RequestType.ERASURE).orElseThrow().deadline();
        assertThat(month.amount()).isEqualTo(1);
        assertThat(month.unit()).isEqualTo(DeadlineTerm.Unit.MONTHS);
        assertThat(month.extension()).contains(DeadlineTerm.Extension.by(2, DeadlineTerm.Unit.MONTHS));
        Jurisdiction ca = rules.find(JurisdictionId.of("US-CA")).orElseThrow();
        assertThat(ca.gpcBinds()).isTrue();
        assertThat(ca.optOutPurposes(OptOut.SALE_OR_SHARING)).containsExactly(PurposeId.of("ads.targeted"));
        assertThat(ca.optOutPurposes(OptOut.SENSITIVE_DATA_USE)).containsExactly(PurposeId.of("recommendations"));
        assertThat(ca.rightsTerm(RequestType.ACCESS).orElseThrow().deadline().acknowledgeWithin()).isPresent();
        Jurisdiction va = rules.find(JurisdictionId.of("US-VA")).orElseThrow();
        assertThat(va.rightAvailable(RequestType.ACCESS)).isTrue();
        assertThat(va.rightAvailable(RequestType.ERASURE)).isFalse();
        Jurisdiction other = rules.find(JurisdictionId.of("OTHER")).orElseThrow();
        assertThat(other.fallback()).isTrue();
        assertThat(other.rightAvailable(RequestType.PORTABILITY)).as("no rights listed: the policy's own").isTrue();
    }

    @Test
    void theSectionIsOptional() {
        assertThat(JurisdictionPolicies.withoutJurisdictions().jurisdictionRules()).isEmpty();
    }

    @Test
    void aLocationFindsItsJurisdictionAndAnUnknownOneTheStrictestRules() {
        JurisdictionRules rules = JurisdictionPolicies.withJurisdictions().jurisdictionRules().orElseThrow();
        assertThat(rules.forRegion(Optional.of("US-CA")).id().value()).isEqualTo("US-CA");
        assertThat(rules.forRegion(Optional.of("FR")).id().value()).isEqualTo("EEA");
        assertThat(rules.forRegion(Optional.of("FR-75")).id().value()).isEqualTo("EEA");
        assertThat(rules.forRegion(Optional.of("BR")).id().value()).isEqualTo("OTHER");
        Jurisdiction strictest = rules.forRegion(Optional.empty());
        assertThat(strictest.id()).isEqualTo(JurisdictionId.UNKNOWN);
        Policy policy = JurisdictionPolicies.withJurisdictions();
        assertThat(strictest.mechanismOf(policy.purpose(PurposeId.of("ads.targeted")))).isEqualTo(Mechanism.OPT_IN);
        assertThat(strictest.mechanismOf(policy.purpose(PurposeId.of("analytics")))).isEqualTo(Mechanism.OPT_IN);
        assertThat(strictest.mechanismOf(policy.purpose(PurposeId.of("orders")))).isEqualTo(Mechanism.NOTICE_ONLY);
        assertThat(strictest.gpcBinds()).isTrue();
        assertThat(strictest.gdpr()).isTrue();
        assertThat(strictest.optOutPurposes(OptOut.SALE_OR_SHARING)).containsExactly(PurposeId.of("ads.targeted"));
        // without a fallback, a location no jurisdiction lists is held to the strictest rules too
        JurisdictionRules noFallback = read("[" + CA + "]").jurisdictionRules().orElseThrow();
        assertThat(noFallback.forRegion(Optional.of("BR")).id()).isEqualTo(JurisdictionId.UNKNOWN);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            empty section | [] | $.jurisdictionRules: [] must declare at least one jurisdiction, or be left out
            unknown field | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","law":"CCPA"}] | $.jurisdictionRules[0].law: "CCPA" is not a known field
            missing gpc | [{"id":"US-CA","title":"CA","regions":["US-CA"]}] | $.jurisdictionRules[0].gpc: is required
            gpc not a rule | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"YES"}] | $.jurisdictionRules[0].gpc: "YES" is not one of BINDING, ADVISORY
            missing title | [{"id":"US-CA","regions":["US-CA"],"gpc":"BINDING"}] | $.jurisdictionRules[0].title: is required
            malformed id | [{"id":"us-ca","title":"CA","regions":["US-CA"],"gpc":"BINDING"}] | $.jurisdictionRules[0].id: "us-ca" must be upper-case letters and digits
            reserved id | [{"id":"UNKNOWN","title":"?","regions":["US-CA"],"gpc":"BINDING"}] | $.jurisdictionRules[0].id: "UNKNOWN" is reserved for the strictest rules
            id twice | [{"id":"US","title":"A","regions":["US-CA"],"gpc":"BINDING"},{"id":"US","title":"B","regions":["US-CO"],"gpc":"BINDING"}] | $.jurisdictionRules[1].id: "US" is declared twice (first at $.jurisdictionRules[0])
            region not a code | [{"id":"US-CA","title":"CA","regions":["California"],"gpc":"BINDING"}] | $.jurisdictionRules[0].regions[0]: "California" must be an ISO 3166-1 alpha-2 country code
            EU is not a location | [{"id":"EU","title":"EU","regions":["EU"],"gpc":"ADVISORY"}] | $.jurisdictionRules[0].regions[0]: "EU" must be an ISO 3166-1 alpha-2 country code
            region twice | [{"id":"A","title":"A","regions":["US-CA"],"gpc":"BINDING"},{"id":"B","title":"B","regions":["US-CA"],"gpc":"BINDING"}] | $.jurisdictionRules[1].regions[0]: "US-CA" is covered by another jurisdiction already (at $.jurisdictionRules[0].regions[0])
            no regions | [{"id":"US-CA","title":"CA","gpc":"BINDING"}] | $.jurisdictionRules[0].regions: [] must list at least one country or subdivision, unless the jurisdiction is the fallback
            two fallbacks | [{"id":"A","title":"A","fallback":true,"gpc":"BINDING"},{"id":"B","title":"B","fallback":true,"gpc":"BINDING"}] | $.jurisdictionRules[1].fallback: true is set already (at $.jurisdictionRules[0])
            undeclared purpose | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","mechanisms":[{"purpose":"profiling","mechanism":"OPT_OUT"}]}] | $.jurisdictionRules[0].mechanisms[0].purpose: "profiling" is not a declared purpose
            mechanism twice | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","mechanisms":[{"purpose":"analytics","mechanism":"OPT_OUT"},{"purpose":"analytics","mechanism":"OPT_IN"}]}] | $.jurisdictionRules[0].mechanisms[1].purpose: "analytics" has a mechanism already (at $.jurisdictionRules[0].mechanisms[0])
            mechanism not one | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","mechanisms":[{"purpose":"analytics","mechanism":"OPTIN"}]}] | $.jurisdictionRules[0].mechanisms[0].mechanism: "OPTIN" is not one of OPT_IN, OPT_OUT, NOTICE_ONLY
            consent opt-out under the GDPR | [{"id":"EEA","title":"EEA","regions":["DE"],"gdpr":true,"gpc":"ADVISORY","mechanisms":[{"purpose":"ads.targeted","mechanism":"OPT_OUT"}]}] | $.jurisdictionRules[0].mechanisms[0].mechanism: "OPT_OUT" is weaker than OPT_IN, which purpose ads.targeted on legal basis CONSENT needs where the GDPR applies
            objection lost under the GDPR | [{"id":"UK","title":"UK","regions":["GB"],"gdpr":true,"gpc":"ADVISORY","mechanisms":[{"purpose":"analytics","mechanism":"NOTICE_ONLY"}]}] | $.jurisdictionRules[0].mechanisms[0].mechanism: "NOTICE_ONLY" is weaker than OPT_OUT, which purpose analytics on legal basis LEGITIMATE_INTERESTS needs where the GDPR applies (the right to object, GDPR Art. 21)
            a contract made a choice | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","mechanisms":[{"purpose":"orders","mechanism":"OPT_IN"}]}] | $.jurisdictionRules[0].mechanisms[0].mechanism: "OPT_IN" cannot hold purpose orders on legal basis CONTRACT
            sale not flagged | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","doNotSellOrShare":["marketing.email"]}] | $.jurisdictionRules[0].doNotSellOrShare[0]: "marketing.email" is not flagged saleOrSharing
            sensitive without sensitive data | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","limitSensitiveUse":["marketing.email"]}] | $.jurisdictionRules[0].limitSensitiveUse[0]: "marketing.email" uses no sensitive category
            opt-out of a contract | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","limitSensitiveUse":["orders"]}] | $.jurisdictionRules[0].limitSensitiveUse[0]: "orders" rests on legal basis CONTRACT, which gives nothing to opt out of
            opt-out of nothing | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","doNotSellOrShare":[]}] | $.jurisdictionRules[0].doNotSellOrShare: [] must name at least one purpose, or be left out
            opt-out of an undeclared purpose | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","doNotSellOrShare":["profiling"]}] | $.jurisdictionRules[0].doNotSellOrShare[0]: "profiling" is not a declared purpose
            a right twice | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","rights":[{"types":["ACCESS"],"within":45,"unit":"CALENDAR_DAYS"},{"types":["ACCESS"],"within":10,"unit":"CALENDAR_DAYS"}]}] | $.jurisdictionRules[0].rights[1].types[0]: "ACCESS" has a deadline already (at $.jurisdictionRules[0].rights[0].types[0])
            a right without a deadline | [{"id":"US-CA","title":"CA","regions":["US-CA"],"gpc":"BINDING","rights":[{"types":["ACCESS"],"unit":"CALENDAR_DAYS"}]}] | $.jurisdictionRules[0].rights[0].within: is required
            """)
    void eachBrokenRuleIsReportedAtItsPath(String name, String rules, String expected) {
        assertThat(problems(rules)).as(name).anySatisfy(p -> assertThat(p).startsWith(expected));
    }

    @Test
    void theBuilderIsHeldToTheSameRules() {
        Policy.Builder b = Policy.builder("shop", "1").effectiveFrom(java.time.LocalDate.of(2024, 1, 1)).zone(java.time.ZoneOffset.UTC)
                .category("device.id", "Cookie ids")
                .purpose(Purpose.builder("ads").title("Ads").basis(LegalBasis.CONSENT).categories("device.id")
                        .saleOrSharing(true).build())
                .jurisdiction(Jurisdiction.builder(JurisdictionId.of("EEA"), "EEA").regions("DE").gdpr()
                        .gpc(GpcRule.ADVISORY).mechanism(PurposeId.of("ads"), Mechanism.OPT_OUT).build());
        InvalidPolicyException e = catchThrowableOfType(InvalidPolicyException.class, b::build);
        assertThat(e.problems()).extracting(PolicyProblem::path)
                .containsExactly("$.jurisdictionRules[0].mechanisms[0].mechanism");
    }
}
