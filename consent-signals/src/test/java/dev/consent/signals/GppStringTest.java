package dev.consent.signals;

import com.iab.gpp.encoder.GppModel;
import com.iab.gpp.encoder.section.EncodableSection;
import com.iab.gpp.encoder.section.HeaderV1;
import dev.consent.policy.GppSectionLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Decoding GPP strings: header, sections, and each refusal naming its field. */
class GppStringTest {

    /** IAB Tech Lab GPP Consent String Specification v1.0, "Examples": a tcfeuv2 section (TcfPolicyVersion 2). */
    static final String SPEC_TCF = "DBABM~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA";
    /** The same specification's example of tcfeuv2 and uspv1 sections. */
    static final String SPEC_TCF_USP = "DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN";
    /** iabgpp-java 3.2.3 test fixture (GppModelTest): a usnat section with its GPC segment. */
    static final String LIBRARY_USNAT = "DBABLA~BVQqAAAAAgA.QA";

    @Test
    void theSpecificationsExamplesCarryATcfSectionOfPolicyVersionTwoAndAreRefused() {
        for (String s : List.of(SPEC_TCF, SPEC_TCF_USP)) {
            assertThatThrownBy(() -> GppString.decode(s)).isInstanceOfSatisfying(InvalidSignalException.class,
                    e -> assertThat(e.getMessage()).startsWith("tcfeuv2.TcfPolicyVersion: 2 is below 4"));
        }
    }

    @Test
    void readsAUsnatSectionOfTheLibrarysFixtures() {
        GppString g = GppString.decode(LIBRARY_USNAT);
        assertThat(g.sectionIds()).containsExactly(7);
        assertThat(g.tcfEu()).isEmpty();
        assertThat(g.otherSections()).isEmpty();
        GppString.UsSection usnat = g.usSections().get(0);
        assertThat(usnat.name()).isEqualTo("usnat");
        assertThat(usnat.version()).isEqualTo(1);
        assertThat(usnat.saleOptOut()).isEqualTo(OptionalInt.of(2));
        assertThat(usnat.sharingOptOut()).isEqualTo(OptionalInt.of(2));
        assertThat(usnat.targetedAdvertisingOptOut()).isEqualTo(OptionalInt.of(2));
        assertThat(usnat.sensitiveDataProcessing()).hasSize(16).containsOnly(0);
        assertThat(usnat.knownChildSensitiveDataConsents()).containsExactly(0, 0, 0);
    }

    @Test
    void readsATcfSectionAndUsSectionsAndListsTheOthers() {
        String s = TestStrings.gpp(Map.of("usca", Map.of("SaleOptOut", 1, "SensitiveDataProcessing",
                List.of(0, 0, 0, 2, 0, 0, 0, 0, 1)), "uspv1", Map.of("Notice", "Y", "OptOutSale", "N",
                "LspaCovered", "N")), TestStrings.Tc.of(Set.of(1, 3)));
        GppString g = GppString.decode(s);
        assertThat(g.sectionIds()).containsExactly(2, 6, 8);
        assertThat(g.tcfEu()).hasValueSatisfying(tc -> assertThat(tc.purposeConsents()).containsExactly(1, 3));
        assertThat(g.usSections()).singleElement().satisfies(us -> {
            assertThat(us.name()).isEqualTo("usca");
            assertThat(us.saleOptOut()).isEqualTo(OptionalInt.of(1));
            assertThat(us.targetedAdvertisingOptOut()).isEmpty();
            assertThat(us.sensitiveDataProcessing()).containsExactly(0, 0, 0, 2, 0, 0, 0, 0, 1);
        });
        assertThat(g.otherSections()).containsExactly(new GppString.OtherSection(6, "uspv1"));
    }

