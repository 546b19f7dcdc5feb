package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
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

class PurposesAndChoicesTest {
    private final WebFixture shop = new WebFixture();

    @Test
    void firstVisitListsTheDecidablePurposesInTheRequestedLanguageAndIssuesAVisitorCookie() {
        WebResponse r = shop.send(get("/purposes").rawQuery("locale=de-AT"));

        assertThat(r.status()).isEqualTo(200);
        String visitor = WebFixture.visitorCookie(r);
        assertThat(visitor).matches("[A-Za-z0-9_-]{32}");
        assertThat(r.header("set-cookie").orElseThrow()).contains("HttpOnly", "SameSite=Lax", "Secure", "Path=/");
        JsonNode doc = json(r);
        assertThat(doc.get("prompt").asBoolean()).isTrue();
        assertThat(doc.get("policyLocale").asText()).isEqualTo("en");
        assertThat(doc.get("purposes")).extracting(p -> p.get("id").asText())
                .containsExactly("analytics", "ads", "newsletter", "recommendations"); // essential: notice only
        JsonNode analytics = purpose(doc, "analytics");
        assertThat(analytics.get("locale").asText()).isEqualTo("de");
        assertThat(analytics.get("title").asText()).isEqualTo("Statistik");
        assertThat(analytics.get("text").asText()).isEqualTo("Wir zählen Besuche.");
        assertThat(analytics.get("noticeHash").asText()).isEqualTo(Evidence.hashOf("Wir zählen Besuche."));
        assertThat(analytics.get("noticeId").asText()).isEqualTo("analytics/v2/de");
        assertThat(analytics.get("version").asInt()).isEqualTo(2);
        assertThat(analytics.get("mechanism").asText()).isEqualTo("opt-in");
        assertThat(analytics.get("state").asText()).isEqualTo("none");
        assertThat(analytics.get("prompt").asBoolean()).isTrue();
        assertThat(analytics.get("consentMode")).extracting(JsonNode::asText).containsExactly("analytics_storage");
        JsonNode ads = purpose(doc, "ads");
        assertThat(ads.get("gpcOptOut").asBoolean()).isTrue();
        assertThat(ads.get("consentMode")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrder("ad_storage", "ad_user_data");
        JsonNode newsletter = purpose(doc, "newsletter");
        assertThat(newsletter.get("locale").asText()).as("no German text: the policy's own language")
                .isEqualTo("en");
        assertThat(newsletter.get("text").asText()).isEqualTo("Offers by email.");
        assertThat(newsletter.get("doubleOptIn").asBoolean()).isTrue();
        assertThat(newsletter.get("prompt").asBoolean()).as("never asked for in the banner").isFalse();
        assertThat(analytics.get("doubleOptIn").asBoolean()).isFalse();
        assertThat(purpose(doc, "recommendations").get("mechanism").asText()).isEqualTo("opt-out");
    }

    @Test
    void rejectAllRecordsDenialsWithTheEvidenceOfTheNoticeShownAndStopsPrompting() {
        WebResponse first = shop.send(get("/purposes").rawQuery("locale=fr"));
        String visitor = WebFixture.visitorCookie(first);
        JsonNode shown = json(first);

        WebResponse r = shop.send(post("/choices", choices("fr", choice(purpose(shown, "analytics"), "denied"),
                choice(purpose(shown, "ads"), "denied"))).header("Cookie", cookie(visitor)));

        assertThat(r.status()).as(r.bodyText()).isEqualTo(200);
        assertThat(r.headers()).doesNotContainKey("set-cookie");
        List<ConsentEvent> events = shop.history(visitor);
        assertThat(events).hasSize(2);
        ConsentEvent analytics = events.get(0);
        assertThat(analytics.choice()).isEqualTo(Choice.DENIED);
        assertThat(analytics.method()).isEqualTo(Method.COOKIE_BANNER);
        assertThat(analytics.consentVersion()).isEqualTo(2);
        assertThat(analytics.policyVersion()).isEqualTo("v2");
        assertThat(analytics.evidence().noticeId()).isEqualTo("analytics/v2/fr");
        assertThat(analytics.evidence().noticeHash()).isEqualTo(Evidence.hashOf("Nous comptons les visites."));
        assertThat(analytics.evidence().locale()).isEqualTo("fr");
        assertThat(analytics.evidence().userAgent()).isEqualTo("Mozilla/5.0 (test)");
        assertThat(analytics.evidence().ip()).isEqualTo("203.0.113.0/24");
        assertThat(analytics.evidence().reference()).contains("Sec-GPC: absent");
        assertThat(events.get(1).evidence().locale()).as("ads has no French text").isEqualTo("en");

        JsonNode after = json(shop.send(get("/purposes").rawQuery("locale=fr").header("Cookie", cookie(visitor))));
        assertThat(purpose(after, "analytics").get("state").asText()).isEqualTo("denied");
        assertThat(purpose(after, "analytics").get("prompt").asBoolean()).isFalse();
        assertThat(purpose(after, "analytics").get("decidedVersion").asInt()).isEqualTo(2);
    }

    @Test
    void aNoticeHashOrVersionThatIsNotTheCurrentOneIsRefusedAndNothingIsWritten() {
        WebResponse first = shop.send(get("/purposes").rawQuery("locale=de"));
        String visitor = WebFixture.visitorCookie(first);
        JsonNode analytics = purpose(json(first), "analytics");
        String ok = choice(purpose(json(first), "ads"), "granted");
        String forged = choice(analytics, "granted").replace(analytics.get("noticeHash").asText(),
                Evidence.hashOf("a text nobody was shown"));

        WebResponse r = shop.send(post("/choices", choices("de", ok, forged)).header("Cookie", cookie(visitor)));

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.header("content-type")).contains("application/problem+json");
        JsonNode problem = json(r);
        assertThat(problem.get("field").asText()).isEqualTo("choices[1].noticeHash");
        assertThat(problem.get("rule").asText()).contains(Evidence.hashOf("Wir zählen Besuche."));
        assertThat(shop.history(visitor)).as("all or nothing").isEmpty();

        String oldVersion = choice(analytics, "granted").replace("\"version\":2", "\"version\":1");
        WebResponse v = shop.send(post("/choices", choices("de", oldVersion)).header("Cookie", cookie(visitor)));
        assertThat(v.status()).isEqualTo(409);
        assertThat(json(v).get("field").asText()).isEqualTo("choices[0].version");

        String otherLanguage = choice(analytics, "granted");
        WebResponse l = shop.send(post("/choices", choices("fr", otherLanguage)).header("Cookie", cookie(visitor)));
        assertThat(l.status()).as("the German notice quoted under a French request").isEqualTo(409);
        assertThat(shop.history(visitor)).isEmpty();
    }

    @Test
    void anUnknownPurposeIsRefusedByName() {
        String unknown = "{\"purpose\":\"telepathy\",\"choice\":\"granted\",\"noticeId\":\"x\",\"noticeHash\":\""
                + Evidence.hashOf("x") + "\",\"version\":1}";

        WebResponse r = shop.send(post("/choices", choices("en", unknown)));

        assertThat(r.status()).isEqualTo(400);
        JsonNode problem = json(r);
        assertThat(problem.get("field").asText()).isEqualTo("choices[0].purpose");
        assertThat(problem.get("value").asText()).isEqualTo("telepathy");
        assertThat(problem.get("type").asText()).endsWith("#problem-unknown-purpose");
    }
}
