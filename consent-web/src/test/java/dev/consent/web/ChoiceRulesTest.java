package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.ConsentService;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
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

/** Which ledger event each choice becomes, and when the banner must ask again. */
class ChoiceRulesTest {
    private final WebFixture shop = new WebFixture();
    private final WebResponse first = shop.send(get("/purposes"));
    private final String visitor = WebFixture.visitorCookie(first);
    private final JsonNode shown = json(first);

    private WebResponse choose(String... choices) {
        return shop.send(post("/choices", choices("en", choices)).header("Cookie", cookie(visitor)));
    }

    private List<Choice> recorded() {
        return shop.history(visitor).stream().map(ConsentEvent::choice).toList();
    }

    @Test
    void denyingAStandingGrantIsAWithdrawal() {
        assertThat(choose(choice(purpose(shown, "analytics"), "granted")).status()).isEqualTo(200);
        assertThat(choose(choice(purpose(shown, "analytics"), "denied")).status()).isEqualTo(200);
        assertThat(choose(choice(purpose(shown, "ads"), "denied")).status()).isEqualTo(200);

        assertThat(recorded()).containsExactly(Choice.GRANTED, Choice.WITHDRAWN, Choice.DENIED);
    }

    @Test
    void denyingAnOptOutPurposeIsAnObjection() {
        assertThat(choose(choice(purpose(shown, "recommendations"), "denied")).status()).isEqualTo(200);

        assertThat(recorded()).containsExactly(Choice.OBJECTED);
        JsonNode after = json(shop.send(get("/purposes").header("Cookie", cookie(visitor))));
        assertThat(purpose(after, "recommendations").get("state").asText()).isEqualTo("denied");
        assertThat(purpose(after, "recommendations").get("prompt").asBoolean()).isFalse();
    }

    @Test
    void aDoubleOptInPurposeIsNotGrantedFromTheBannerButCanBeRefused() {
        WebResponse r = choose(choice(purpose(shown, "newsletter"), "granted"));

        assertThat(r.status()).isEqualTo(400);
        assertThat(json(r).get("field").asText()).isEqualTo("choices[0].choice");
        assertThat(json(r).get("rule").asText()).contains("double opt-in");
        assertThat(choose(choice(purpose(shown, "newsletter"), "denied")).status()).isEqualTo(200);
        assertThat(recorded()).containsExactly(Choice.DENIED);
    }

    @Test
    void aNoticeOnlyPurposeAndAPurposeChosenTwiceAreRefused() {
        String essential = choice(purpose(shown, "analytics"), "granted").replace("\"analytics\"", "\"essential\"");
        WebResponse notice = choose(essential);
        assertThat(notice.status()).isEqualTo(400);
        assertThat(json(notice).get("rule").asText()).contains("notice only");

        WebResponse twice = choose(choice(purpose(shown, "analytics"), "granted"),
                choice(purpose(shown, "analytics"), "denied"));
        assertThat(twice.status()).isEqualTo(400);
        assertThat(json(twice).get("field").asText()).isEqualTo("choices[1].purpose");
        assertThat(recorded()).isEmpty();
    }

    @Test
    void acceptingAllStopsThePromptAndAVersionBumpBringsItBack() {
        assertThat(choose(choice(purpose(shown, "analytics"), "granted"), choice(purpose(shown, "ads"), "denied"),
                choice(purpose(shown, "newsletter"), "denied"), choice(purpose(shown, "recommendations"), "granted"))
                .status()).isEqualTo(200);
        JsonNode decided = json(shop.send(get("/purposes").header("Cookie", cookie(visitor))));
        assertThat(decided.get("prompt").asBoolean()).isFalse();
        assertThat(purpose(decided, "analytics").get("state").asText()).isEqualTo("granted");

        // the analytics purpose changes materially: consent version 3 over the same ledger
        ConsentService bumped = ConsentService.builder().policy(WebFixture.policy(3)).store(shop.store).build();
        ConsentWebHandler handler = ConsentWebHandler.builder(bumped).build();
        JsonNode after = json(handler.handle(get("/purposes").header("Cookie", cookie(visitor)).build()));

        assertThat(after.get("prompt").asBoolean()).isTrue();
        JsonNode analytics = purpose(after, "analytics");
        assertThat(analytics.get("version").asInt()).isEqualTo(3);
        assertThat(analytics.get("state").asText()).isEqualTo("none");
        assertThat(analytics.get("reason").asText()).isEqualTo("RECONSENT_REQUIRED");
        assertThat(analytics.get("prompt").asBoolean()).isTrue();
        assertThat(purpose(after, "ads").get("prompt").asBoolean()).as("unchanged purposes are not asked again")
                .isFalse();
        assertThat(analytics.get("noticeId").asText()).as("the notice of the version in force").isEqualTo(
                "analytics/v3/en");
    }

