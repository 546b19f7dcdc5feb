package dev.consent.examples.seeds;

import dev.consent.Decision;
import dev.consent.Reason;
import dev.consent.examples.SeedPolicies;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.SubjectLocation;
import dev.consent.policy.Jurisdiction;
import dev.consent.policy.JurisdictionId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Seeds 000 (Overview: "strictly complying with applicable data protection laws ... (such as GDPR principles), to
 * ensure that your personal privacy is protected to the highest degree") and 002 (Information Collection Scope and
 * Purpose: "international privacy standards worldwide", "every instance of data collection occurs only with the
 * user's explicit consent") hold every user, wherever they are, to the GDPR's rules: one fallback jurisdiction with
 * {@code gdpr}. The other seeds name no jurisdiction and declare none. Neither text names Global Privacy Control: the
 * library's rule without jurisdictions (a signal opts out where no explicit choice stands) is kept as BINDING.
 */
class SeedJurisdictionsTest {

    @ParameterizedTest
    @ValueSource(strings = {SeedPolicies.SELL4SERVICE, SeedPolicies.GLOBAL_MARKETPLACE})
    void everyUserWhereverTheyAreIsHeldToTheGdprsRules(String seed) {
        Policy policy = SeedPolicies.load(seed);
        Jurisdiction worldwide = policy.jurisdictionRules().orElseThrow().all().get(0);
        assertThat(policy.jurisdictionRules().orElseThrow().all()).hasSize(1);
        assertThat(worldwide.fallback()).isTrue();
        assertThat(worldwide.gdpr()).isTrue();
        assertThat(worldwide.gpcBinds()).isTrue();
        try (Shop shop = Shop.of(seed, "2025-03-03T10:00:00Z")) {
            SubjectId californian = SubjectId.of("customer-ca");
            shop.consents.recordLocation(californian, SubjectLocation.of("US-CA", SubjectLocation.Source.BILLING_COUNTRY),
                    Capture.by(Method.WEB_FORM));
            for (Purpose p : policy.purposes()) {
                Decision d = shop.consents.check(californian, p.id());
                assertThat(d.jurisdiction()).contains(JurisdictionId.of("WORLDWIDE"));
                if (p.basis() == LegalBasis.CONSENT) {
                    assertThat(d.reason()).as(p.id().value()).isEqualTo(Reason.NO_RECORD); // opt-in in California too
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {SeedPolicies.EXAMPLE_COMPANY, SeedPolicies.TAX_COMPLIANT_SHOP, SeedPolicies.HAPPYSELL})
    void seedsThatNameNoJurisdictionDeclareNone(String seed) {
        assertThat(SeedPolicies.load(seed).jurisdictionRules()).isEqualTo(Optional.empty());
    }

    @ParameterizedTest
    @ValueSource(strings = {SeedPolicies.SELL4SERVICE, SeedPolicies.GLOBAL_MARKETPLACE})
    void theGdprRuleRefusesAnOptOutConsentInTheSeedPolicy(String seed) throws Exception {
        String json = new String(SeedPolicies.class.getResourceAsStream("/policies/" + seed).readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        Policy policy = SeedPolicies.load(seed);
        String consent = policy.purposes().stream().filter(p -> p.basis() == LegalBasis.CONSENT).findFirst()
                .orElseThrow().id().value();
        String weakened = json.replace("\"gpc\": \"BINDING\" }",
                "\"gpc\": \"BINDING\", \"mechanisms\": [ { \"purpose\": \"" + consent + "\", \"mechanism\": \"OPT_OUT\" } ] }");
        assertThat(weakened).isNotEqualTo(json);
        assertThatThrownBy(() -> dev.consent.policy.PolicyJson.read(weakened))
                .isInstanceOf(dev.consent.policy.InvalidPolicyException.class)
                .hasMessageContaining("$.jurisdictionRules[0].mechanisms[0].mechanism")
                .hasMessageContaining("where the GDPR applies");
    }
}
