package dev.consent;

import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;

/** A shop serving customers in the EEA, California, Virginia and elsewhere, as a policy document with jurisdictions. */
public final class JurisdictionPolicies {
    /** Targeted advertising: consent, flagged for sale or sharing, opt-out in California and Virginia. */
    public static final dev.consent.policy.PurposeId ADS = dev.consent.policy.PurposeId.of("ads.targeted");
    /** The EEA's members: the 27 EU member states, Iceland, Liechtenstein and Norway. */
    public static final String EEA = "\"AT\",\"BE\",\"BG\",\"HR\",\"CY\",\"CZ\",\"DK\",\"EE\",\"FI\",\"FR\",\"DE\",\"GR\","
            + "\"HU\",\"IE\",\"IT\",\"LV\",\"LT\",\"LU\",\"MT\",\"NL\",\"PL\",\"PT\",\"RO\",\"SK\",\"SI\",\"ES\",\"SE\",\"IS\",\"LI\",\"NO\"";

    /** The policy's purposes and terms, without jurisdictions; {@link #WITH} adds them. */
    public static final String BASE = """
            {"id":"shop","version":"1","effectiveFrom":"2024-01-01","timeZone":"UTC",
             "categories":[{"id":"contact.email","description":"Email"},{"id":"device.id","description":"Cookie ids"},
                           {"id":"health.allergy","description":"Allergies","sensitive":true},
                           {"id":"order.record","description":"Orders"}],
             "purposes":[
               {"id":"ads.targeted","title":"Targeted advertising","legalBasis":"CONSENT","categories":["device.id"],
                "saleOrSharing":true,"minimumAge":16},
               {"id":"marketing.email","title":"Newsletter","legalBasis":"CONSENT","categories":["contact.email"]},
               {"id":"recommendations","title":"Suggestions from allergies","legalBasis":"CONSENT",
                "categories":["health.allergy"]},
               {"id":"analytics","title":"Shop analytics","legalBasis":"LEGITIMATE_INTERESTS","categories":["device.id"]},
               {"id":"orders","title":"Orders","legalBasis":"CONTRACT","categories":["order.record"]}],
             "rights":[{"types":["ACCESS","ERASURE"],"within":30,"unit":"BUSINESS_DAYS"}]
             %s}
            """;

    /** The jurisdictions: EEA (GDPR), California (GPC binds), Virginia (GPC advisory), and a fallback. */
    public static final String RULES = """
            ,"jurisdictionRules":[
              {"id":"EEA","title":"European Economic Area (GDPR)","regions":[%s],"gdpr":true,"gpc":"ADVISORY",
               "mechanisms":[{"purpose":"analytics","mechanism":"OPT_IN"}],
               "rights":[{"types":["ACCESS","ERASURE"],"within":1,"unit":"MONTHS",
                          "extension":{"by":2,"unit":"MONTHS"}}]},
              {"id":"US-CA","title":"California (CCPA as amended by the CPRA)","regions":["US-CA"],"gpc":"BINDING",
               "mechanisms":[{"purpose":"ads.targeted","mechanism":"OPT_OUT"},
                             {"purpose":"recommendations","mechanism":"OPT_OUT"}],
               "doNotSellOrShare":["ads.targeted"],"limitSensitiveUse":["recommendations"],
               "rights":[{"types":["ACCESS","ERASURE"],"within":45,"unit":"CALENDAR_DAYS",
                          "extension":{"by":45,"unit":"CALENDAR_DAYS"},
                          "acknowledgeWithin":{"amount":10,"unit":"BUSINESS_DAYS"}}]},
              {"id":"US-VA","title":"Virginia (VCDPA)","regions":["US-VA"],"gpc":"ADVISORY",
               "mechanisms":[{"purpose":"ads.targeted","mechanism":"OPT_OUT"}],
               "rights":[{"types":["ACCESS"],"within":45,"unit":"CALENDAR_DAYS",
                          "extension":{"by":45,"unit":"CALENDAR_DAYS"}}]},
              {"id":"OTHER","title":"Everywhere else","fallback":true,"gpc":"ADVISORY",
               "mechanisms":[{"purpose":"analytics","mechanism":"NOTICE_ONLY"}]}]
            """.formatted(EEA);

    private JurisdictionPolicies() {
    }

    /**
     * The policy with {@link #RULES}.
     *
     * @return the policy
     */
    public static Policy withJurisdictions() {
        return PolicyJson.read(BASE.formatted(RULES));
    }

    /**
     * The same policy without jurisdictions.
     *
     * @return the policy
     */
    public static Policy withoutJurisdictions() {
        return PolicyJson.read(BASE.formatted(""));
    }
}
