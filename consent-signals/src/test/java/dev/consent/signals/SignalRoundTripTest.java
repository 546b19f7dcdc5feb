package dev.consent.signals;

import dev.consent.ConsentService;
import dev.consent.ledger.Choice;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-style round trips with fixed seeds: random choices, encoded by iabgpp-encoder's own encoder, decode to the
 * same choices and, applied, leave the ledger deciding exactly as the mapping rules say.
 */
class SignalRoundTripTest {
    static final int RUNS = 150;
    static final Instant RECEIVED = Instant.parse("2026-06-01T10:00:00Z");

    static Set<Integer> subset(Random r, int from, int to, double p) {
        Set<Integer> out = new TreeSet<>();
        for (int i = from; i <= to; i++) {
            if (r.nextDouble() < p) {
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void tcStringsDecodeAndMapBackToTheirChoices() {
        Policy policy = TestStrings.policy();
        try (ConsentService consents = TestStrings.service(policy)) {
            ConsentSignals signals = new ConsentSignals(consents, policy);
            for (int seed = 0; seed < RUNS; seed++) {
                Random r = new Random(seed);
                Set<Integer> vendors = subset(r, 700, 800, 0.3);
                Set<Integer> disclosed = new TreeSet<>(vendors);
                disclosed.addAll(subset(r, 700, 800, 0.3));
                if (r.nextBoolean()) {
                    disclosed.remove(755); // a consent bit for an undisclosed vendor does not count
                }
                TestStrings.Tc c = TestStrings.Tc.of(subset(r, 1, 11, 0.6)).li(subset(r, 7, 11, 0.5))
                        .features(subset(r, 1, 2, 0.5)).vendors(vendors, disclosed);
                String s = TestStrings.tc(c);

                TcString tc = TcString.decode(s);
                assertThat(tc.purposeConsents()).as("seed %d", seed).isEqualTo(c.purposeConsents());
                assertThat(tc.purposeLegitimateInterests()).as("seed %d", seed).isEqualTo(c.purposeLi());
                assertThat(tc.specialFeatureOptIns()).as("seed %d", seed).isEqualTo(c.specialFeatures());
                assertThat(tc.vendorConsents()).as("seed %d", seed).isEqualTo(c.vendorConsents());
                assertThat(tc.disclosedVendors()).as("seed %d", seed).contains(new TreeSet<>(c.disclosed()));

                SubjectId subject = SubjectId.of("tcf-" + seed);
                SignalResult result = signals.applyTcString(subject, s, RECEIVED);
                Map<String, Choice> expected = new LinkedHashMap<>();
                Set<Integer> p = c.purposeConsents();
                expected.put("device.storage", p.contains(1) ? Choice.GRANTED : Choice.DENIED);
                boolean personalised = p.containsAll(List.of(2, 3, 4)) && vendors.contains(755)
                        && disclosed.contains(755);
                expected.put("ads.personalised", personalised ? Choice.GRANTED : Choice.DENIED);
                expected.put("ads.measurement", c.purposeLi().contains(7) ? Choice.GRANTED : Choice.OBJECTED);
                expected.put("analytics", p.contains(8) ? Choice.GRANTED : Choice.DENIED);
                expected.put("geo.precise", c.specialFeatures().contains(1) ? Choice.GRANTED : Choice.DENIED);
                assertThat(ConsentSignalsTest.choices(result)).as("seed %d", seed).isEqualTo(expected);
                for (Map.Entry<String, Choice> e : expected.entrySet()) {
                    assertThat(consents.check(subject, PurposeId.of(e.getKey())).allowed())
                            .as("seed %d %s", seed, e.getKey()).isEqualTo(e.getValue() == Choice.GRANTED);
                }
            }
        }
    }

    @Test
    void usnatSectionsDecodeAndMapBackToTheirChoices() {
        Policy policy = TestStrings.policy();
        try (ConsentService consents = TestStrings.service(policy)) {
            ConsentSignals signals = new ConsentSignals(consents, policy);
            for (int seed = 0; seed < RUNS; seed++) {
                Random r = new Random(1000 + seed);
                int sale = r.nextInt(3);
                int sharing = r.nextInt(3);
                int targeted = r.nextInt(3);
                List<Integer> sensitive = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    sensitive.add(r.nextInt(3));
                }
                List<Integer> child = List.of(r.nextInt(3), r.nextInt(3), r.nextInt(3));
                Map<String, Object> fields = new HashMap<>(Map.of("SaleOptOut", sale, "SharingOptOut", sharing,
                        "TargetedAdvertisingOptOut", targeted, "SensitiveDataProcessing", sensitive,
                        "KnownChildSensitiveDataConsents", child));
                String s = TestStrings.gpp(Map.of("usnat", fields), null);

                GppString.UsSection us = GppString.decode(s).usSections().get(0);
                assertThat(us.saleOptOut().getAsInt()).as("seed %d", seed).isEqualTo(sale);
                assertThat(us.sharingOptOut().getAsInt()).as("seed %d", seed).isEqualTo(sharing);
                assertThat(us.targetedAdvertisingOptOut().getAsInt()).as("seed %d", seed).isEqualTo(targeted);
                assertThat(us.sensitiveDataProcessing()).as("seed %d", seed).isEqualTo(sensitive);
                assertThat(us.knownChildSensitiveDataConsents()).as("seed %d", seed).isEqualTo(child);

                Map<String, Choice> expected = new LinkedHashMap<>();
                if (sale == 1 || sharing == 1) {
                    expected.put("ads.sale", Choice.OBJECTED);
                } else if (sale == 2 || sharing == 2) {
                    expected.put("ads.sale", Choice.GRANTED);
                }
                if (targeted == 1) {
                    expected.put("ads.targeted", Choice.DENIED);
                }
                consent(expected, "health.ads", sensitive.get(2));
                consent(expected, "kids.data", child.get(0));
                SignalResult result = signals.applyGppString(SubjectId.of("gpp-" + seed), s, RECEIVED);
                assertThat(ConsentSignalsTest.choices(result)).as("seed %d", seed).isEqualTo(expected);
                assertThat(result.status()).isEqualTo(expected.isEmpty() ? SignalResult.Status.NOTHING_IMPLIED
                        : SignalResult.Status.APPLIED);
            }
        }
    }

    private static void consent(Map<String, Choice> expected, String purpose, int value) {
        if (value == 1) {
            expected.put(purpose, Choice.DENIED);
        } else if (value == 2) {
            expected.put(purpose, Choice.GRANTED);
        }
    }
}
