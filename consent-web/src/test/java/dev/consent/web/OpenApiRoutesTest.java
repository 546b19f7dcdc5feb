package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.email.DoubleOptIn;
import dev.consent.email.EmailKeys;
import dev.consent.email.OneClickUnsubscribe;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static dev.consent.web.WebFixture.get;
import static dev.consent.web.WebFixture.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The OpenAPI document describes exactly the routes the handler serves, and is served itself. */
class OpenApiRoutesTest {
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    @Test
    void theDocumentedRoutesAreTheServedRoutes() throws Exception {
        WebFixture shop = new WebFixture(WebFixture.policy(2), b -> b);
        EmailKeys keys = EmailKeys.of("k1", SECRET);
        ConsentWebHandler full = ConsentWebHandler.builder(shop.consents)
                .doubleOptIn(new DoubleOptIn(shop.consents, keys))
                .oneClickUnsubscribe(new OneClickUnsubscribe(shop.consents, keys,
                        URI.create("https://shop.example/consent/v1/unsubscribe"), s -> false))
                .build();

        assertThat(documented()).isEqualTo(new TreeSet<>(full.routes()));
        assertThat(shop.handler.routes()).as("without the email services their landings are not served")
                .doesNotContain("GET /confirm", "POST /confirm", "GET /unsubscribe", "POST /unsubscribe");
    }

    @Test
    void theDocumentIsServedAsOpenApi31() {
        WebResponse r = new WebFixture().send(get("/openapi.json"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).contains("application/json");
        assertThat(json(r).get("openapi").asText()).isEqualTo("3.1.0");
    }

    static Set<String> documented() throws Exception {
        JsonNode doc;
        try (InputStream in = OpenApiRoutesTest.class.getResourceAsStream("/" + AssetsEndpoint.OPENAPI)) {
            doc = WebFixture.JSON.readTree(in);
        }
        Set<String> routes = new TreeSet<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(
                method -> routes.add(method.toUpperCase(Locale.ROOT) + " " + p.getKey())));
        return routes;
    }
}
