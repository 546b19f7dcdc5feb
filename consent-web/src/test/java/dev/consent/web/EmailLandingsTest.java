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

    // ------------------------------------------------------------------------------------------------ languages

    @Test
    void theConfirmationPagesSpeakTheLanguageAskedForAndTheAnswerShowsThePurposesNotice() {
        String token = doubleOptIn.request(BOB, NEWSLETTER, Capture.by(Method.WEB_FORM)).token();
        WebRequest.Builder page = WebRequest.builder("GET", ConsentWebHandler.DEFAULT_BASE_PATH + "/confirm")
                .queryParameter("token", token).header("Accept-Language", "fr-CH, de;q=0.8, en;q=0.5");

        WebResponse french = send(page);
        assertThat(french.header("content-language")).contains("fr");
        assertThat(french.bodyText()).contains("<html lang=\"fr\">", "<h1>Confirmez votre inscription</h1>",
                "name=\"locale\" value=\"fr\"", ">Confirmer</button>");

        WebResponse german = send(WebRequest.builder("GET", ConsentWebHandler.DEFAULT_BASE_PATH + "/confirm")
                .queryParameter("token", token).queryParameter("locale", "de-AT").header("Accept-Language", "fr"));
        assertThat(german.bodyText()).as("the parameter before the header").contains("<html lang=\"de\">",
                "<h1>Anmeldung bestätigen</h1>", "name=\"locale\" value=\"de\"", ">Bestätigen</button>");

        WebResponse confirmed = send(form("/confirm", "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
                + "&locale=de"));
        assertThat(confirmed.status()).isEqualTo(200);
        assertThat(confirmed.bodyText()).contains("<h1>Anmeldung bestätigt</h1>")
                .as("the policy has no German newsletter text: its own, marked English")
                .contains("<section lang=\"en\"><h2>Newsletter</h2><p>Offers by email.</p></section>");
        assertThat(shop.history(BOB)).extracting(ConsentEvent::choice).containsExactly(Choice.GRANTED,
                Choice.CONFIRMED);
    }

    @Test
    void theUnsubscribeAnswerShowsThePolicysTranslationOfTheNotice() {
        PurposeId analytics = PurposeId.of("analytics");
        shop.consents.grant(BOB, analytics, Capture.by(Method.WEB_FORM));
        String query = unsubscribe.link(BOB, analytics).url().getRawQuery();

        WebResponse page = send(WebRequest.builder("GET", ConsentWebHandler.DEFAULT_BASE_PATH + "/unsubscribe")
                .rawQuery(query).header("Accept-Language", "de-DE,de;q=0.9,en;q=0.8"));
        assertThat(page.bodyText()).contains("<html lang=\"de\">", "<h1>Abmelden</h1>", "&amp;locale=de\"",
                ">Abmelden</button>");

        WebResponse done = send(form("/unsubscribe", "List-Unsubscribe=One-Click").rawQuery(query + "&locale=fr"));

        assertThat(done.status()).isEqualTo(200);
        var french = shop.consents.policy().findPurpose(analytics).orElseThrow().translation("fr").orElseThrow();
        assertThat(done.bodyText()).contains("<html lang=\"fr\">", "<h1>Désabonnement effectué</h1>",
                "<section lang=\"fr\"><h2>" + french.title() + "</h2><p>" + french.text() + "</p></section>");
        assertThat(shop.history(BOB)).extracting(ConsentEvent::choice).containsExactly(Choice.GRANTED,
                Choice.WITHDRAWN);
    }

    @Test
    void withoutALanguageAskedForThePagesAreInThePolicysLanguageAndAMalformedOneStopsNothing() {
        shop.consents.grant(BOB, PurposeId.of("analytics"), Capture.by(Method.WEB_FORM));
        String query = unsubscribe.link(BOB, PurposeId.of("analytics")).url().getRawQuery();

        WebResponse done = send(form("/unsubscribe", "List-Unsubscribe=One-Click").rawQuery(query
                + "&locale=%3Cscript%3E").header("Accept-Language", "*;q=0.5, it"));

        assertThat(done.status()).isEqualTo(200);
        assertThat(done.header("content-language")).contains("en");
        assertThat(done.bodyText()).contains("<h1>Unsubscribed</h1>", "<section lang=\"en\"><h2>Statistics</h2>")
                .doesNotContain("<script>");
        assertThat(shop.history(BOB)).hasSize(2);
    }

    @Test
    void acceptLanguageIsReadByQValueThenOrder() {
        assertThat(EmailLandings.acceptLanguage("en;q=0.5, fr-CH, de;q=0.9, *;q=0.1, it;q=0, bad tag!, es;q=x,"
                + " nl;q=0.9")).containsExactly("fr-CH", "de", "nl", "en");
        assertThat(EmailLandings.acceptLanguage("")).isEmpty();
    }
}