    @Test
    void anUndecidedDoubleOptInPurposeDoesNotKeepTheBannerOpen() {
        assertThat(choose(choice(purpose(shown, "analytics"), "denied"), choice(purpose(shown, "ads"), "denied"),
                choice(purpose(shown, "recommendations"), "denied")).status()).isEqualTo(200);

        JsonNode after = json(shop.send(get("/purposes").header("Cookie", cookie(visitor))));

        assertThat(purpose(after, "newsletter").get("state").asText()).isEqualTo("none");
        assertThat(after.get("prompt").asBoolean()).isFalse();
    }

    @Test
    void aRefusalUnderAnOlderVersionIsAskedAgainToo() {
        assertThat(choose(choice(purpose(shown, "analytics"), "denied")).status()).isEqualTo(200);

        ConsentService bumped = ConsentService.builder().policy(WebFixture.policy(3)).store(shop.store).build();
        JsonNode after = json(ConsentWebHandler.builder(bumped).build()
                .handle(get("/purposes").header("Cookie", cookie(visitor)).build()));

        JsonNode analytics = purpose(after, "analytics");
        assertThat(analytics.get("state").asText()).isEqualTo("denied");
        assertThat(analytics.get("decidedVersion").asInt()).isEqualTo(2);
        assertThat(analytics.get("prompt").asBoolean()).isTrue();
    }

    @Test
    void theGpcSignalIsReportedAndItsHeaderRecordedAsEvidence() {
        JsonNode withGpc = json(shop.send(get("/purposes").header("Cookie", cookie(visitor)).header("Sec-GPC", "1")));
        assertThat(withGpc.get("gpc").asBoolean()).isTrue();
        assertThat(purpose(withGpc, "ads").get("gpcOptOut").asBoolean()).isTrue();
        assertThat(purpose(withGpc, "analytics").get("gpcOptOut").asBoolean()).isFalse();

        String body = choices("en", choice(purpose(shown, "ads"), "denied")).replace("\"gpc\":false", "\"gpc\":true");
        assertThat(shop.send(post("/choices", body).header("Cookie", cookie(visitor)).header("Sec-GPC", "1"))
                .status()).isEqualTo(200);

        assertThat(shop.history(visitor).get(0).evidence().reference())
                .isEqualTo("consent banner; Sec-GPC: 1; navigator.globalPrivacyControl: true");
    }

    @Test
    void aMalformedChoiceIsRefusedByField() {
        String noHash = choice(purpose(shown, "analytics"), "granted").replaceAll(",\"noticeHash\":\"[0-9a-f]+\"", "");
        assertThat(json(choose(noHash)).get("field").asText()).isEqualTo("choices[0].noticeHash");
        String maybe = choice(purpose(shown, "analytics"), "maybe");
        assertThat(json(choose(maybe)).get("field").asText()).isEqualTo("choices[0].choice");
        String textVersion = choice(purpose(shown, "analytics"), "granted").replace("\"version\":2", "\"version\":\"2\"");
        assertThat(json(choose(textVersion)).get("field").asText()).isEqualTo("choices[0].version");
        assertThat(shop.send(post("/choices", "{\"choices\":[]}").header("Cookie", cookie(visitor))).status())
                .isEqualTo(400);
        assertThat(shop.send(post("/choices", "[1]").header("Cookie", cookie(visitor))).status()).isEqualTo(400);
        assertThat(recorded()).isEmpty();
    }
}
