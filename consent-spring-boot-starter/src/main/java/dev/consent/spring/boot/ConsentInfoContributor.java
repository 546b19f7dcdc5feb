package dev.consent.spring.boot;

import dev.consent.ConsentService;
import dev.consent.policy.Policy;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adds {@code consent} to the info endpoint: the id, version and effective date of the policy in force now, and how
 * many policy versions the consent service holds. Public facts of the policy only, no personal data.
 */
public class ConsentInfoContributor implements InfoContributor {
    private final ConsentService consents;

    /** @param consents the service whose policy in force is shown */
    public ConsentInfoContributor(ConsentService consents) {
        this.consents = consents;
    }

    @Override
    public void contribute(Info.Builder builder) {
        Policy policy = consents.policy();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("policyId", policy.id());
        details.put("policyVersion", policy.version());
        details.put("policyEffectiveFrom", policy.effectiveFrom().toString());
        details.put("policyVersions", consents.policyVersions().all().size());
        builder.withDetail("consent", details);
    }
}
