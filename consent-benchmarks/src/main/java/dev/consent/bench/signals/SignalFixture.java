package dev.consent.bench.signals;

import com.iab.gpp.encoder.GppModel;
import com.iab.gpp.encoder.section.TcfEuV2;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * What the signal benchmarks share: a shop's policy with a {@code signals} section (every TCF purpose 1 to 11, special
 * feature 1, three vendors, usnat and usca, all seven Consent Mode types), and TC and GPP strings encoded with IAB Tech
 * Lab's iabgpp-encoder from seeded random choices, as a certified banner would hand them over.
 */
public final class SignalFixture {
    public static final PurposeId STORAGE = PurposeId.of("device.storage");
    public static final PurposeId ADS = PurposeId.of("ads.personalised");
    public static final PurposeId MEASUREMENT = PurposeId.of("ads.measurement");
    public static final PurposeId ANALYTICS = PurposeId.of("analytics");
    public static final PurposeId SALE = PurposeId.of("ads.sale");
    /** The vendors the policy maps; a string discloses them among {@link #VENDORS} others. */
    static final int[] MAPPED_VENDORS = {755, 793, 1126};
    /** How many vendors a string discloses: a mid-sized banner's list. */
    static final int VENDORS = 300;

    private static final String POLICY = """
            {
              "id": "bench-signals", "version": "2025-01", "effectiveFrom": "2025-01-01", "timeZone": "Europe/Berlin",
              "categories": [ { "id": "device.id", "description": "Cookie and device identifiers" },
                              { "id": "device.location", "description": "Precise geolocation" },
                              { "id": "order.record", "description": "Orders" } ],
              "purposes": [
                { "id": "device.storage", "title": "Store and read cookies", "legalBasis": "CONSENT", "categories": ["device.id"] },
                { "id": "ads.personalised", "title": "Personalised ads", "legalBasis": "CONSENT", "categories": ["device.id"] },
                { "id": "ads.measurement", "title": "Ad measurement", "legalBasis": "LEGITIMATE_INTERESTS", "categories": ["device.id"] },
                { "id": "analytics", "title": "Site analytics", "legalBasis": "CONSENT", "categories": ["device.id"] },
                { "id": "content", "title": "Personalised content", "legalBasis": "CONSENT", "categories": ["device.id"] },
                { "id": "geo.precise", "title": "Precise location", "legalBasis": "CONSENT", "categories": ["device.location"] },
                { "id": "ads.sale", "title": "Sale and sharing", "legalBasis": "LEGITIMATE_INTERESTS", "categories": ["device.id"],
                  "saleOrSharing": true },
                { "id": "ads.targeted", "title": "Targeted advertising", "legalBasis": "CONSENT", "categories": ["device.id"] },
                { "id": "checkout", "title": "Checkout", "legalBasis": "CONTRACT", "categories": ["order.record"] }
              ],
              "signals": {
                "tcf": {
                  "purposes": [ { "id": 1, "purpose": "device.storage" }, { "id": 2, "purpose": "ads.personalised" },
                                { "id": 3, "purpose": "ads.personalised" }, { "id": 4, "purpose": "ads.personalised" },
                                { "id": 5, "purpose": "content" }, { "id": 6, "purpose": "content" },
                                { "id": 7, "purpose": "ads.measurement" }, { "id": 8, "purpose": "analytics" },
                                { "id": 9, "purpose": "analytics" }, { "id": 10, "purpose": "analytics" },
                                { "id": 11, "purpose": "content" } ],
                  "specialFeatures": [ { "id": 1, "purpose": "geo.precise" } ],
                  "vendors": [ { "id": 755, "purpose": "ads.personalised" }, { "id": 793, "purpose": "ads.personalised" },
                               { "id": 1126, "purpose": "analytics" } ]
                },
                "gpp": [
                  { "section": "usnat", "saleOptOut": "ads.sale", "sharingOptOut": "ads.sale",
                    "targetedAdvertisingOptOut": "ads.targeted" },
                  { "section": "usca", "saleOptOut": "ads.sale", "sharingOptOut": "ads.sale" }
                ],
                "consentMode": {
                  "ad_storage": ["device.storage", "ads.personalised"],
                  "ad_user_data": ["ads.personalised"],
                  "ad_personalization": ["ads.personalised"],
                  "analytics_storage": ["device.storage", "analytics"],
                  "functionality_storage": ["device.storage"],
                  "personalization_storage": ["content"],
                  "security_storage": ["checkout"]
                }
              }
            }
            """;

