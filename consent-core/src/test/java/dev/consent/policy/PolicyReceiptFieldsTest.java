package dev.consent.policy;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.consent.policy.PolicyDocuments.RECEIPTS;
import static dev.consent.policy.PolicyDocuments.edit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * What a policy states for consent receipts (the controller's details, jurisdictions, the policy's URL and language,
 * storage locations, Kantara purpose categories): read from JSON and built in Java, each malformed value reported at
 * its JSON path, and what is still missing for receipts listed by {@link Policy#receiptProblems()}.
 */
class PolicyReceiptFieldsTest {

    private static List<String> problems(String json) {
        InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(json), InvalidPolicyException.class);
        assertThat(e).as("must be rejected").isNotNull();
        return e.problems().stream().map(PolicyProblem::toString).toList();
    }

    @Test
    void everyFieldIsRead() {
        Policy p = PolicyJson.read(RECEIPTS);
        Controller c = p.controller().orElseThrow();
        assertThat(c).isEqualTo(new Controller("Example Shop GmbH", "Data Protection Officer",
                new PostalAddress("Hauptstra\u00dfe 1", "10115", "Berlin", "Berlin", "DE"), "privacy@shop.example",
                "+49 30 1234567", "HRB 123456 B", "https://shop.example"));
        assertThat(p.jurisdictions()).containsExactly("DE", "EU", "US-CA");
        assertThat(p.policyUrl()).contains("https://shop.example/privacy/3");
        assertThat(p.language()).contains("de");
        assertThat(p.storageLocations()).containsExactly("DE", "EEA");
        assertThat(p.purposes().get(0).purposeCategories()).containsExactly(PurposeCategory.MARKETING,
                PurposeCategory.CONTACT_REQUESTED);
        assertThat(p.purposes().get(1).purposeCategories()).isEmpty();
        assertThat(p.receiptProblems()).isEmpty();
        assertThat(PurposeCategory.MARKETING.kantaraLabel()).isEqualTo("6 - Marketing");
        assertThat(PurposeCategory.values()).hasSize(16);
    }

    @Test
    void eachMalformedValueIsReportedAtItsPath() {
        assertThat(problems(edit(RECEIPTS).set("$.controller.email", "\"privacy at shop\"").json()))
                .containsExactly("$.controller.email: \"privacy at shop\" must be an email address (name@domain.tld)");
        assertThat(problems(edit(RECEIPTS).set("$.controller.phone", "\"call us\"").json())).singleElement()
                .asString().startsWith("$.controller.phone: \"call us\" must be a phone number");
        assertThat(problems(edit(RECEIPTS).set("$.controller.url", "\"shop.example\"").json()))
                .containsExactly("$.controller.url: \"shop.example\" must be an absolute http or https URL");
        assertThat(problems(edit(RECEIPTS).set("$.controller.address.country", "\"Germany\"").json()))
                .containsExactly("$.controller.address.country: \"Germany\" must be at most 2 characters");
        assertThat(problems(edit(RECEIPTS).set("$.controller.address.country", "\"XX\"").json()))
                .containsExactly("$.controller.address.country: \"XX\" must be an ISO 3166-1 alpha-2 country code "
                        + "in upper case, e.g. DE");
        assertThat(problems(edit(RECEIPTS).remove("$.controller.address.locality").json()))
                .containsExactly("$.controller.address.locality: is required");
        assertThat(problems(edit(RECEIPTS).set("$.controller.address.city", "\"Berlin\"").json())).singleElement()
                .asString().startsWith("$.controller.address.city: \"Berlin\" is not a known field (expected one of "
                        + "streetAddress, postalCode, locality, region, country)");
        assertThat(problems(edit(RECEIPTS).set("$.jurisdictions", "[\"DE\", \"Germany\", \"DE\", \"ZZ\"]").json()))
                .containsExactly("$.jurisdictions[1]: \"Germany\" must be an ISO 3166-1 alpha-2 country code (DE), an "
                                + "ISO 3166-2 subdivision (US-CA), EU or EEA",
                        "$.jurisdictions[2]: \"DE\" is listed twice",
                        "$.jurisdictions[3]: \"ZZ\" must be an ISO 3166-1 alpha-2 country code (DE), an ISO 3166-2 "
                                + "subdivision (US-CA), EU or EEA");
        assertThat(problems(edit(RECEIPTS).set("$.storageLocations", "\"DE\"").json()))
                .containsExactly("$.storageLocations: \"DE\" must be an array of strings");
        assertThat(problems(edit(RECEIPTS).set("$.policyUrl", "\"/privacy\"").json()))
                .containsExactly("$.policyUrl: \"/privacy\" must be an absolute http or https URL (where this version "
                        + "of the policy is published)");
        assertThat(problems(edit(RECEIPTS).set("$.language", "\"de-DE\"").json()))
                .containsExactly("$.language: \"de-DE\" must be an ISO 639-1 language code: two lower-case letters, "
                        + "e.g. de or en");
        assertThat(problems(edit(RECEIPTS).set("$.language", "\"xx\"").json())).hasSize(1);
        assertThat(problems(edit(RECEIPTS).set("$.purposes[0].purposeCategories", "[\"MARKETNG\"]").json()))
                .singleElement().asString().startsWith("$.purposes[0].purposeCategories[0]: \"MARKETNG\" is not one "
                        + "of CORE_FUNCTION, CONTRACTED_SERVICE, DELIVERY,");
        assertThat(problems(edit(RECEIPTS).set("$.purposes[0].purposeCategories", "[]").json()))
                .containsExactly("$.purposes[0].purposeCategories: [] must name at least one Kantara purpose "
                        + "category, or be left out");
    }

    @Test
    void aPolicyBuiltInJavaIsCheckedTheSameWay() {
        Policy.Builder b = Policy.builder("shop", "1").effectiveFrom(java.time.LocalDate.of(2025, 1, 1))
                .zone(java.time.ZoneId.of("UTC")).category("contact.email", "Email")
                .purpose(Purpose.builder("newsletter").title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .jurisdictions("EU", "eu").storageLocations("DE").policyUrl("ftp://shop.example").language("EN");
        assertThatThrownBy(b::build).isInstanceOf(InvalidPolicyException.class).satisfies(e -> assertThat(
                ((InvalidPolicyException) e).problems()).extracting(PolicyProblem::path)
                .containsExactly("$.jurisdictions[1]", "$.policyUrl", "$.language"));
        assertThatThrownBy(() -> new Controller("Shop", "DPO", null, "dpo@shop", null, null, null))
                .hasMessageContaining("controller.email");
    }

    @Test
    void receiptProblemsNameWhatIsMissingForConsentPurposesOnly() {
        String bare = edit(RECEIPTS).remove("$.controller").remove("$.jurisdictions").remove("$.policyUrl")
                .remove("$.language").remove("$.storageLocations").remove("$.purposes[0].description")
                .remove("$.purposes[0].purposeCategories").remove("$.retention").json();
        assertThat(PolicyJson.read(bare).receiptProblems()).extracting(PolicyProblem::toString).containsExactly(
                "$.controller: is required to issue consent receipts (Kantara piiControllers[], ISO/IEC TS 27560 "
                        + "pii_controllers)",
                "$.jurisdictions: is required to issue consent receipts (Kantara jurisdiction, ISO/IEC TS 27560 "
                        + "jurisdiction)",
                "$.policyUrl: is required to issue consent receipts (Kantara policyUrl, ISO/IEC TS 27560 privacy "
                        + "notice)",
                "$.language: is required to issue consent receipts (ISO/IEC TS 27560 language, named when a choice's "
                        + "evidence has no locale)",
                "$.storageLocations: is required to issue consent receipts (ISO/IEC TS 27560 storage locations)",
                "$.purposes[0].description: is required to issue consent receipts (Kantara purpose: a plain-language "
                        + "explanation of the purpose)",
                "$.purposes[0].purposeCategories: is required to issue consent receipts (Kantara purposeCategory)",
                "$.purposes[0].categories[0]: \"contact.email\" has no retention rule; consent receipts need one "
                        + "(ISO/IEC TS 27560 retention period)");
        String noDetails = edit(RECEIPTS).set("$.controller", "{\"name\": \"Shop\", \"contact\": \"shop@x.example\"}")
                .json();
        assertThat(PolicyJson.read(noDetails).receiptProblems()).extracting(PolicyProblem::path)
                .containsExactly("$.controller.address", "$.controller.email", "$.controller.phone", "$.controller.id");
    }
}
