package dev.consent.spring.boot.webapp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.ConsentService;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.VisitorId;
import dev.consent.spring.boot.StarterTestDatabases;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** consent-web's endpoints served by the starter on an embedded server, spoken to over HTTP. */
@SpringBootTest(classes = WebShopApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConsentWebOnServletTest {
    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", StarterTestDatabases::newH2Url);
        registry.add("consent.jdbc.table-prefix", StarterTestDatabases::freshPrefix);
        registry.add("consent.policy", () -> "classpath:web-policy-translated.json");
        registry.add("consent.retention.reference-key.id", () -> "2026-01");
        registry.add("consent.retention.reference-key.secret", () -> StarterTestDatabases.SECRET);
        registry.add("consent.web.visitor-cookie", () -> "vid");
        registry.add("consent.web.secure-cookie", () -> "false");
        registry.add("consent.web.base-path", () -> "/privacy/consent/v1");
    }

    @LocalServerPort
    int port;
    @Autowired
    ConsentService consents;

    private final HttpClient http = HttpClient.newHttpClient();

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + "/privacy/consent/v1" + path);
    }

    @Test
    void aVisitorReadsTheNoticesAndItsRefusalIsRecordedWithTheirHash() throws Exception {
        HttpResponse<String> purposes = http.send(HttpRequest.newBuilder(uri("/purposes?locale=de-DE")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(purposes.statusCode()).isEqualTo(200);
        String setCookie = purposes.headers().firstValue("set-cookie").orElseThrow();
        assertThat(setCookie).startsWith("vid=").contains("HttpOnly", "SameSite=Lax").doesNotContain("Secure");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        JsonNode sharing = null;
        for (JsonNode p : new ObjectMapper().readTree(purposes.body()).get("purposes")) {
            if (p.get("id").asText().equals("ads.sharing")) {
                sharing = p;
            }
        }
        assertThat(sharing).isNotNull();
        assertThat(sharing.get("locale").asText()).isEqualTo("de");
        String text = consents.policy().findPurpose(dev.consent.policy.PurposeId.of("ads.sharing")).orElseThrow()
                .translation("de").orElseThrow().text();
        assertThat(text).isEqualTo("Wir geben besuchte Seiten an Werbepartner weiter.");
        assertThat(sharing.get("text").asText()).as("the policy's German text").isEqualTo(text);
        assertThat(sharing.get("noticeHash").asText()).isEqualTo(Evidence.hashOf(text));

        String body = "{\"locale\":\"de-DE\",\"choices\":[{\"purpose\":\"ads.sharing\",\"choice\":\"denied\","
                + "\"noticeId\":\"" + sharing.get("noticeId").asText() + "\",\"noticeHash\":\""
                + sharing.get("noticeHash").asText() + "\",\"version\":1}]}";
        HttpResponse<String> recorded = http.send(HttpRequest.newBuilder(uri("/choices")).header("Cookie", cookie)
                .header("Content-Type", "application/json").header("X-Consent-Request", "1")
                .header("Origin", "http://127.0.0.1:" + port).POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(200);
        List<ConsentEvent> history = consents.history(VisitorId.of(cookie.substring(4)).subject());
        assertThat(history).singleElement().satisfies(e -> {
            assertThat(e.choice()).isEqualTo(Choice.DENIED);
            assertThat(e.method()).isEqualTo(Method.COOKIE_BANNER);
            assertThat(e.evidence().noticeHash()).isEqualTo(Evidence.hashOf(text));
            assertThat(e.evidence().locale()).isEqualTo("de");
        });
    }

    @Test
    void aCrossSiteRequestIsRefusedAsAProblemDocument() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/choices"))
                .header("Content-Type", "application/json").header("X-Consent-Request", "1")
                .header("Origin", "https://evil.example").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("content-type")).contains("application/problem+json");
    }
}
