package dev.consent.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

import static dev.consent.policy.PolicyDocuments.FULL;
import static dev.consent.policy.PolicyDocuments.edit;
import static dev.consent.policy.PolicyDocuments.with;
import static dev.consent.policy.PolicyDocuments.without;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PolicyJsonTest {

    @Test
    void readsEveryFieldOfAFullDocument() {
        Policy policy = PolicyJson.read(FULL);

        assertThat(policy.id()).isEqualTo("shop");
        assertThat(policy.version()).isEqualTo("2025.1");
        assertThat(policy.effectiveFrom()).isEqualTo(LocalDate.of(2025, 3, 1));
        assertThat(policy.lastUpdated()).isEqualTo(LocalDate.of(2025, 2, 15));
        assertThat(policy.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(policy.controller()).contains(new Controller("Example Shop GmbH", "privacy@shop.example"));

        assertThat(policy.categories()).containsExactly(
                new DataCategory(CategoryId.of("contact.email"), "Email address", false),
                new DataCategory(CategoryId.of("contact.phone"), "Mobile number", false),
                new DataCategory(CategoryId.of("order.record"), "Orders and invoices", false),
                new DataCategory(CategoryId.of("device.id"), "Device and cookie identifiers", false),
                new DataCategory(CategoryId.of("health.allergy"), "Allergies noted on food orders", true));

        assertThat(policy.purposes()).extracting(p -> p.id().value()).containsExactly("marketing",
                "marketing.email", "ads.targeted", "analytics", "order.fulfilment", "tax.records");
        Purpose email = policy.purpose(PurposeId.of("marketing.email"));
        assertThat(email).isEqualTo(new Purpose(PurposeId.of("marketing.email"), "Newsletter",
                "A weekly email with offers.", LegalBasis.CONSENT, Mechanism.OPT_IN,
                Set.of(CategoryId.of("contact.email")), 3, Optional.of(Period.ofYears(2)), OptionalInt.of(16),
                false, Optional.of(PurposeId.of("marketing")), false));

        // Defaults of the optional fields.
        Purpose marketing = policy.purpose(PurposeId.of("marketing"));
        assertThat(marketing.description()).isNull();
        assertThat(marketing.mechanism()).isEqualTo(Mechanism.OPT_IN);
        assertThat(marketing.consentVersion()).isEqualTo(1);
        assertThat(marketing.consentLifetime()).isEmpty();
        assertThat(marketing.minimumAge()).isEmpty();
        assertThat(marketing.guardianConsent()).isTrue();
        assertThat(marketing.parent()).isEmpty();
        assertThat(marketing.saleOrSharing()).isFalse();
        assertThat(policy.purpose(PurposeId.of("ads.targeted")).saleOrSharing()).isTrue();
        assertThat(policy.purpose(PurposeId.of("analytics")).mechanism()).isEqualTo(Mechanism.OPT_OUT);
        assertThat(policy.purpose(PurposeId.of("order.fulfilment")).mechanism()).isEqualTo(Mechanism.NOTICE_ONLY);
        assertThat(policy.purpose(PurposeId.of("tax.records")).basis()).isEqualTo(LegalBasis.LEGAL_OBLIGATION);
        // Categories keep the order written, so that paths such as $.purposes[4].categories[2] mean what they say.
        assertThat(policy.purpose(PurposeId.of("order.fulfilment")).categories()).extracting(CategoryId::value)
                .containsExactly("order.record", "contact.email", "health.allergy");

        assertThat(policy.recipients()).containsExactly(
                new Recipient("payments", "PayCo", Recipient.Role.PROCESSOR, Set.of(CategoryId.of("order.record")),
                        Set.of(PurposeId.of("order.fulfilment")), "EU"),
                new Recipient("adnet", "AdNet Inc.", Recipient.Role.THIRD_PARTY, Set.of(CategoryId.of("device.id")),
                        Set.of(PurposeId.of("ads.targeted")), null));
        assertThat(policy.recipientsFor(PurposeId.of("ads.targeted"))).extracting(Recipient::id).containsExactly("adnet");
        assertThat(policy.lineage(PurposeId.of("marketing.email"))).extracting(p -> p.id().value())
                .containsExactly("marketing.email", "marketing");
    }

    @Test
    void readsAMinimalDocumentWithDefaults() {
        Policy policy = PolicyJson.read(PolicyDocuments.MINIMAL);

        assertThat(policy.lastUpdated()).isEqualTo(policy.effectiveFrom()).isEqualTo(LocalDate.of(2024, 1, 1));
        assertThat(policy.controller()).isEmpty();
        assertThat(policy.recipients()).isEmpty();
        assertThat(policy.zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(policy.categories()).singleElement().extracting(DataCategory::sensitive).isEqualTo(false);
    }

    @Test
    void readsEveryBasisAndAThreeLevelLineage() {
        Policy policy = PolicyJson.read(PolicyDocuments.EVERY_BASIS);

        assertThat(policy.purposes()).hasSize(8).extracting(Purpose::basis).containsOnly(LegalBasis.values());
        assertThat(policy.lineage(PurposeId.of("permissions.camera.scan"))).extracting(p -> p.id().value())
                .containsExactly("permissions.camera.scan", "permissions.camera", "permissions");
        assertThat(policy.purpose(PurposeId.of("permissions.camera.scan")).consentLifetime()).contains(Period.ofDays(28));
        assertThat(policy.purpose(PurposeId.of("census")).mechanism()).isEqualTo(Mechanism.OPT_OUT);
    }

    @Test
    void readsFilesAndStreamsAndNamesTheSourceInTheMessage(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policy.json");
        Files.writeString(file, FULL);
        assertThat(PolicyJson.read(file).version()).isEqualTo("2025.1");
        assertThat(PolicyJson.read(new ByteArrayInputStream(FULL.getBytes(StandardCharsets.UTF_8)), "in-memory").id())
                .isEqualTo("shop");

        Files.writeString(file, with("$.timeZone", "\"Mars/Olympus\""));
        assertThatThrownBy(() -> PolicyJson.read(file)).isInstanceOf(InvalidPolicyException.class)
                .hasMessage("invalid policy " + file + " (1 problem):\n"
                        + "  $.timeZone: \"Mars/Olympus\" is not a time zone id (expected e.g. Europe/Berlin or UTC)");
    }

    /** One malformed document: what it is, its text, and what must be reported about it. */
    record Case(String name, String json, String path, String expected, boolean wholeLine, int count) {
        /** The document must be reported with exactly this line among its problems. */
        static Case line(String name, String json, String line) {
            return new Case(name, json, line.substring(0, line.indexOf(": ")), line, true, -1);
        }

        /** The document must be reported with a problem at {@code path} whose line contains {@code fragment}. */
        static Case at(String name, String json, String path, String fragment) {
            return new Case(name, json, path, fragment, false, -1);
        }

        /** ... and with exactly {@code n} problems in all. */
        Case problems(int n) {
            return new Case(name, json, path, expected, wholeLine, n);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> malformed() {
        String enums = "CONSENT, CONTRACT, LEGAL_OBLIGATION, VITAL_INTERESTS, PUBLIC_TASK, LEGITIMATE_INTERESTS";
        String idRule = "must be lower-case dotted segments of [a-z0-9_-], each starting with a letter";
        return Stream.of(
                // Not a JSON object at all
                Case.at("not JSON", "id: shop", "$", "is not valid JSON at line 1, column 3").problems(1),
                Case.at("trailing garbage", FULL + " garbage", "$", "Unrecognized token 'garbage'").problems(1),
                Case.line("a second value after the object", FULL + "{}",
                        "$: is followed by more text at line 38, column 1; a policy is exactly one JSON object"),
                Case.at("duplicate key", FULL.replace("\"title\": \"Newsletter\",",
                        "\"title\": \"Newsletter\", \"title\": \"News\","), "$.purposes[1].title",
                        "Duplicate field 'title'").problems(1),
                Case.at("truncated text", FULL.substring(0, FULL.indexOf("P2Y")), "$.purposes[1].consentLifetime",
                        "is not valid JSON at line 20, column 48: Unexpected end-of-input").problems(1),
                Case.line("empty text", "  ", "$: is empty; expected a JSON object"),
                Case.line("root is an array", "[" + FULL + "]", "$: an array must be a JSON object"),
                Case.line("root is a string", "\"shop\"", "$: \"shop\" must be a JSON object"),
                Case.line("root is null", "null", "$: null must be a JSON object"),
                // Fields the format does not have
                Case.at("unknown top-level field", with("$.retentionRules", "[]"), "$.retentionRules",
                        "an array is not a known field (expected one of id, version, effectiveFrom, lastUpdated, "
                                + "timeZone, controller, minimumAge, categories, purposes, recipients, retention, rights, "
                                + "calendar, jurisdictions, policyUrl, language, storageLocations, signals, jurisdictionRules)").problems(1),
                Case.line("unknown purpose field (typo of legalBasis)",
                        edit(FULL).remove("$.purposes[3].legalBasis").set("$.purposes[3].legalbasis",
                                "\"LEGITIMATE_INTERESTS\"").json(),
                        "$.purposes[3].legalBasis: is required").problems(2),
                Case.at("unknown field with an odd name", with("$.controller.e mail", "\"x\""),
                        "$.controller[\"e mail\"]", "\"x\" is not a known field (expected one of name, contact, address, email, phone, id, url)"),
                // Required fields missing
                Case.line("missing id", without("$.id"), "$.id: is required").problems(1),
                Case.line("missing version", without("$.version"), "$.version: is required").problems(1),
                Case.line("missing effectiveFrom", without("$.effectiveFrom"), "$.effectiveFrom: is required")
                        .problems(1),
                Case.line("missing timeZone", without("$.timeZone"), "$.timeZone: is required").problems(1),
                Case.line("missing purposes", without("$.purposes"), "$.purposes: is required").problems(1),
                Case.line("missing categories (and no echo at each reference)", without("$.categories"),
                        "$.categories: is required").problems(1),
                Case.line("null for a required field", with("$.purposes[2].title", "null"),
                        "$.purposes[2].title: is required").problems(1),
                Case.line("missing controller contact", without("$.controller.contact"),
                        "$.controller.contact: is required").problems(1),
                // Dates and zones
                Case.line("impossible date", with("$.effectiveFrom", "\"2025-02-30\""),
                        "$.effectiveFrom: \"2025-02-30\" is not an ISO-8601 date (expected e.g. 2025-01-31)"),
                Case.line("date in a local format", with("$.lastUpdated", "\"15.02.2025\""),
                        "$.lastUpdated: \"15.02.2025\" is not an ISO-8601 date (expected e.g. 2025-01-31)"),
                Case.line("misspelt zone", with("$.timeZone", "\"Europe/Berln\""),
                        "$.timeZone: \"Europe/Berln\" is not a time zone id (expected e.g. Europe/Berlin or UTC)"),
                Case.line("offset out of range", with("$.timeZone", "\"+25:00\""),
                        "$.timeZone: \"+25:00\" is not a time zone id (expected e.g. Europe/Berlin or UTC)"),
                // Enums
                Case.line("unknown legal basis", with("$.purposes[2].legalBasis", "\"CONSNET\""),
                        "$.purposes[2].legalBasis: \"CONSNET\" is not one of " + enums).problems(1),
                Case.line("legal basis in lower case", with("$.purposes[0].legalBasis", "\"consent\""),
                        "$.purposes[0].legalBasis: \"consent\" is not one of " + enums),
                Case.line("unknown mechanism", with("$.purposes[1].mechanism", "\"OPTIN\""),
                        "$.purposes[1].mechanism: \"OPTIN\" is not one of OPT_IN, OPT_OUT, NOTICE_ONLY"),
                Case.line("unknown recipient role", with("$.recipients[1].role", "\"PROCESSER\""),
                        "$.recipients[1].role: \"PROCESSER\" is not one of PROCESSOR, THIRD_PARTY"),
                // Wrong JSON types
                Case.line("number for a string", with("$.purposes[0].title", "42"),
                        "$.purposes[0].title: 42 must be a string").problems(1),
                Case.line("number for an id", with("$.id", "7"), "$.id: 7 must be a string"),
                Case.line("string for a boolean", with("$.purposes[2].saleOrSharing", "\"yes\""),
                        "$.purposes[2].saleOrSharing: \"yes\" must be true or false"),
                Case.line("string for a number", with("$.purposes[1].consentVersion", "\"3\""),
                        "$.purposes[1].consentVersion: \"3\" must be a whole number between 1 and 16777215"),
                Case.line("object for an array of ids", with("$.purposes[0].categories", "{}"),
                        "$.purposes[0].categories: an object must be an array of strings"),
                Case.line("object for the purposes array", with("$.purposes", "{}"),
                        "$.purposes: an object must be an array").problems(1),
                Case.line("string where a purpose object belongs", with("$.purposes[0]", "\"marketing\""),
                        "$.purposes[0]: \"marketing\" must be an object"),
                Case.line("array for the controller", with("$.controller", "[]"),
                        "$.controller: an array must be an object"),
                Case.line("number inside a list of ids", with("$.recipients[0].purposes", "[\"order.fulfilment\", 5]"),
                        "$.recipients[0].purposes[1]: 5 must be a string"),
                // Duplicates and references
                Case.line("duplicate category id", with("$.categories[3].id", "\"contact.email\""),
                        "$.categories[3].id: \"contact.email\" is declared twice (first at $.categories[0])"),
                Case.line("duplicate purpose id", with("$.purposes[5].id", "\"analytics\""),
                        "$.purposes[5].id: \"analytics\" is declared twice (first at $.purposes[3])"),
                Case.line("duplicate recipient id", with("$.recipients[1].id", "\"payments\""),
                        "$.recipients[1].id: \"payments\" is declared twice (first at $.recipients[0])"),
                Case.line("undeclared category in a purpose, second in its list",
                        with("$.purposes[4].categories", "[\"order.record\", \"contact.emial\"]"),
                        "$.purposes[4].categories[1]: \"contact.emial\" is not a declared category "
                                + "(declare it under $.categories)").problems(1),
                Case.line("undeclared category in a recipient", with("$.recipients[1].categories", "[\"device.ip\"]"),
                        "$.recipients[1].categories[0]: \"device.ip\" is not a declared category"),
                Case.line("undeclared purpose in a recipient",
                        with("$.recipients[0].purposes", "[\"order.fulfilment\", \"billing\"]"),
                        "$.recipients[0].purposes[1]: \"billing\" is not a declared purpose"),
                Case.line("no categories declared", with("$.categories", "[]"),
                        "$.purposes[4].categories[2]: \"health.allergy\" is not a declared category "
                                + "(declare it under $.categories)").problems(11),
                Case.line("a purpose without categories", with("$.purposes[3].categories", "[]"),
                        "$.purposes[3].categories: [] must name at least one data category").problems(1),
                Case.line("a category listed twice", with("$.purposes[0].categories",
                        "[\"contact.email\", \"contact.phone\", \"contact.email\"]"),
                        "$.purposes[0].categories[2]: \"contact.email\" is listed twice").problems(1),
                Case.line("no purposes", with("$.purposes", "[]"), "$.purposes: [] must declare at least one purpose"),
                // Basis against mechanism (GDPR Art. 7, Art. 21)
                Case.line("CONSENT with OPT_OUT", with("$.purposes[0].mechanism", "\"OPT_OUT\""),
                        "$.purposes[0].mechanism: \"OPT_OUT\" must be OPT_IN for a purpose on legal basis CONSENT "
                                + "(GDPR Art. 4(11), Art. 7)").problems(1),
                Case.line("LEGITIMATE_INTERESTS with OPT_IN", with("$.purposes[3].mechanism", "\"OPT_IN\""),
                        "$.purposes[3].mechanism: \"OPT_IN\" must be OPT_OUT for a purpose on legal basis "
                                + "LEGITIMATE_INTERESTS (right to object, GDPR Art. 21)"),
                Case.at("LEGITIMATE_INTERESTS with NOTICE_ONLY", with("$.purposes[3].mechanism", "\"NOTICE_ONLY\""),
                        "$.purposes[3].mechanism", "\"NOTICE_ONLY\" must be OPT_OUT"),
                Case.line("CONTRACT with OPT_IN", with("$.purposes[4].mechanism", "\"OPT_IN\""),
                        "$.purposes[4].mechanism: \"OPT_IN\" must be NOTICE_ONLY for a purpose on legal basis CONTRACT "
                                + "(there is no choice to record; use CONSENT if the subject may refuse)"),
                // Consent-only options
                Case.line("consentLifetime on a CONTRACT purpose", with("$.purposes[4].consentLifetime", "\"P1Y\""),
                        "$.purposes[4].consentLifetime: \"P1Y\" is only meaningful for a purpose on legal basis "
                                + "CONSENT, not CONTRACT"),
                Case.line("lifetime in words", with("$.purposes[1].consentLifetime", "\"2 years\""),
                        "$.purposes[1].consentLifetime: \"2 years\" is not an ISO-8601 period of years, months, "
                                + "weeks or days (expected e.g. P2Y, P6M or P30D)"),
                Case.line("zero lifetime", with("$.purposes[1].consentLifetime", "\"P0D\""),
                        "$.purposes[1].consentLifetime: \"P0D\" must be a positive period"),
                Case.line("negative lifetime", with("$.purposes[1].consentLifetime", "\"-P1Y\""),
                        "$.purposes[1].consentLifetime: \"-P1Y\" must be a positive period"),
                Case.line("lifetime with a negative part", with("$.purposes[1].consentLifetime", "\"P1Y-2M\""),
                        "$.purposes[1].consentLifetime: \"P1Y-2M\" must be a positive period"),
                // Period.parse has no hours: a lifetime is calendar arithmetic in the policy zone.
                Case.at("lifetime in hours", with("$.purposes[1].consentLifetime", "\"PT5H\""),
                        "$.purposes[1].consentLifetime", "\"PT5H\" is not an ISO-8601 period of years, months"),
                Case.line("minimumAge 0", with("$.purposes[1].minimumAge", "0"),
                        "$.purposes[1].minimumAge: 0 must be between 1 and 120"),
                Case.line("minimumAge 121", with("$.purposes[1].minimumAge", "121"),
                        "$.purposes[1].minimumAge: 121 must be between 1 and 120"),
                Case.line("minimumAge not whole", with("$.purposes[1].minimumAge", "16.5"),
                        "$.purposes[1].minimumAge: 16.5 must be a whole number between 1 and 120"),
                Case.line("minimumAge on a LEGITIMATE_INTERESTS purpose", with("$.purposes[3].minimumAge", "16"),
                        "$.purposes[3].minimumAge: 16 is only enforced for a purpose on legal basis CONSENT "
                                + "(GDPR Art. 8), not LEGITIMATE_INTERESTS"),
                Case.line("consentVersion 0", with("$.purposes[1].consentVersion", "0"),
                        "$.purposes[1].consentVersion: 0 must be between 1 and 16777215"),
                Case.line("consentVersion as a date", with("$.purposes[1].consentVersion", "20250101"),
                        "$.purposes[1].consentVersion: 20250101 must be between 1 and 16777215"),
                Case.line("saleOrSharing on CONTRACT", with("$.purposes[4].saleOrSharing", "true"),
                        "$.purposes[4].saleOrSharing: true needs legal basis CONSENT or LEGITIMATE_INTERESTS, "
                                + "so that an opt-out can apply, not CONTRACT"),
                // Parents
                Case.line("undeclared parent", with("$.purposes[1].parent", "\"marketting\""),
                        "$.purposes[1].parent: \"marketting\" is not a declared purpose").problems(1),
                Case.line("parent is the purpose itself", with("$.purposes[1].parent", "\"marketing.email\""),
                        "$.purposes[1].parent: \"marketing.email\" must not be the purpose itself").problems(1),
                Case.line("parent cycle of two", with("$.purposes[0].parent", "\"marketing.email\""),
                        "$.purposes[0].parent: \"marketing.email\" forms a cycle of parents: "
                                + "[marketing, marketing.email]").problems(1),
                Case.line("parent cycle of three", edit(FULL).set("$.purposes[0].parent", "\"ads.targeted\"")
                                .set("$.purposes[2].parent", "\"marketing.email\"").json(),
                        "$.purposes[0].parent: \"ads.targeted\" forms a cycle of parents: "
                                + "[ads.targeted, marketing, marketing.email]").problems(1),
                // Ids and text
                Case.line("id in upper case", with("$.purposes[0].id", "\"Marketing\""),
                        "$.purposes[0].id: \"Marketing\" " + idRule),
                Case.line("id with a space", with("$.categories[1].id", "\"contact phone\""),
                        "$.categories[1].id: \"contact phone\" " + idRule),
                Case.line("id with a leading digit", with("$.recipients[0].id", "\"2checkout\""),
                        "$.recipients[0].id: \"2checkout\" " + idRule),
                Case.line("policy id in upper case", with("$.id", "\"Shop\""), "$.id: \"Shop\" " + idRule)
                        .problems(1),
                Case.line("id with a control character", with("$.categories[0].id", "\"contact.email\\u0007\""),
                        "$.categories[0].id: \"contact.email\\u0007\" must not contain control characters "
                                + "(found U+0007 at 13)"),
                Case.line("title with a line break", with("$.purposes[0].title", "\"Mark\\neting\""),
                        "$.purposes[0].title: \"Mark\\u000aeting\" must not contain control characters "
                                + "(found U+000A at 4)"),
                Case.line("blank title", with("$.purposes[0].title", "\"  \""),
                        "$.purposes[0].title: \"  \" must not be blank"),
                Case.line("title longer than a purpose allows", with("$.purposes[0].title", '"' + "t".repeat(301) + '"'),
                        "$.purposes[0].title: \"" + "t".repeat(80) + "...\" (301 chars) must be at most 300 characters"),
                Case.line("version longer than a policy allows", with("$.version", '"' + "9".repeat(51) + '"'),
                        "$.version: \"" + "9".repeat(51) + "\" must be at most 50 characters"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejectsMalformedDocumentsNamingWhereAndWhy(Case c) {
        InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(c.json()), InvalidPolicyException.class);

        assertThat(e).as("%s must be rejected", c.name()).isNotNull();
        List<PolicyProblem> problems = e.problems();
        assertThat(problems).as(e.getMessage()).anySatisfy(p -> {
            assertThat(p.path()).isEqualTo(c.path());
            if (c.wholeLine()) {
                assertThat(p).hasToString(c.expected());
            } else {
                assertThat(p.toString()).contains(c.expected());
            }
        });
        if (c.count() >= 0) {
            assertThat(problems).as(e.getMessage()).hasSize(c.count());
        }
        assertReadable(e);
    }

    @Test
    void hasAtLeastThirtyFiveMalformedCases() {
        assertThat(malformed().count()).isGreaterThanOrEqualTo(35);
    }

    @Test
    void reportsEveryProblemOfADocumentAtOnce() {
        String json = edit(FULL)
                .set("$.timeZone", "\"Europe/Berln\"")                              // a field
                .set("$.purposes[0].legalBasis", "\"CONSNET\"")                     // a field
                .set("$.purposes[4].categories", "[\"order.record\", \"contact.emial\"]") // a reference
                .set("$.purposes[3].mechanism", "\"OPT_IN\"")                       // basis against mechanism
                .set("$.recipients[1].id", "\"payments\"")                          // a duplicate
                .set("$.retentionRules", "[]")                                      // an unknown field
                .json();

        InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(json), InvalidPolicyException.class);

        assertThat(e.problems()).extracting(PolicyProblem::path).containsExactlyInAnyOrder(
                "$.timeZone", "$.purposes[0].legalBasis", "$.purposes[4].categories[1]", "$.purposes[3].mechanism",
                "$.recipients[1].id", "$.retentionRules");
        // marketing (purposes[0]) is malformed, but marketing.email still names it as parent: not an echo.
        assertThat(e.getMessage()).startsWith("invalid policy (6 problems):\n  ").doesNotContain("marketing\"");
        assertReadable(e);
    }

    @Test
    void countsIndexesAsWrittenWhenAnEarlierElementIsMalformed() {
        String json = edit(FULL)
                .set("$.categories[1].description", "\"\"")          // categories[1] left out ...
                .set("$.categories[4].id", "\"contact.email\"")      // ... yet [4] is still found at 4, and
                                                                     // health.allergy is gone
                .set("$.purposes[2].title", "17")                    // purposes[2] left out ...
                .set("$.purposes[5].parent", "\"tax.records\"")      // ... yet [5] is still found at 5
                .json();

        InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(json), InvalidPolicyException.class);

        assertThat(e.problems()).extracting(PolicyProblem::toString).containsExactlyInAnyOrder(
                "$.categories[1].description: \"\" must not be blank",
                "$.purposes[2].title: 17 must be a string",
                "$.categories[4].id: \"contact.email\" is declared twice (first at $.categories[0])",
                "$.purposes[4].categories[2]: \"health.allergy\" is not a declared category "
                        + "(declare it under $.categories)",
                "$.purposes[5].parent: \"tax.records\" must not be the purpose itself");
        // contact.phone (categories[1]) and ads.targeted (purposes[2]) are still declared for the references to them.
    }

    @Test
    void aProblemAtAnElementDoesNotHideOneAtAnElementWhoseIndexItPrefixes() {
        // Eleven purposes: a problem at $.purposes[10] once suppressed the one at $.purposes[1].
        PolicyDocuments.Edit edit = edit(FULL);
        for (int i = 6; i <= 10; i++) {
            edit.add("$.purposes", "{\"id\":\"extra" + (char) ('a' + i) + "\",\"title\":\"x\",\"legalBasis\":\"CONTRACT\","
                    + "\"categories\":[\"order.record\"]}");
        }
        String json = edit.set("$.purposes[10].title", "\"\"").set("$.purposes[1].title", '"' + "n".repeat(301) + '"')
                .json();

        InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(json), InvalidPolicyException.class);

        assertThat(e.problems()).extracting(PolicyProblem::path)
                .containsExactlyInAnyOrder("$.purposes[10].title", "$.purposes[1].title");
    }

    @Test
    void rejectsTenThousandNestedArraysWithoutExhaustingTheStack() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        String deepInAField = with("$.controller", "{}").replace("\"controller\" : { }",
                "\"controller\" : " + "[".repeat(10_000) + "]".repeat(10_000));
        assertThat(deepInAField).contains("[[[[");

        for (String json : List.of(deep, deepInAField)) {
            InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(json), InvalidPolicyException.class);
            assertThat(e.problems()).singleElement().satisfies(p -> {
                assertThat(p.path()).isEqualTo("$");
                assertThat(p.rule()).startsWith("is too large or too deeply nested for a policy: ");
            });
        }
    }

    @Test
    void rejectsModeratelyDeepNestingBelowTheParserLimit() {
        String json = with("$.controller", "{}").replace("\"controller\" : { }",
                "\"controller\" : " + "{\"a\":".repeat(100) + "1" + "}".repeat(100));

        InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(json), InvalidPolicyException.class);

        assertThat(e.problems()).singleElement().hasToString("$: nests deeper than 64 levels");
    }

    /** Every problem reads as one line: a path, the value when there is one, and a rule; never a Java artefact. */
    static void assertReadable(InvalidPolicyException e) {
        assertThat(e.problems()).isNotEmpty().doesNotHaveDuplicates().allSatisfy(p -> {
            assertThat(p.path()).startsWith("$");
            assertThat(p.rule()).isNotBlank();
            assertThat(p.toString()).doesNotContainPattern("[\\p{Cntrl}\\p{Cf}]")
                    .doesNotContain("null is", "missing is", "Exception", "com.fasterxml", "java.", "Optional[");
        });
    }
}
