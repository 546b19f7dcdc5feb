package dev.consent.signals;

import com.iab.gpp.encoder.GppModel;
import com.iab.gpp.encoder.section.TcfEuV2;
import dev.consent.ConsentService;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Strings encoded with iabgpp-encoder's own encoder from given choices, and the test policy and service. */
final class TestStrings {
    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private TestStrings() {
    }

    /** The choices a TC string encodes; ids as the specification numbers them. */
    record Tc(Set<Integer> purposeConsents, Set<Integer> purposeLi, Set<Integer> specialFeatures,
            Set<Integer> vendorConsents, Set<Integer> vendorLi, Set<Integer> disclosed, int policyVersion,
            Instant lastUpdated) {
        static Tc of(Set<Integer> purposeConsents) {
            return new Tc(purposeConsents, Set.of(), Set.of(), Set.of(), Set.of(), Set.of(755), 5,
                    Instant.parse("2026-06-01T00:00:00Z"));
        }

        Tc consents(Set<Integer> p) {
            return new Tc(p, purposeLi, specialFeatures, vendorConsents, vendorLi, disclosed, policyVersion, lastUpdated);
        }

        Tc li(Set<Integer> p) {
            return new Tc(purposeConsents, p, specialFeatures, vendorConsents, vendorLi, disclosed, policyVersion,
                    lastUpdated);
        }

        Tc features(Set<Integer> f) {
            return new Tc(purposeConsents, purposeLi, f, vendorConsents, vendorLi, disclosed, policyVersion, lastUpdated);
        }

        Tc vendors(Set<Integer> consents, Set<Integer> disclosedVendors) {
            return new Tc(purposeConsents, purposeLi, specialFeatures, consents, vendorLi, disclosedVendors,
                    policyVersion, lastUpdated);
        }

        Tc policyVersion(int v) {
            return new Tc(purposeConsents, purposeLi, specialFeatures, vendorConsents, vendorLi, disclosed, v,
                    lastUpdated);
        }

        Tc updated(String instant) {
            return new Tc(purposeConsents, purposeLi, specialFeatures, vendorConsents, vendorLi, disclosed,
                    policyVersion, Instant.parse(instant));
        }
    }

    static String tc(Tc c) {
        TcfEuV2 s = new TcfEuV2();
        fill(c, (name, value) -> s.setFieldValue(name, value));
        return s.encode();
    }

    interface Setter {
        void set(String field, Object value);
    }

    static void fill(Tc c, Setter s) {
        s.set("CmpId", 300);
        s.set("CmpVersion", 7);
        s.set("ConsentScreen", 2);
        s.set("ConsentLanguage", "DE");
        s.set("VendorListVersion", 150);
        s.set("PolicyVersion", c.policyVersion());
        s.set("IsServiceSpecific", false);
        s.set("PublisherCountryCode", "DE");
        s.set("PurposeConsents", bits(c.purposeConsents(), 24));
        s.set("PurposeLegitimateInterests", bits(c.purposeLi(), 24));
        s.set("SpecialFeatureOptins", bits(c.specialFeatures(), 12));
        s.set("VendorConsents", new ArrayList<>(new TreeSet<>(c.vendorConsents())));
        s.set("VendorLegitimateInterests", new ArrayList<>(new TreeSet<>(c.vendorLi())));
        s.set("VendorsDisclosed", new ArrayList<>(new TreeSet<>(c.disclosed())));
        ZonedDateTime at = c.lastUpdated().atZone(ZoneOffset.UTC);
        s.set("Created", at);
        s.set("LastUpdated", at);
    }

    static List<Boolean> bits(Set<Integer> ids, int length) {
        List<Boolean> out = new ArrayList<>();
        for (int i = 1; i <= length; i++) {
            out.add(ids.contains(i));
        }
        return out;
    }

    /** A GPP string of the given US sections' fields (section name to field to value), and a TC section if given. */
    static String gpp(Map<String, Map<String, Object>> sections, Tc tcf) {
        GppModel m = new GppModel();
        if (tcf != null) {
            fill(tcf, (name, value) -> m.setFieldValue("tcfeuv2", name, value));
        }
        sections.forEach((section, fields) -> fields.forEach((f, v) -> m.setFieldValue(section, f, v)));
        return m.encode();
    }

    static Policy policy() {
        try (InputStream in = TestStrings.class.getResourceAsStream("shop-signals-policy.json")) {
            return PolicyJson.read(in, "shop-signals-policy.json");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ConsentService service(Policy policy) {
        return ConsentService.builder().policy(policy).store(new dev.consent.store.InMemoryStore())
                .clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
    }
}
