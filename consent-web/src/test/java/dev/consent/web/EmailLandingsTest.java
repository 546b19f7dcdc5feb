package dev.consent.web;

import dev.consent.email.DoubleOptIn;
import dev.consent.email.EmailKeys;
import dev.consent.email.OneClickUnsubscribe;
import dev.consent.email.OptInRequest;
import dev.consent.email.UnsubscribeLink;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The mail links' landings: a fetched link changes nothing; the button's POST does, once. */
class EmailLandingsTest {
    private static final SubjectId BOB = SubjectId.of("customer-7");
    private static final PurposeId NEWSLETTER = PurposeId.of("newsletter");
    private final WebFixture shop = new WebFixture();
    private final EmailKeys keys = EmailKeys.of("k1", OpenApiRoutesTest.SECRET);
    private final DoubleOptIn doubleOptIn = new DoubleOptIn(shop.consents, keys);
    private final OneClickUnsubscribe unsubscribe = new OneClickUnsubscribe(shop.consents, keys,
            URI.create("https://shop.example/consent/v1/unsubscribe"), s -> false);
    private final ConsentWebHandler handler = ConsentWebHandler.builder(shop.consents).doubleOptIn(doubleOptIn)
            .oneClickUnsubscribe(unsubscribe).build();

    private WebResponse send(WebRequest.Builder b) {
        return handler.handle(b.header("User-Agent", "Mail/1.0").remoteAddress("192.0.2.10").build());
    }

    private static WebRequest.Builder form(String path, String body) {
        return WebRequest.builder("POST", ConsentWebHandler.DEFAULT_BASE_PATH + path)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theConfirmationLinkShowsAButtonAndOnlyItsPostConfirms() {
        OptInRequest request = doubleOptIn.request(BOB, NEWSLETTER, Capture.by(Method.WEB_FORM));
        String token = request.token();

        WebResponse page = send(WebRequest.builder("GET", ConsentWebHandler.DEFAULT_BASE_PATH + "/confirm")
                .queryParameter("token", token));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("content-type")).contains("text/html; charset=utf-8");
        assertThat(page.bodyText()).contains("method=\"post\"", "value=\"" + token + "\"").doesNotContain("<script");
        assertThat(shop.history(BOB)).extracting(ConsentEvent::choice).containsExactly(Choice.GRANTED);

        WebResponse confirmed = send(form("/confirm", "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));

        assertThat(confirmed.status()).isEqualTo(200);
        assertThat(confirmed.bodyText()).contains("confirmed");
        ConsentEvent event = shop.history(BOB).get(1);
        assertThat(event.choice()).isEqualTo(Choice.CONFIRMED);
        assertThat(event.evidence().userAgent()).isEqualTo("Mail/1.0");
        assertThat(event.evidence().ip()).isEqualTo("192.0.2.0/24");
        assertThat(send(form("/confirm", "token=" + token)).status()).as("single use, answered kindly")
                .isEqualTo(200);
        assertThat(shop.history(BOB)).hasSize(2);
    }

    @Test
    void aForgedConfirmationWritesNothing() {
        OptInRequest request = doubleOptIn.request(BOB, NEWSLETTER, Capture.by(Method.WEB_FORM));
        String forged = request.token().substring(0, request.token().length() - 2) + "AA";

        WebResponse r = send(form("/confirm", "token=" + forged));

        assertThat(r.status()).isEqualTo(400);
        assertThat(WebFixture.json(r).get("field").asText()).isEqualTo("token");
        assertThat(shop.history(BOB)).hasSize(1);
    }

    @Test
    void theOneClickPostUnsubscribesWithoutCookieOrOriginAndTheLinkAloneDoesNot() {
        shop.consents.grant(BOB, PurposeId.of("analytics"), Capture.by(Method.WEB_FORM));
        UnsubscribeLink link = unsubscribe.link(BOB, PurposeId.of("analytics"));
        String query = link.url().getRawQuery();

        WebResponse page = send(WebRequest.builder("GET", ConsentWebHandler.DEFAULT_BASE_PATH + "/unsubscribe")
                .rawQuery(query));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.bodyText()).contains("List-Unsubscribe", "One-Click");
        assertThat(shop.history(BOB)).hasSize(1);

        WebResponse done = send(form("/unsubscribe", "List-Unsubscribe=One-Click").rawQuery(query));

        assertThat(done.status()).isEqualTo(200);
        assertThat(shop.history(BOB)).extracting(ConsentEvent::choice).containsExactly(Choice.GRANTED,
                Choice.WITHDRAWN);
        assertThat(shop.history(BOB).get(1).method()).isEqualTo(Method.UNSUBSCRIBE_LINK);
        assertThat(send(form("/unsubscribe", "List-Unsubscribe=One-Click").rawQuery(query)).status())
                .as("a replay").isEqualTo(200);
        assertThat(shop.history(BOB)).hasSize(2);
    }

    @Test
    void anUnsubscribeWithoutAValidTokenIsRefused() {
        assertThat(send(form("/unsubscribe", "List-Unsubscribe=One-Click")).status()).isEqualTo(400);
        assertThat(send(form("/unsubscribe", "List-Unsubscribe=One-Click").rawQuery("token=u1.k1.AAAA.BBBB"))
                .status()).isEqualTo(400);
    }

    @Test
    void theTokenIsEscapedInThePage() {
        WebResponse page = send(WebRequest.builder("GET", ConsentWebHandler.DEFAULT_BASE_PATH + "/confirm")
                .queryParameter("token", "\"><script>alert(1)</script>"));

        assertThat(page.bodyText()).doesNotContain("<script>").contains("&quot;&gt;&lt;script&gt;");
        assertThat(page.header("content-security-policy").orElseThrow()).contains("default-src 'none'");
    }
}
