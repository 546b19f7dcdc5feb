package dev.consent.signals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Decoding TC strings: every field read back, and each rule of the specification refused naming its field. */
class TcStringTest {

    /**
     * The example of "IAB Tech Lab - Consent string and vendor list formats v2" (v2.3, April 2025), section "Full TC
     * String passing": core, Disclosed Vendors and Publisher TC segments. Its TcfPolicyVersion is 2.
     */
    static final String SPEC_EXAMPLE = "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA";

    @Test
    void readsBackEveryFieldOfAStringEncodedByTheIabEncoder() {
        TestStrings.Tc c = TestStrings.Tc.of(Set.of(1, 2, 11)).li(Set.of(7, 10)).features(Set.of(2))
                .vendors(Set.of(4, 755), Set.of(4, 755, 900));
        String encoded = TestStrings.tc(c);
        TcString tc = TcString.decode(encoded);
        assertThat(tc.version()).isEqualTo(2);
        assertThat(tc.cmpId()).isEqualTo(300);
        assertThat(tc.cmpVersion()).isEqualTo(7);
        assertThat(tc.consentScreen()).isEqualTo(2);
        assertThat(tc.consentLanguage()).isEqualTo("DE");
        assertThat(tc.vendorListVersion()).isEqualTo(150);
        assertThat(tc.policyVersion()).isEqualTo(5);
        assertThat(tc.serviceSpecific()).isFalse();
        assertThat(tc.created()).isEqualTo(Instant.parse("2026-06-01T00:00:00Z"));
        assertThat(tc.lastUpdated()).isEqualTo(Instant.parse("2026-06-01T00:00:00Z"));
        assertThat(tc.purposeConsents()).containsExactly(1, 2, 11);
        assertThat(tc.purposeLegitimateInterests()).containsExactly(7, 10);
        assertThat(tc.specialFeatureOptIns()).containsExactly(2);
        assertThat(tc.vendorConsents()).containsExactly(4, 755);
        assertThat(tc.disclosedVendors()).hasValueSatisfying(d -> assertThat(d).containsExactly(4, 755, 900));
        assertThat(tc.sha256()).isEqualTo(TcString.sha256(encoded)).hasSize(64);
    }

    @Test
    void theSpecificationsOwnExampleIsRefusedForItsPolicyVersion() {
        assertThatThrownBy(() -> TcString.decode(SPEC_EXAMPLE)).isInstanceOfSatisfying(InvalidSignalException.class,
                e -> {
                    assertThat(e.field()).isEqualTo("TcfPolicyVersion");
                    assertThat(e.getMessage()).startsWith("TcfPolicyVersion: 2 is below 4");
                });
    }

    @Test
    void policyVersionFourIsTheLowestAccepted() {
        assertThat(TcString.decode(TestStrings.tc(TestStrings.Tc.of(Set.of(1)).policyVersion(4))).policyVersion())
                .isEqualTo(4);
        assertThatThrownBy(() -> TcString.decode(TestStrings.tc(TestStrings.Tc.of(Set.of(1)).policyVersion(3))))
                .isInstanceOfSatisfying(InvalidSignalException.class,
                        e -> assertThat(e.field()).isEqualTo("TcfPolicyVersion"));
    }

    @ParameterizedTest
    @CsvSource({"3", "4", "5", "6"})
    void legitimateInterestForPurposesThreeToSixIsRefused(int purpose) {
        String s = TestStrings.tc(TestStrings.Tc.of(Set.of()).li(Set.of(2, purpose)));
        assertThatThrownBy(() -> TcString.decode(s)).isInstanceOfSatisfying(InvalidSignalException.class, e -> {
            assertThat(e.field()).isEqualTo("PurposesLITransparency[" + purpose + "]");
            assertThat(e.rule()).contains("TCF v2.2 removed for purposes 3 to 6");
        });
        assertThat(TcString.decode(TestStrings.tc(TestStrings.Tc.of(Set.of()).li(Set.of(2, 7, 8))))
                .purposeLegitimateInterests()).containsExactly(2, 7, 8);
    }

    @Test
    void aStringWithoutDisclosedVendorsHasNone() {
        String full = TestStrings.tc(TestStrings.Tc.of(Set.of(1)));
        String coreOnly = full.substring(0, full.indexOf('.'));
        assertThat(TcString.decode(coreOnly).disclosedVendors()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty||TCString: is empty",
            "not base64url|CQSbk4AQ SbA|TCString: has a character outside base64url and '.' at position 8",
            "empty segment|CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA..IDKQA4AAgAKAGQAygAAA|TCString: has an empty "
                    + "segment (number 2)",
            "not version 2|BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA|Version: is not 2: a TCF v2 core segment starts with 'C'",
            "bad segment type|CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.gAAA|SegmentType: of segment 2 is not 1 "
                    + "(Disclosed Vendors), 2 (Allowed Vendors) or 3 (Publisher TC)",
            "segment twice|CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.IDKQA4AAgAKAGQAygAAA"
                    + "|SegmentType: of segment 3 is 1, which an earlier segment has already: each segment type "
                    + "appears at most once",
            "truncated core|CQSbk4AQSbk4ANwAAAENAwCg|TCString: is malformed or truncated: a segment cannot be decoded "
                    + "(DecodingException)"})
    void refusesMalformedStringsNamingTheField(String name, String input, String message) {
        assertThatThrownBy(() -> TcString.decode(input)).isInstanceOf(InvalidSignalException.class)
                .hasMessage(message);
    }

    @Test
    void refusesEachTruncationOfAValidString() {
        String full = TestStrings.tc(TestStrings.Tc.of(Set.of(1, 2)).vendors(Set.of(755), Set.of(755)));
        String core = full.substring(0, full.indexOf('.'));
        // The core's last field, NumPubRestrictions (12 bits), is optional to iabgpp-encoder 3.2.3's decoder: a cut of
        // one or two characters loses only it and its padding, and reads as "no publisher restrictions", which this
        // library does not map. Every cut into the fields before it is refused.
        for (int cut = 1; cut <= 2; cut++) {
            assertThat(TcString.decode(core.substring(0, core.length() - cut)).vendorConsents()).containsExactly(755);
        }
        for (int cut = 3; cut < core.length() - 1; cut++) {
            String truncated = core.substring(0, core.length() - cut);
            assertThatThrownBy(() -> TcString.decode(truncated)).as("cut %d", cut)
                    .isInstanceOf(InvalidSignalException.class);
        }
    }

    @Test
    void refusesAStringLongerThanTheLimit() {
        assertThatThrownBy(() -> TcString.decode("C" + "A".repeat(TcString.MAX_LENGTH)))
                .isInstanceOfSatisfying(InvalidSignalException.class, e -> assertThat(e.field()).isEqualTo("TCString"));
    }
}
