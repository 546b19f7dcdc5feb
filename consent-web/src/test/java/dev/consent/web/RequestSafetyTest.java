package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static dev.consent.web.WebFixture.choice;
import static dev.consent.web.WebFixture.choices;
import static dev.consent.web.WebFixture.cookie;
import static dev.consent.web.WebFixture.get;
import static dev.consent.web.WebFixture.json;
import static dev.consent.web.WebFixture.post;
import static dev.consent.web.WebFixture.purpose;
import static org.assertj.core.api.Assertions.assertThat;

/** Cross-site requests, cookies, sizes and rates: what an attacker can send. */
class RequestSafetyTest {
    private final WebFixture shop = new WebFixture();
    private final WebResponse first = shop.send(get("/purposes"));
    private final String visitor = WebFixture.visitorCookie(first);
    private final String deny = choices("en", choice(purpose(json(first), "analytics"), "denied"));

    private WebRequest.Builder choicesWithout(String header) {
        WebRequest.Builder b = WebRequest.builder("POST", ConsentWebHandler.DEFAULT_BASE_PATH + "/choices")
                .header("Host", WebFixture.HOST).header("Cookie", cookie(visitor));
        if (!header.equals("Content-Type")) {
            b.header("Content-Type", "application/json; charset=utf-8");
        }
        if (!header.equals("X-Consent-Request")) {
            b.header("X-Consent-Request", "1");
        }
        if (!header.equals("Origin")) {
            b.header("Origin", WebFixture.ORIGIN);
        }
        return b.body(deny.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theShopsOwnScriptIsHeard() {
        assertThat(shop.send(choicesWithout("none")).status()).isEqualTo(200);
    }

    @Test
    void aFormPostIsRefused() {
        WebResponse r = shop.send(choicesWithout("Content-Type").header("Content-Type", "text/plain"));

        assertThat(r.status()).isEqualTo(415);
        assertThat(json(r).get("field").asText()).isEqualTo("Content-Type");
        assertThat(shop.history(visitor)).isEmpty();
    }

    @Test
    void aRequestWithoutTheCustomHeaderIsRefused() {
        WebResponse r = shop.send(choicesWithout("X-Consent-Request"));

        assertThat(r.status()).isEqualTo(403);
        assertThat(json(r).get("field").asText()).isEqualTo("X-Consent-Request");
        assertThat(shop.history(visitor)).isEmpty();
    }

    @Test
    void aForeignOriginIsRefused() {
        WebResponse r = shop.send(choicesWithout("Origin").header("Origin", "https://evil.example"));

        assertThat(r.status()).isEqualTo(403);
        assertThat(json(r).get("field").asText()).isEqualTo("Origin");
        assertThat(json(r).get("value").asText()).isEqualTo("https://evil.example");
        assertThat(shop.send(choicesWithout("Origin").header("Origin", "null")).status()).isEqualTo(403);
        assertThat(shop.send(choicesWithout("Origin").header("Origin", "https://shop.example.evil.example"))
                .status()).isEqualTo(403);
        assertThat(shop.history(visitor)).isEmpty();
    }

    @Test
    void aCrossSiteFetchIsRefusedWhateverItsOrigin() {
        WebResponse r = shop.send(choicesWithout("none").header("Sec-Fetch-Site", "cross-site"));

        assertThat(r.status()).isEqualTo(403);
        assertThat(json(r).get("field").asText()).isEqualTo("Sec-Fetch-Site");
        assertThat(shop.send(choicesWithout("none").header("Sec-Fetch-Site", "same-site")).status()).isEqualTo(403);
    }

    @Test
    void aRequestOfUnknownOriginIsRefused() {
        WebResponse r = shop.send(choicesWithout("Origin"));

        assertThat(r.status()).isEqualTo(403);
        assertThat(shop.send(choicesWithout("Origin").header("Sec-Fetch-Site", "same-origin")).status())
                .as("a browser's Sec-Fetch-Site alone suffices").isEqualTo(200);
    }

    @Test
    void configuredOriginsReplaceTheHostComparison() {
        WebFixture proxied = new WebFixture(WebFixture.policy(2),
                b -> b.allowedOrigins(Set.of("https://www.shop.example")));
        WebResponse shown = proxied.send(get("/purposes"));
        String body = choices("en", choice(purpose(json(shown), "analytics"), "denied"));

        assertThat(proxied.send(post("/choices", body)).status()).as("Origin equal to Host, not configured")
                .isEqualTo(403);
        assertThat(proxied.send(post("/choices", body).header("Origin", "https://www.shop.example")).status())
                .isEqualTo(403); // two Origin headers: the first, shop.example, decides
        WebRequest.Builder www = WebRequest.builder("POST", ConsentWebHandler.DEFAULT_BASE_PATH + "/choices")
                .header("Host", "internal:8080").header("Origin", "https://www.shop.example")
                .header("Content-Type", "application/json").header("X-Consent-Request", "1")
                .body(body.getBytes(StandardCharsets.UTF_8));
        assertThat(proxied.send(www).status()).isEqualTo(200);
    }

    @Test
    void aBodyAboveTheLimitIsRefused() {
        WebFixture small = new WebFixture(WebFixture.policy(2), b -> b.maxBodyBytes(1024));
        String padded = "{\"pad\":\"" + "x".repeat(1100) + "\"}";

        WebResponse r = small.send(post("/choices", padded));

        assertThat(r.status()).isEqualTo(413);
        assertThat(json(r).get("rule").asText()).contains("1024");
    }

    @ParameterizedTest
    @ValueSource(strings = {"short", "has space in it 1234567890", "customer-42", "bad$chars$1234567890123456",
            "visitor:abcdefghijklmnopqrstuvwxyz"})
    void aMalformedCookieIsReplacedNeverTrusted(String value) {
        WebResponse r = shop.send(get("/purposes").header("Cookie", cookie(value)));

        String issued = WebFixture.visitorCookie(r);
        assertThat(issued).isNotEqualTo(value).matches("[A-Za-z0-9_-]{32}");
    }

    @Test
    void anOversizedCookieOrTwoDifferentCookiesAreReplaced() {
        String huge = "a".repeat(10_000);
        assertThat(WebFixture.visitorCookie(shop.send(get("/purposes").header("Cookie", cookie(huge)))))
                .isNotEqualTo(huge);
        String other = "B".repeat(32);
        WebResponse two = shop.send(get("/purposes").header("Cookie", cookie(visitor) + "; " + cookie(other)));
        assertThat(WebFixture.visitorCookie(two)).isNotIn(visitor, other);
    }

    @Test
    void aWellFormedCookieIsKeptAndOnlyEverNamesAVisitor() {
        String chosen = "customer-42-customer-42-customer";
        WebResponse r = shop.send(post("/choices", deny).header("Cookie", cookie(chosen)));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers()).doesNotContainKey("set-cookie");
        assertThat(shop.history(VisitorId.of(chosen).subject())).hasSize(1);
        assertThat(shop.history(SubjectId.of(chosen))).as("never a customer's ledger").isEmpty();
    }

    @Test
    void theCookieIsNotSecureOnlyWhenConfiguredSo() {
        WebFixture dev = new WebFixture(WebFixture.policy(2), b -> b.secureCookie(false).visitorCookie("v"));
        WebResponse r = dev.send(get("/purposes"));

        assertThat(r.header("set-cookie").orElseThrow()).startsWith("v=").doesNotContain("Secure")
                .contains("HttpOnly", "SameSite=Lax");
    }

    @Test
    void eachSubjectHasItsOwnTokenBucket() {
        AtomicLong nanos = new AtomicLong();
        WebFixture limited = new WebFixture(WebFixture.policy(2),
                b -> b.rateLimit(3, Duration.ofSeconds(10)).rateLimitTicker(nanos::get));
        String a = "A".repeat(32);
        String b = "b".repeat(32);
        for (int i = 0; i < 3; i++) {
            assertThat(limited.send(get("/purposes").header("Cookie", cookie(a))).status()).isEqualTo(200);
        }

        WebResponse refused = limited.send(get("/purposes").header("Cookie", cookie(a)));

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("retry-after")).contains("10");
        assertThat(json(refused).get("type").asText()).endsWith("#problem-rate-limited");
        assertThat(limited.send(get("/purposes").header("Cookie", cookie(b))).status()).isEqualTo(200);
        nanos.addAndGet(Duration.ofSeconds(4).toNanos());
        assertThat(limited.send(get("/purposes").header("Cookie", cookie(a))).header("retry-after")).contains("6");
        nanos.addAndGet(Duration.ofSeconds(6).toNanos());
        assertThat(limited.send(get("/purposes").header("Cookie", cookie(a))).status()).isEqualTo(200);
    }

