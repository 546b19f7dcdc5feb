package dev.consent.spring.boot.webapp;

import dev.consent.ConsentService;
import dev.consent.Reason;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PurposeId;
import dev.consent.spring.boot.StarterTestDatabases;
import dev.consent.spring.boot.web.ConsentGpcFilter;
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
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The web front on an embedded server and an H2 database of its own, through HTTP. */
@SpringBootTest(classes = WebShopApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WebShopOnH2Test {
    private static final PurposeId SHARING = PurposeId.of("ads.sharing");
    private static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", StarterTestDatabases::newH2Url);
        registry.add("consent.jdbc.table-prefix", StarterTestDatabases::freshPrefix);
        registry.add("consent.policy", () -> "classpath:web-policy.json");
        registry.add("consent.retention.reference-key.id", () -> "2026-01");
        registry.add("consent.retention.reference-key.secret", () -> StarterTestDatabases.SECRET);
        registry.add("consent.web.visitor-cookie", () -> "vid");
        registry.add("server.forward-headers-strategy", () -> "framework");
    }

    @LocalServerPort
    int port;
    @Autowired
    ConsentService consents;
    @Autowired
    ConsentGpcFilter filter;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aVisitorsSignalIsRecordedOnceWithTheForwardedClientsMinimisedAddress() throws Exception {
        String vid = UUID.randomUUID().toString();
        SubjectId visitor = VisitorId.of(vid).subject();
        String[] headers = {"Sec-GPC", "1", "Cookie", "vid=" + vid, "X-Forwarded-For", "198.51.100.23",
                "User-Agent", "ShopBrowser/1.0", "Accept-Language", "fr-FR"};

        assertThat(get("/", headers).statusCode()).isEqualTo(200);
        assertThat(get("/", headers).body()).isEqualTo("welcome");

        List<ConsentEvent> history = consents.history(visitor);
        assertThat(history).singleElement().satisfies(e -> {
            assertThat(e.purpose()).isEqualTo(SHARING);
            assertThat(e.choice()).isEqualTo(Choice.DENIED);
            assertThat(e.method()).isEqualTo(Method.GPC);
            assertThat(e.evidence().ip()).isEqualTo("198.51.100.0/24");
            assertThat(e.evidence().userAgent()).isEqualTo("ShopBrowser/1.0");
            assertThat(e.evidence().locale()).isEqualTo("fr-FR");
        });
        assertThat(consents.check(visitor, SHARING).reason()).isEqualTo(Reason.GPC_OPT_OUT);
    }

    @Test
    void withoutTheHeaderOrWithoutAVisitorIdNothingIsRecorded() throws Exception {
        String vid = UUID.randomUUID().toString();
        long before = filter.applications();
        assertThat(get("/", "Cookie", "vid=" + vid).statusCode()).isEqualTo(200);
        assertThat(get("/", "Sec-GPC", "1").statusCode()).isEqualTo(200);
        assertThat(get("/", "Sec-GPC", "1", "Cookie", "vid=customer-42").statusCode()).isEqualTo(200);
        assertThat(filter.applications()).isEqualTo(before);
        assertThat(consents.history(VisitorId.of(vid).subject())).isEmpty();
        assertThat(consents.history(SubjectId.of("customer-42"))).isEmpty();
    }

    @Test
    void theNewsletterIsSentOnConsentOnlyAndARefusalIsA403NamingPurposeAndReason() throws Exception {
        String customer = "customer-" + UUID.randomUUID();
        HttpRequest send = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/newsletter/" + customer))
                .POST(HttpRequest.BodyPublishers.noBody()).build();

        HttpResponse<String> refused = http.send(send, HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).isEqualTo("marketing.email NO_RECORD");

        consents.grant(SubjectId.of(customer), NEWSLETTER, Capture.by(Method.CHECKBOX));
        HttpResponse<String> sent = http.send(send, HttpResponse.BodyHandlers.ofString());
        assertThat(sent.statusCode()).isEqualTo(200);
        assertThat(sent.body()).isEqualTo("sent spring-sale");
    }
}