    private SignalFixture() {
    }

    public static Policy policy() {
        return PolicyJson.read(POLICY);
    }

    /**
     * TC strings of TCF policy version 5, each from random choices: purpose consents, legitimate interests for purposes
     * 2 and 7 to 11 (never 3 to 6), special features, and consents for a random part of {@value #VENDORS} disclosed
     * vendors (the mapped ones among them).
     */
    public static List<String> tcStrings(int count, long seed) {
        Random random = new Random(seed);
        List<String> out = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            TcfEuV2 s = new TcfEuV2();
            s.setFieldValue("CmpId", 300);
            s.setFieldValue("CmpVersion", 7);
            s.setFieldValue("ConsentScreen", 1);
            s.setFieldValue("ConsentLanguage", "DE");
            s.setFieldValue("VendorListVersion", 150);
            s.setFieldValue("PolicyVersion", 5);
            s.setFieldValue("IsServiceSpecific", false);
            s.setFieldValue("PublisherCountryCode", "DE");
            s.setFieldValue("PurposeConsents", bits(random, 24, 11, List.of()));
            s.setFieldValue("PurposeLegitimateInterests", bits(random, 24, 11, List.of(1, 3, 4, 5, 6)));
            s.setFieldValue("SpecialFeatureOptins", bits(random, 12, 2, List.of()));
            TreeSet<Integer> disclosed = new TreeSet<>();
            for (int v : MAPPED_VENDORS) {
                disclosed.add(v);
            }
            while (disclosed.size() < VENDORS) {
                disclosed.add(1 + random.nextInt(1200));
            }
            TreeSet<Integer> consents = new TreeSet<>();
            TreeSet<Integer> interests = new TreeSet<>();
            for (int v : disclosed) {
                if (random.nextBoolean()) {
                    consents.add(v);
                }
                if (random.nextInt(4) == 0) {
                    interests.add(v);
                }
            }
            s.setFieldValue("VendorConsents", new ArrayList<>(consents));
            s.setFieldValue("VendorLegitimateInterests", new ArrayList<>(interests));
            s.setFieldValue("VendorsDisclosed", new ArrayList<>(disclosed));
            ZonedDateTime at = Instant.parse("2025-06-01T00:00:00Z").plusSeconds(86_400L * random.nextInt(100))
                    .atZone(ZoneOffset.UTC);
            s.setFieldValue("Created", at);
            s.setFieldValue("LastUpdated", at);
            out.add(s.encode());
        }
        return out;
    }

    /** GPP strings with a usnat and a usca section, each opt-out field 1 (Opted Out) or 2 (Did Not Opt Out) at random. */
    public static List<String> gppStrings(int count, long seed) {
        Random random = new Random(seed);
        List<String> out = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            GppModel m = new GppModel();
            for (String section : List.of("usnat", "usca")) {
                m.setFieldValue(section, "SaleOptOutNotice", 1);
                m.setFieldValue(section, "SharingOptOutNotice", 1);
                m.setFieldValue(section, "SaleOptOut", 1 + random.nextInt(2));
                m.setFieldValue(section, "SharingOptOut", 1 + random.nextInt(2));
                m.setFieldValue(section, "MspaCoveredTransaction", 2);
                m.setFieldValue(section, "MspaOptOutOptionMode", 1);
                m.setFieldValue(section, "MspaServiceProviderMode", 2);
            }
            m.setFieldValue("usnat", "TargetedAdvertisingOptOutNotice", 1);
            m.setFieldValue("usnat", "TargetedAdvertisingOptOut", 1 + random.nextInt(2));
            out.add(m.encode());
        }
        return out;
    }

    /** {@code length} bits, each of the first {@code defined} set at random except those listed as never set. */
    private static List<Boolean> bits(Random random, int length, int defined, List<Integer> never) {
        List<Boolean> out = new ArrayList<>(length);
        for (int i = 1; i <= length; i++) {
            out.add(i <= defined && !never.contains(i) && random.nextBoolean());
        }
        return out;
    }
}