    @Test
    void requestsWithoutAVisitorYetShareTheirAddressesBucket() {
        AtomicLong nanos = new AtomicLong();
        WebFixture limited = new WebFixture(WebFixture.policy(2),
                b -> b.rateLimit(2, Duration.ofMinutes(1)).rateLimitTicker(nanos::get));
        WebRequest.Builder fresh = get("/purposes").remoteAddress("198.51.100.9");

        assertThat(limited.send(fresh).status()).isEqualTo(200);
        assertThat(limited.send(fresh).status()).isEqualTo(200);
        assertThat(limited.send(fresh).status()).as("a new cookie each time does not reset the limit")
                .isEqualTo(429);
    }

    @Test
    void problemsNameFieldValueAndRule() {
        WebResponse r = shop.send(get("/purposes").rawQuery("locale=%3Cscript%3E"));

        assertThat(r.status()).isEqualTo(400);
        JsonNode p = json(r);
        assertThat(p.get("status").asInt()).isEqualTo(400);
        assertThat(p.get("field").asText()).isEqualTo("locale");
        assertThat(p.get("value").asText()).isEqualTo("<script>");
        assertThat(p.get("rule").asText()).contains("BCP 47");
        assertThat(p.get("type").asText()).startsWith(Problem.TYPE_BASE);
        assertThat(r.header("content-type")).contains("application/problem+json");
    }

    @Test
    void trailingContentAndDeepNestingAreRefused() {
        assertThat(shop.send(post("/choices", deny + "{}").header("Cookie", cookie(visitor))).status()).isEqualTo(400);
        String deep = "{\"choices\":" + "[".repeat(40) + "]".repeat(40) + "}";
        WebResponse r = shop.send(post("/choices", deep).header("Cookie", cookie(visitor)));
        assertThat(r.status()).isEqualTo(400);
        assertThat(json(r).get("field").asText()).isEqualTo("body");
        assertThat(shop.history(visitor)).isEmpty();
    }

    @Test
    void duplicateKeysAndUnknownMethodsAreRefused() {
        String twice = "{\"choices\":[],\"choices\":" + deny.substring(deny.indexOf('[')) ;
        assertThat(shop.send(post("/choices", twice).header("Cookie", cookie(visitor))).status()).isEqualTo(400);
        assertThat(shop.send(WebRequest.builder("DELETE", ConsentWebHandler.DEFAULT_BASE_PATH + "/choices"))
                .status()).isEqualTo(405);
        assertThat(shop.send(WebRequest.builder("OPTIONS", ConsentWebHandler.DEFAULT_BASE_PATH + "/choices"))
                .status()).as("no CORS preflight is ever granted").isEqualTo(405);
        assertThat(shop.history(visitor)).isEmpty();
    }
}
