package dev.consent.policy;

import dev.consent.InvalidValueException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A purpose's notice in other languages: read exactly as written, refused with the JSON path of each problem. */
class PolicyTranslationsTest {
    private static final String DE_FR = """
            {"de": {"title": "Newsletter", "text": "Jede Woche eine E-Mail mit Angeboten."},
             "fr-CA": {"title": "Infolettre", "text": "  Un courriel par semaine.  "}}""";

    /** FULL with the policy's language set to English, so that its English texts are the notice in English. */
    private static PolicyDocuments.Edit english() {
        return PolicyDocuments.edit(PolicyDocuments.FULL).set("$.language", "\"en\"");
    }

    private static InvalidPolicyException refused(String json) {
        return catchThrowableOfType(() -> PolicyJson.read(json), InvalidPolicyException.class);
    }

    private static String problemAt(InvalidPolicyException e, String path) {
        assertThat(e).as("refused").isNotNull();
        return e.problems().stream().filter(p -> p.path().equals(path)).findFirst().map(PolicyProblem::toString)
                .orElseThrow(() -> new AssertionError("no problem at " + path + " in " + e.problems()));
    }

    @Test
    void translationsAreReadExactlyAsWrittenAndTheOwnLanguageIsTheTitleAndDescription() {
        Policy policy = PolicyJson.read(english().set("$.purposes[1].translations", DE_FR).json());

        Purpose email = policy.findPurpose(PurposeId.of("marketing.email")).orElseThrow();
        assertThat(email.translations()).containsOnlyKeys("de", "fr-CA");
        assertThat(email.translation("fr-CA")).contains(new NoticeText("Infolettre", "  Un courriel par semaine.  "));
        assertThat(email.translation("fr")).as("no fallback here: exactly the language asked").isEmpty();
        assertThat(email.notice()).isEqualTo(new NoticeText("Newsletter", "A weekly email with offers."));
        assertThat(policy.findPurpose(PurposeId.of("marketing")).orElseThrow().notice())
                .as("no description: the title is the text").isEqualTo(new NoticeText("Marketing", "Marketing"));
    }

    @Test
    void theBuilderAndTheReaderMakeTheSamePurpose() {
        Policy read = PolicyJson.read(english().set("$.purposes[1].translations", DE_FR).json());
        Purpose built = Purpose.builder("marketing.email").title("Newsletter").description("A weekly email with offers.")
                .basis(LegalBasis.CONSENT).categories("contact.email").consentVersion(3)
                .consentLifetime(java.time.Period.ofYears(2)).minimumAge(16).guardianConsent(false).parent("marketing")
                .translation("de", "Newsletter", "Jede Woche eine E-Mail mit Angeboten.")
                .translation("fr-CA", "Infolettre", "  Un courriel par semaine.  ").build();

        assertThat(read.findPurpose(PurposeId.of("marketing.email"))).contains(built);
    }

    @Test
    void aMalformedLanguageTagIsRefusedAtItsPath() {
        for (String tag : new String[] {"DE", "de_AT", "de-at", "german", "xx", "de-XX", ""}) {
            InvalidPolicyException e = refused(english().set("$.purposes[1].translations",
                    "{\"" + tag + "\": {\"title\": \"T\", \"text\": \"x\"}}").json());
            String path = PolicyJson.member("$.purposes[1].translations", tag);
            assertThat(problemAt(e, path)).as(tag).contains("must be a language tag");
        }
    }

    @Test
    void anEmptyTitleOrTextAndUnknownFieldsAreRefusedAtTheirPaths() {
        InvalidPolicyException e = refused(english().set("$.purposes[1].translations", """
                {"de": {"title": "Newsletter", "text": ""},
                 "fr": {"title": " ", "text": "x", "description": "y"},
                 "it": {"title": "Newsletter"},
                 "es": "Boletín"}""").json());

        assertThat(problemAt(e, "$.purposes[1].translations.de.text")).contains("must not be blank");
        assertThat(problemAt(e, "$.purposes[1].translations.fr.title")).contains("must not be blank");
        assertThat(problemAt(e, "$.purposes[1].translations.fr.description")).contains("is not a known field");
        assertThat(problemAt(e, "$.purposes[1].translations.it.text")).contains("is required");
        assertThat(problemAt(e, "$.purposes[1].translations.es")).contains("must be an object with title and text");
        assertThat(e.problems()).hasSize(5);
    }

