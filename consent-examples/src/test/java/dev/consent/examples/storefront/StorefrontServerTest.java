package dev.consent.examples.storefront;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** Storefront --serve: the shop's pages carry the banner's script tag and footer link, and the banner is served. */
class StorefrontServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static StorefrontServer server;

    @BeforeAll
    static void start() throws Exception {
        server = StorefrontServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Storefront.defaultPolicy());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theProductPageEmbedsTheBannerWithOneScriptTagAndAFooterLink() throws Exception {
        HttpResponse<String> page = get("");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<script src=\"/consent/v1/banner.js\" defer></script>",
                "<a href=\"/account\" data-consent-open>Privacy settings</a>");
    }

    @Test
    void theAccountPageRendersThePreferenceCentre() throws Exception {
        HttpResponse<String> page = get("account");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("data-consent-preferences", "/consent/v1/banner.js", "data-consent-open");
    }

    @Test
    void theBannerItsStylesAndTheEndpointsAreServed() throws Exception {
        HttpResponse<String> script = get("consent/v1/banner.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("text/javascript"));
        assertThat(script.body()).contains("data-consent-open", "gtag", "globalPrivacyControl");
        assertThat(get("consent/v1/banner.css").statusCode()).isEqualTo(200);

        JsonNode purposes = new ObjectMapper().readTree(get("consent/v1/purposes?locale=fr").body());
        assertThat(purposes.get("prompt").asBoolean()).isTrue();
        assertThat(purposes.get("purposes").findValuesAsText("title")).contains("Cookies publicitaires",
                "Lettre d'information hebdomadaire");
    }

    @Test
    void anythingElseIsNotFound() throws Exception {
        assertThat(get("admin").statusCode()).isEqualTo(404);
        assertThat(get("consent/v1/../../etc/passwd").statusCode()).isEqualTo(404);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.uri() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
