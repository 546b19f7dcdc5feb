package dev.consent.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.consent.web.WebFixture.get;
import static org.assertj.core.api.Assertions.assertThat;

class AssetsTest {
    private final WebFixture shop = new WebFixture();

    @Test
    void aFileOfTheAssetsDirectoryIsServedWithItsTypeAndAnETag() {
        WebResponse r = shop.send(get("/fixture.css"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyText()).isEqualTo(".fixture-banner{color:#000}\n");
        assertThat(r.header("content-type")).contains("text/css; charset=utf-8");
        assertThat(r.header("x-content-type-options")).contains("nosniff");
        assertThat(r.header("cache-control")).contains("public, max-age=300");
        String etag = r.header("etag").orElseThrow();
        assertThat(etag).matches("\"[0-9a-f]{32}\"");

        WebResponse again = shop.send(get("/fixture.css").header("If-None-Match", etag));
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(shop.send(get("/fixture.css").header("If-None-Match", "\"other\"")).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/../openapi.json", "/..", "/.", "/assets/../openapi.json", "/../assets/fixture.css",
            "/..%2Fopenapi.json", "/fixture.css/", "/ConsentWebHandler.class", "/..\\openapi.json",
            "/dev/consent/web/assets/fixture.css", "/fixture.CSS.class", "/missing.js", "/", "/fixture", "/.css"})
    void nothingOutsideTheAssetsDirectoryCanBeNamed(String path) {
        WebResponse r = shop.send(get(path));

        assertThat(r.status()).as(path).isIn(404, 405);
        assertThat(r.header("content-type")).contains("application/problem+json");
    }

    @Test
    void aFileIsServedOnlyBelowTheBasePath() {
        WebResponse r = shop.handler.handle(WebRequest.builder("GET", "/fixture.css").build());

        assertThat(r.status()).isEqualTo(404);
    }
}
