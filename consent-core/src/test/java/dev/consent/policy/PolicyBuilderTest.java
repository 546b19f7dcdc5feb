package dev.consent.policy;

import dev.consent.InvalidValueException;
import dev.consent.UnknownPurposeException;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PolicyBuilderTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    /** The start of a builder for the categories and the two plain purposes of {@link PolicyDocuments#FULL}. */
    private static Policy.Builder shop() {
        return Policy.builder("shop", "2025.1")
                .effectiveFrom(LocalDate.of(2025, 3, 1))
                .zone(BERLIN)
                .category("contact.email", "Email address")
                .category("contact.phone", "Mobile number")
                .category("order.record", "Orders and invoices")
                .category("device.id", "Device and cookie identifiers")
                .category(DataCategory.sensitive("health.allergy", "Allergies noted on food orders"));
    }

    private static Purpose.Builder purpose(String id, LegalBasis basis, String... categories) {
        return Purpose.builder(id).title(id).basis(basis).categories(categories);
    }

    private static List<PolicyProblem> problems(Policy.Builder builder) {
        InvalidPolicyException e = catchThrowableOfType(builder::build, InvalidPolicyException.class);
        assertThat(e).as("build() must throw InvalidPolicyException").isNotNull();
        PolicyJsonTest.assertReadable(e);
        return e.problems();
    }

    @Test
    void buildsTheSamePolicyAsTheFullJsonDocument() {
        Policy built = shop()
                .lastUpdated(LocalDate.of(2025, 2, 15))
                .controller("Example Shop GmbH", "privacy@shop.example")
                .purpose(purpose("marketing", LegalBasis.CONSENT, "contact.email", "contact.phone").title("Marketing")
                        .build())
                .purpose(Purpose.builder("marketing.email").title("Newsletter").description("A weekly email with offers.")
                        .basis(LegalBasis.CONSENT).mechanism(Mechanism.OPT_IN).categories("contact.email")
                        .consentVersion(3).consentLifetime(Period.ofYears(2)).minimumAge(16).guardianConsent(false)
                        .parent("marketing").saleOrSharing(false).build())
                .purpose(purpose("ads.targeted", LegalBasis.CONSENT, "device.id").title("Targeted advertising")
                        .saleOrSharing(true).build())
                .purpose(purpose("analytics", LegalBasis.LEGITIMATE_INTERESTS, "device.id").title("Shop analytics")
                        .build())
                .purpose(purpose("order.fulfilment", LegalBasis.CONTRACT, "order.record", "contact.email",
                        "health.allergy").title("Deliver orders").build())
                .purpose(purpose("tax.records", LegalBasis.LEGAL_OBLIGATION, "order.record")
                        .title("Keep invoices for tax law").mechanism(Mechanism.NOTICE_ONLY).build())
                .recipient(new Recipient("payments", "PayCo", Recipient.Role.PROCESSOR,
                        Set.of(CategoryId.of("order.record")), Set.of(PurposeId.of("order.fulfilment")), "EU"))
                .recipient(new Recipient("adnet", "AdNet Inc.", Recipient.Role.THIRD_PARTY,
                        Set.of(CategoryId.of("device.id")), Set.of(PurposeId.of("ads.targeted")), null))
                .build();
        Policy read = PolicyJson.read(PolicyDocuments.FULL);

        assertThat(built.toString()).isEqualTo(read.toString());
        assertThat(built.controller()).isEqualTo(read.controller());
        assertThat(built.lastUpdated()).isEqualTo(read.lastUpdated());
        assertThat(built.categories()).isEqualTo(read.categories());
        assertThat(built.purposes()).isEqualTo(read.purposes());
        assertThat(built.recipients()).isEqualTo(read.recipients());
    }

    @Test
    void theBuiltPolicyIsImmutableAndDefaultsLastUpdatedToEffectiveFrom() {
        Policy.Builder builder = shop().purpose(purpose("orders", LegalBasis.CONTRACT, "order.record").build());
        Policy policy = builder.build();
        builder.purpose(purpose("more", LegalBasis.CONTRACT, "order.record").build());

        assertThat(policy.purposes()).hasSize(1);
        assertThat(policy.lastUpdated()).isEqualTo(LocalDate.of(2025, 3, 1));
        assertThatThrownBy(() -> policy.purposes().add(policy.purposes().get(0)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> policy.purposes().get(0).categories().add(CategoryId.of("device.id")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(builder.build().purposes()).hasSize(2);
    }

    @Test
    void reportsEveryCrossFieldProblemWithPathsCountedInInsertionOrder() {
        Policy.Builder builder = shop()
                .category("contact.email", "Email again")                                            // categories[5]
                .purpose(purpose("marketing", LegalBasis.CONSENT, "contact.email").build())            // purposes[0]
                .purpose(purpose("analytics", LegalBasis.LEGITIMATE_INTERESTS, "device.id", "browser.fingerprint")
                        .minimumAge(16).build())                                                          // purposes[1]
                .purpose(purpose("newsletter", LegalBasis.CONSENT, "contact.email").mechanism(Mechanism.OPT_OUT)
                        .parent("marketting").build())                                                    // purposes[2]
                .purpose(purpose("orders", LegalBasis.CONTRACT, "order.record").consentLifetime(Period.ofYears(1))
                        .saleOrSharing(true).build())                                                     // purposes[3]
                .purpose(purpose("marketing", LegalBasis.CONSENT, "contact.email").parent("marketing").build())
                                                                                                          // purposes[4]
                .recipient(new Recipient("payments", "PayCo", Recipient.Role.PROCESSOR,
                        Set.of(CategoryId.of("order.record")), Set.of(PurposeId.of("billing")), null))
                .recipient(new Recipient("payments", "PayCo 2", Recipient.Role.PROCESSOR,
                        Set.of(CategoryId.of("card.number")), Set.of(PurposeId.of("orders")), null));

        assertThat(problems(builder)).extracting(PolicyProblem::toString).containsExactly(
                "$.categories[5].id: \"contact.email\" is declared twice (first at $.categories[0])",
                "$.purposes[4].id: \"marketing\" is declared twice (first at $.purposes[0])",
                "$.purposes[1].categories[1]: \"browser.fingerprint\" is not a declared category "
                        + "(declare it under $.categories)",
                "$.purposes[1].minimumAge: 16 is only enforced for a purpose on legal basis CONSENT (GDPR Art. 8), "
                        + "not LEGITIMATE_INTERESTS",
                "$.purposes[2].mechanism: \"OPT_OUT\" must be OPT_IN for a purpose on legal basis CONSENT "
                        + "(GDPR Art. 4(11), Art. 7)",
                "$.purposes[2].parent: \"marketting\" is not a declared purpose",
                "$.purposes[3].consentLifetime: \"P1Y\" is only meaningful for a purpose on legal basis CONSENT, "
                        + "not CONTRACT",
                "$.purposes[3].saleOrSharing: true needs legal basis CONSENT or LEGITIMATE_INTERESTS, so that an "
                        + "opt-out can apply, not CONTRACT",
                "$.purposes[4].parent: \"marketing\" must not be the purpose itself",
                "$.recipients[0].purposes[0]: \"billing\" is not a declared purpose",
                "$.recipients[1].id: \"payments\" is declared twice (first at $.recipients[0])",
                "$.recipients[1].categories[0]: \"card.number\" is not a declared category");
    }

    @Test
    void reportsTheSameProblemsAsTheJsonReaderForTheSameMistakes() {
        String json = PolicyDocuments.edit(PolicyDocuments.MINIMAL)
                .add("$.purposes", "{\"id\":\"ads\",\"title\":\"Ads\",\"legalBasis\":\"LEGITIMATE_INTERESTS\","
                        + "\"mechanism\":\"NOTICE_ONLY\",\"categories\":[\"order.record\",\"device.id\"],"
                        + "\"parent\":\"ads.all\"}")
                .add("$.purposes", "{\"id\":\"ads.all\",\"title\":\"All ads\",\"legalBasis\":\"CONSENT\","
                        + "\"categories\":[\"order.record\"],\"parent\":\"ads\"}")
                .json();
        Policy.Builder builder = Policy.builder("kiosk", "1").effectiveFrom(LocalDate.of(2024, 1, 1))
                .zone(ZoneId.of("UTC")).category("order.record", "Orders")
                .purpose(purpose("orders", LegalBasis.CONTRACT, "order.record").title("Orders").build())
                .purpose(purpose("ads", LegalBasis.LEGITIMATE_INTERESTS, "order.record", "device.id").title("Ads")
                        .mechanism(Mechanism.NOTICE_ONLY).parent("ads.all").build())
                .purpose(purpose("ads.all", LegalBasis.CONSENT, "order.record").title("All ads").parent("ads").build());

        List<PolicyProblem> fromJson = catchThrowableOfType(() -> PolicyJson.read(json), InvalidPolicyException.class)
                .problems();

        assertThat(problems(builder)).isEqualTo(fromJson).extracting(PolicyProblem::path).containsExactly(
                "$.purposes[1].categories[1]", "$.purposes[1].mechanism", "$.purposes[1].parent");
        assertThat(fromJson.get(2).rule()).isEqualTo("forms a cycle of parents: [ads, ads.all]");
    }

    @Test
    void reportsMissingPartsOfThePolicyItself() {
        assertThat(problems(Policy.builder("Shop", " "))).extracting(PolicyProblem::toString).containsExactly(
                "$.id: \"Shop\" must be lower-case dotted segments of [a-z0-9_-], each starting with a letter",
                "$.version: \" \" must not be blank",
                "$.effectiveFrom: is required (an ISO date, e.g. 2025-01-31)",
                "$.timeZone: is required (an IANA zone id, e.g. Europe/Berlin)",
                "$.purposes: [] must declare at least one purpose");
        assertThat(problems(Policy.builder(null, null))).extracting(PolicyProblem::toString)
                .startsWith("$.id: is required", "$.version: is required");
    }

    @Test
    void theExceptionNamesThePolicyAndCountsItsProblems() {
        assertThatThrownBy(() -> shop().build()).isInstanceOf(InvalidPolicyException.class)
                .hasMessage("invalid policy 'shop' (1 problem):\n  $.purposes: [] must declare at least one purpose");
    }

    @Test
    void rulesLocalToOneValueAreCheckedWhereTheValueIsMade() {
        // Value types validate in their constructors (ids, titles, periods, ages), so a builder never holds
        // one that is broken on its own; only rules between parts wait for build().
        // a value that is not an id may be anything a client sent (an email address): the message does not quote it
        assertThatThrownBy(() -> Purpose.builder("Marketing")).isInstanceOf(InvalidValueException.class)
                .hasMessageMatching("purpose: <redacted: 9 chars, #[0-9a-f]{8}> must be lower-case dotted segments of "
                        + "\\[a-z0-9_-\\], each starting with a letter");
        assertThatThrownBy(() -> Purpose.builder("marketing").basis(LegalBasis.CONSENT).categories("contact.email")
                .build()).isInstanceOf(InvalidValueException.class).hasMessage("purpose.title: null is required");
        assertThatThrownBy(() -> purpose("marketing", LegalBasis.CONSENT).build())
                .isInstanceOf(InvalidValueException.class)
                .hasMessage("purpose.categories: \"[]\" must name at least one data category");
        assertThatThrownBy(() -> purpose("marketing", LegalBasis.CONSENT, "contact.email")
                .consentLifetime(Period.ofDays(-1)).build()).isInstanceOf(InvalidValueException.class)
                .hasMessage("purpose.consentLifetime: \"P-1D\" must be a positive period");
        assertThatThrownBy(() -> purpose("marketing", LegalBasis.CONSENT, "contact.email").minimumAge(0).build())
                .isInstanceOf(InvalidValueException.class).hasMessage("purpose.minimumAge: \"0\" must be between 1 and 120");
        assertThatThrownBy(() -> shop().category("contact email", "Email")).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> shop().purpose(null)).isInstanceOf(InvalidValueException.class)
                .hasMessage("purpose: null is required");
    }

    @Test
    void theMechanismDefaultsToTheOneTheBasisNeeds() {
        assertThat(purpose("a", LegalBasis.CONSENT, "x").build().mechanism()).isEqualTo(Mechanism.OPT_IN);
        assertThat(purpose("a", LegalBasis.LEGITIMATE_INTERESTS, "x").build().mechanism()).isEqualTo(Mechanism.OPT_OUT);
        assertThat(purpose("a", LegalBasis.PUBLIC_TASK, "x").build().mechanism()).isEqualTo(Mechanism.OPT_OUT);
        assertThat(purpose("a", LegalBasis.CONTRACT, "x").build().mechanism()).isEqualTo(Mechanism.NOTICE_ONLY);
        assertThat(purpose("a", LegalBasis.LEGAL_OBLIGATION, "x").build().mechanism()).isEqualTo(Mechanism.NOTICE_ONLY);
        assertThat(purpose("a", LegalBasis.VITAL_INTERESTS, "x").build().mechanism()).isEqualTo(Mechanism.NOTICE_ONLY);
        assertThat(purpose("a", LegalBasis.CONSENT, "x").build().needsConsent()).isTrue();
        assertThat(purpose("a", LegalBasis.CONTRACT, "x").build().needsConsent()).isFalse();
    }

    @Test
    void lineageIsThePurposeThenItsAncestorsNearestFirst() {
        Policy policy = ShopPolicy.v1();

        assertThat(policy.lineage(ShopPolicy.MARKETING_EMAIL)).extracting(Purpose::id)
                .containsExactly(ShopPolicy.MARKETING_EMAIL, ShopPolicy.MARKETING);
        assertThat(policy.lineage(ShopPolicy.MARKETING)).extracting(Purpose::id).containsExactly(ShopPolicy.MARKETING);
        assertThat(policy.recipientsFor(ShopPolicy.ORDERS)).extracting(Recipient::id).containsExactly("payments");
        assertThat(policy.recipientsFor(ShopPolicy.MARKETING)).isEmpty();
    }

    @Test
    void anUnknownPurposeIsAnExceptionNeverADefault() {
        Policy policy = ShopPolicy.v1();
        PurposeId unknown = PurposeId.of("marketing.fax");

        assertThat(policy.findPurpose(unknown)).isEmpty();
        UnknownPurposeException e = catchThrowableOfType(() -> policy.purpose(unknown), UnknownPurposeException.class);
        assertThat(e.purpose()).isEqualTo("marketing.fax");
        assertThat(e).hasMessage("purpose: \"marketing.fax\" is not declared by policy shop version 1");
        assertThatThrownBy(() -> policy.lineage(unknown)).isInstanceOf(UnknownPurposeException.class);
        assertThatThrownBy(() -> policy.purpose(null)).isInstanceOf(UnknownPurposeException.class);
        assertThat(policy.findCategory(CategoryId.of("device.camera"))).hasValueSatisfying(
                c -> assertThat(c.sensitive()).isTrue());
        assertThat(policy.findCategory(CategoryId.of("device.fax"))).isEmpty();
    }

    @Test
    void effectiveInstantIsTheStartOfTheEffectiveDateInThePolicyZone() {
        // The JVM runs in America/Sao_Paulo (see the surefire argLine); the answer must not depend on it.
        assertThat(ShopPolicy.v1().effectiveInstant()).isEqualTo(Instant.parse("2023-12-31T23:00:00Z"));
        Policy summer = shop().effectiveFrom(LocalDate.of(2025, 7, 1))
                .purpose(purpose("orders", LegalBasis.CONTRACT, "order.record").build()).build();
        assertThat(summer.effectiveInstant()).isEqualTo(Instant.parse("2025-06-30T22:00:00Z"));
        // On 2018-11-04 Sao Paulo skipped midnight (DST began at 00:00): the day started at 01:00 local time.
        Policy gap = shop().zone(ZoneId.of("America/Sao_Paulo")).effectiveFrom(LocalDate.of(2018, 11, 4))
                .purpose(purpose("orders", LegalBasis.CONTRACT, "order.record").build()).build();
        assertThat(gap.effectiveInstant()).isEqualTo(Instant.parse("2018-11-04T03:00:00Z"));
    }
}