    @Test
    void aSectionIdTheDecoderDoesNotKnowIsListedNotRead() {
        HeaderV1 header = new HeaderV1();
        header.setFieldValue("SectionIds", List.of(7, 23));
        String s = header.encode() + "~BVQqAAAAAgA.QA~BAAAAAAA";
        GppString g = GppString.decode(s);
        assertThat(g.usSections()).extracting(GppString.UsSection::name).containsExactly("usnat");
        assertThat(g.otherSections()).containsExactly(new GppString.OtherSection(23, "unknown"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty||GPPString: is empty",
            "not a header|CBABLA~BVQqAAAAAgA.QA|header.Type: is not 3: a GPP string starts with 'D'",
            "bad character|DBABLA~BVQq*AAAAgA.QA|GPPString: has a character outside base64url, '.' and '~' at position 11",
            "empty section|DBABLA~|GPPString: has an empty section (number 1)",
            "more sections than listed|DBABLA~BVQqAAAAAgA.QA~BAAAAAAA|header.SectionIds: lists 1 section(s) but the "
                    + "string holds 2",
            "fewer sections than listed|DBABLA|header.SectionIds: lists 1 section(s) but the string holds 0",
            "truncated usnat|DBABLA~BVVVkkkkk|usnat: is malformed or truncated: the section cannot be decoded "
                    + "(DecodingException)",
            "usnat before its 2024 revision|DBABLA~BVVVkkkkkp|usnat: has a core segment in the layout before the 2024 "
                    + "revision (12 sensitive-data categories and 2 child consents, 60 bits in 10 characters), which "
                    + "iabgpp-encoder 3.2.3 does not decode (its 3.2.5 does); refused rather than guessed",
            "a two-bit value of 3|DBABLA~BVV_kkkkkpFY|usnat.SaleOptOut: 3 is not 0 (Not Applicable), 1 or 2"})
    void refusesMalformedStringsNamingTheField(String name, String input, String message) {
        assertThatThrownBy(() -> GppString.decode(input)).isInstanceOf(InvalidSignalException.class)
                .hasMessage(message);
    }

    @Test
    void refusesASectionOfAnotherVersion() {
        GppModel m = new GppModel();
        m.setFieldValue("usnat", "Version", 2);
        assertThatThrownBy(() -> GppString.decode(m.encode())).isInstanceOfSatisfying(InvalidSignalException.class,
                e -> assertThat(e.getMessage()).isEqualTo("usnat.Version: 2 is not 1, the version of section usnat "
                        + "this decoder reads"));
    }

    @Test
    void aTcfSectionIsCheckedAsAStandaloneTcStringIs() {
        String s = TestStrings.gpp(Map.of(), TestStrings.Tc.of(Set.of()).li(Set.of(5)));
        assertThatThrownBy(() -> GppString.decode(s)).isInstanceOfSatisfying(InvalidSignalException.class,
                e -> assertThat(e.field()).isEqualTo("tcfeuv2.PurposesLITransparency[5]"));
    }

    /** The layout table transcribed from the specifications agrees with what the decoder reads, section by section. */
    @Test
    void theSectionTableAgreesWithTheDecoder() {
        for (GppSectionLayout l : GppSectionLayout.all()) {
            GppModel m = new GppModel();
            m.setFieldValue(l.name(), "Version", 1);
            EncodableSection s = m.getSection(l.name());
            assertThat(s.getId()).as(l.name()).isEqualTo(l.id());
            assertThat(s.hasField("SaleOptOut")).as(l.name()).isEqualTo(l.saleOptOut());
            assertThat(s.hasField("SharingOptOut")).as(l.name()).isEqualTo(l.sharingOptOut());
            assertThat(s.hasField("TargetedAdvertisingOptOut")).as(l.name()).isEqualTo(l.targetedAdvertisingOptOut());
            assertThat((List<?>) s.getFieldValue("SensitiveDataProcessing")).as(l.name()).hasSize(l.sensitiveCount());
            Object child = s.getFieldValue("KnownChildSensitiveDataConsents");
            assertThat(child instanceof List<?> list ? list.size() : 1).as(l.name()).isEqualTo(l.knownChildCount());
        }
    }
}
