package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.policy.NoticeText;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.PurposeId;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.consent.web.WebFixture.choice;
import static dev.consent.web.WebFixture.choices;
import static dev.consent.web.WebFixture.cookie;
import static dev.consent.web.WebFixture.get;
import static dev.consent.web.WebFixture.json;
import static dev.consent.web.WebFixture.post;
import static dev.consent.web.WebFixture.purpose;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The notices shown and hashed are the policy's, in each language: two policies that differ only in one translation
 * show and record different texts, each exactly its own.
 */
class PolicyNoticesTest {
    private static final PurposeId ANALYTICS = PurposeId.of("analytics");

    private static Policy policy(String frenchText) {
        return PolicyJson.read("""
                {"id":"shop","version":"1","effectiveFrom":"2025-01-01","timeZone":"Europe/Paris","language":"en",
                 "categories":[{"id":"device.cookie","description":"Cookies"}],
                 "purposes":[{"id":"analytics","title":"Statistics","description":"We count visits.",
                   "legalBasis":"CONSENT","categories":["device.cookie"],
                   "translations":{
                     "de":{"title":"Statistik","text":"Wir zählen Besuche."},
                     "fr":{"title":"Statistiques","text":"%s"},
                     "fr-CA":{"title":"Statistiques","text":"Nous comptons les visites, au Québec aussi."}}}]}
                """.formatted(frenchText));
    }

    /** Shows the notice in {@code locale}, records a grant quoting it, and answers what was shown. */
    private static JsonNode grantIn(WebFixture shop, String locale) {
        WebResponse first = shop.send(get("/purposes").rawQuery("locale=" + locale));
        JsonNode shown = purpose(json(first), "analytics");
        String visitor = WebFixture.visitorCookie(first);
        WebResponse r = shop.send(post("/choices", choices(locale, choice(shown, "granted")))
                .header("Cookie", cookie(visitor)));
        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        List<ConsentEvent> ledger = shop.history(visitor);
        assertThat(ledger).hasSize(1);
        assertThat(ledger.get(0).evidence().noticeHash()).isEqualTo(shown.get("noticeHash").asText());
        assertThat(ledger.get(0).evidence().locale()).isEqualTo(shown.get("locale").asText());
        return shown;
    }

    @Test
    void theTextShownAndHashedInALanguageIsThePolicysTranslation() {
        for (String french : List.of("Nous comptons les visites.", "Nous comptons les visites pour améliorer le site.")) {
            Policy policy = policy(french);
            WebFixture shop = new WebFixture(policy, b -> b);
            NoticeText fr = policy.findPurpose(ANALYTICS).orElseThrow().translation("fr").orElseThrow();

            JsonNode shown = grantIn(shop, "fr-FR");

            assertThat(shown.get("text").asText()).isEqualTo(fr.text()).isEqualTo(french);
            assertThat(shown.get("title").asText()).isEqualTo(fr.title());
            assertThat(shown.get("locale").asText()).as("fr-FR falls back to fr").isEqualTo("fr");
            assertThat(shown.get("noticeId").asText()).isEqualTo("analytics/v1/fr");
            assertThat(shown.get("noticeHash").asText()).isEqualTo(Evidence.hashOf(french));
        }
    }

    @Test
    void aRegionalTranslationWinsOverItsLanguageAndTheOwnLanguageIsTheDescription() {
        WebFixture shop = new WebFixture(policy("Nous comptons les visites."), b -> b);

        assertThat(grantIn(shop, "fr-CA").get("text").asText()).isEqualTo("Nous comptons les visites, au Québec aussi.");
        assertThat(grantIn(shop, "de-CH").get("text").asText()).isEqualTo("Wir zählen Besuche.");
        JsonNode english = grantIn(shop, "en-GB");
        assertThat(english.get("locale").asText()).isEqualTo("en");
        assertThat(english.get("noticeHash").asText()).isEqualTo(Evidence.hashOf("We count visits."));
        assertThat(grantIn(shop, "it").get("locale").asText()).as("no Italian text: the policy's language")
                .isEqualTo("en");
    }
}
