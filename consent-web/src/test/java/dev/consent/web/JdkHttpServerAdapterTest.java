package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.consent.ledger.Choice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static dev.consent.web.WebFixture.JSON;
import static dev.consent.web.WebFixture.choice;
import static dev.consent.web.WebFixture.choices;
import static dev.consent.web.WebFixture.purpose;
import static org.assertj.core.api.Assertions.assertThat;

/** The handler over the JDK's own HTTP server, spoken to by a real HTTP client. */
class JdkHttpServerAdapterTest {
    private final WebFixture shop = new WebFixture();
    private final HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();
    private final String base;

    JdkHttpServerAdapterTest() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        new JdkHttpServerAdapter(shop.handler, CustomerResolver.anonymous(), 16 * 1024).mount(server);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort() + ConsentWebHandler.DEFAULT_BASE_PATH;
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aVisitorReadsThePurposesAndRecordsChoicesOverHttp() throws Exception {
        HttpResponse<String> purposes = client.send(HttpRequest.newBuilder(URI.create(base + "/purposes?locale=de"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(purposes.statusCode()).isEqualTo(200);
        assertThat(purposes.headers().firstValue("content-type")).contains("application/json");
        String setCookie = purposes.headers().firstValue("set-cookie").orElseThrow();
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        JsonNode shown = JSON.readTree(purposes.body());

        HttpResponse<String> recorded = client.send(HttpRequest.newBuilder(URI.create(base + "/choices"))
                .header("Cookie", cookie).header("Content-Type", "application/json")
                .header("X-Consent-Request", "1").header("Origin", "http://127.0.0.1:" + server.getAddress().getPort())
                .POST(HttpRequest.BodyPublishers.ofString(choices("de", choice(purpose(shown, "analytics"), "granted"))))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(200);
        String visitor = cookie.substring(cookie.indexOf('=') + 1);
        assertThat(shop.history(visitor)).singleElement().satisfies(e -> {
            assertThat(e.choice()).isEqualTo(Choice.GRANTED);
            assertThat(e.evidence().locale()).isEqualTo("de");
            assertThat(e.evidence().ip()).isEqualTo("127.0.0.0/24");
        });
    }

    @Test
    void encodedTraversalsNameNothingOutsideTheAssets() throws Exception {
        for (String raw : new String[] {"/%2e%2e/%2e%2e/dev/consent/web/openapi.json", "/..%2Fopenapi.json",
                "/%2E%2E%2F%2E%2E%2Fmodule-info.class", "/fixture.css%2F..%2F..%2Fopenapi.json", "/%5C..%5Copenapi.json",
                "/fixture.css%00.js"}) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + raw)).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(r.statusCode()).as(raw).isIn(400, 404);
            assertThat(r.body()).as(raw).doesNotContain("openapi\"", "fixture-banner");
        }
        HttpResponse<String> css = client.send(HttpRequest.newBuilder(URI.create(base + "/fixture.css")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(css.headers().firstValue("content-type")).contains("text/css; charset=utf-8");
    }

    @Test
    void aBodyAboveTheLimitIsRefusedWithoutBeingRead() throws Exception {
        byte[] huge = new byte[64 * 1024];
        java.util.Arrays.fill(huge, (byte) ' ');

        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/choices"))
                .header("Content-Type", "application/json").header("X-Consent-Request", "1")
                .header("Origin", "http://127.0.0.1:" + server.getAddress().getPort())
                .POST(HttpRequest.BodyPublishers.ofByteArray(huge)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.headers().firstValue("content-type")).contains("application/problem+json");
    }
}
