package dev.consent.examples.boot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.jdbc.SchemaInitializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The storefront's whole story over HTTP on embedded H2: sign-ups with and without the newsletter checkbox, a campaign
 * filtered in bulk, an unsubscribe, an access export, an erasure, the scheduled sweep, health, metrics and info.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:boot-storefront-test;DB_CLOSE_DELAY=-1",
        "consent.sweeper.initial-delay=0s", "consent.sweeper.fixed-delay=200ms"})
class BootStorefrontTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcTemplate jdbc;

    @Test
    void theWholeStoryOverHttp() throws Exception {
        String alice = signUp("alice@mail.example", "Alice", true);
        String bob = signUp("bob@mail.example", "Bob", false);
        String carol = signUp("carol@mail.example", "Carol", true);

        JsonNode campaign = post("/campaigns/newsletter", 200);
        assertThat(campaign.get("audience").asInt()).isEqualTo(3);
        assertThat(texts(campaign.get("recipients"))).as("bob did not tick the box").containsExactly(alice, carol);

        assertThat(post("/customers/" + alice + "/unsubscribe", 200).get("newsletter").asBoolean()).isFalse();
        assertThat(texts(post("/campaigns/newsletter", 200).get("recipients"))).containsExactly(carol);

        HttpResponse<String> export = send(HttpRequest.newBuilder(uri("/customers/" + carol + "/export")).GET());
        assertThat(export.statusCode()).isEqualTo(200);
        JsonNode document = JSON.readTree(export.body());
        assertThat(export.body()).contains("marketing.email", "carol@mail.example");
        assertThat(document.toString()).contains("\"customer\"");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM consent_rights_requests", Long.class))
                .as("the access request is kept").isEqualTo(1);

        JsonNode erasure = post("/customers/" + carol + "/erasure", 200);
        assertThat(erasure.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(erasure.get("answer").asText()).contains("contact.email", "account.profile");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM customers WHERE id = ?", Long.class, carol))
                .as("the sweeper's handler deleted her row").isZero();
        JsonNode after = post("/campaigns/newsletter", 200);
        assertThat(after.get("audience").asInt()).isEqualTo(2);
        assertThat(texts(after.get("recipients"))).isEmpty();
        assertThat(send(HttpRequest.newBuilder(uri("/customers/" + carol + "/export")).GET()).statusCode())
                .isEqualTo(404);

        assertThat(sweepRuns()).as("the scheduled sweep ran").isPositive();

        JsonNode health = get("/actuator/health");
        assertThat(health.get("status").asText()).isEqualTo("UP");
        assertThat(health.at("/components/consent/status").asText()).isEqualTo("UP");
        assertThat(texts(get("/actuator/metrics").get("names"))).contains("consent.cache.subjects",
                "consent.sweep.runs", "consent.sweep.items", "consent.rights.requests");
        assertThat(get("/actuator/info").toString()).contains("boot-storefront", "2026-01");

        assertThat(jdbc.queryForList("SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"version\" IS NOT NULL",
                String.class)).as("the shop's own Flyway history holds only its own migration").containsExactly("1");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM \"consent_schema_history\" WHERE \"success\" AND "
                + "\"version\" <> '0'", Long.class)).isEqualTo(SchemaInitializer.requiredMigrations().size());
        assertThat(bob).isNotBlank();
    }

    /** The count of completed scheduled sweeps, waited for up to 30 seconds (the first one starts at once). */
    private double sweepRuns() throws Exception {
        Instant until = Instant.now().plus(Duration.ofSeconds(30));
        double runs = 0;
        while (runs == 0 && Instant.now().isBefore(until)) {
            runs = get("/actuator/metrics/consent.sweep.runs").at("/measurements/0/value").asDouble();
            if (runs == 0) {
                Thread.sleep(100);
            }
        }
        return runs;
    }

    private String signUp(String email, String name, boolean newsletter) throws Exception {
        String form = "email=" + email + "&name=" + name + (newsletter ? "&newsletter=on" : "");
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/signup"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode answer = JSON.readTree(r.body());
        assertThat(answer.get("newsletter").asBoolean()).isEqualTo(newsletter);
        return answer.get("customer").asText();
    }

    private JsonNode post(String path, int status) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri(path)).GET());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