    @Test
    void aTextLongerThanADescriptionIsRefused() {
        String title = "t".repeat(301);
        InvalidPolicyException e = refused(english().set("$.purposes[1].translations",
                "{\"de\": {\"title\": \"" + title + "\", \"text\": \"x\"}}").json());

        assertThat(problemAt(e, "$.purposes[1].translations.de.title")).contains("at most 300 characters");
    }

    @Test
    void aTranslationOfAPurposeWithoutANoticeTextIsRefused() {
        // purposes[0], marketing, has a title and no description: there is no notice text to translate
        InvalidPolicyException e = refused(english().set("$.purposes[0].translations",
                "{\"de\": {\"title\": \"Werbung\", \"text\": \"Angebote per E-Mail.\"}}").json());

        assertThat(problemAt(e, "$.purposes[0].translations")).contains("translates a notice text the purpose does"
                + " not have");
    }

    @Test
    void translationsNeedThePolicysLanguageAndNoneMayBeInIt() {
        String withoutLanguage = PolicyDocuments.edit(PolicyDocuments.FULL).set("$.purposes[1].translations",
                DE_FR).json();
        assertThat(problemAt(refused(withoutLanguage), "$.purposes[1].translations"))
                .contains("needs the policy's language ($.language)");

        InvalidPolicyException e = refused(english().set("$.purposes[1].translations",
                "{\"en\": {\"title\": \"Newsletter\", \"text\": \"Weekly offers.\"},"
                        + " \"en-GB\": {\"title\": \"Newsletter\", \"text\": \"Weekly offers.\"}}").json());
        assertThat(problemAt(e, "$.purposes[1].translations.en")).contains("is the policy's own language");
        assertThat(e.problems()).as("a regional variant is a translation like any other").hasSize(1);
    }

    @Test
    void theBuilderReportsTheSameRulesWithTheSamePaths() {
        Policy.Builder b = Policy.builder("shop", "1").effectiveFrom(java.time.LocalDate.of(2025, 1, 1))
                .zone(java.time.ZoneId.of("UTC")).category("contact.email", "Email address")
                .purpose(Purpose.builder("newsletter").title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories("contact.email").translation("de", "Newsletter", "Angebote").build());

        InvalidPolicyException e = catchThrowableOfType(b::build, InvalidPolicyException.class);

        assertThat(e.problems()).extracting(PolicyProblem::path).containsExactly("$.purposes[0].translations",
                "$.purposes[0].translations");
        assertThatThrownBy(() -> Purpose.builder("newsletter").translation("de", "T", "a").translation("de", "T", "b"))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("has a translation already");
        assertThatThrownBy(() -> Purpose.builder("newsletter").title("N").basis(LegalBasis.CONSENT)
                .categories("contact.email").translation("de_DE", "T", "x").build())
                .isInstanceOfSatisfying(InvalidValueException.class, x -> {
                    assertThat(x.field()).isEqualTo("purpose.translations");
                    assertThat(x.value()).isEqualTo("de_DE");
                });
        assertThatThrownBy(() -> new Purpose(PurposeId.of("newsletter"), "N", "d", LegalBasis.CONSENT,
                Mechanism.OPT_IN, java.util.Set.of(CategoryId.of("contact.email")), 1, java.util.Optional.empty(),
                java.util.OptionalInt.empty(), true, java.util.Optional.empty(), false, java.util.Set.of(),
                java.util.Optional.empty(), tooMany()))
                .hasMessageContaining("MAX_TRANSLATIONS");
    }

    private static Map<String, NoticeText> tooMany() {
        Map<String, NoticeText> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i <= PolicyLimits.MAX_TRANSLATIONS; i++) {
            m.put("x" + i, new NoticeText("T", "x"));
        }
        return m;
    }
}
