package dev.consent.web;

import dev.consent.ConsentService;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.policy.SignalMappings;
import dev.consent.policy.SignalMappings.ConsentModeType;
import dev.consent.store.InMemoryStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A shop's policy, an in-memory ledger and a handler over them, with request helpers. The policy translates some
 * notices only (analytics into German and French, ads into German), so that the fallback to the policy's language is
 * seen too.
 */
final class WebFixture {
    static final String HOST = "shop.example";
    static final String ORIGIN = "https://" + HOST;
    static final ObjectMapper JSON = new ObjectMapper();

    final InMemoryStore store = new InMemoryStore();
    final ConsentService consents;
    final ConsentWebHandler handler;

    WebFixture() {
        this(policy(2), b -> b);
    }

    WebFixture(Policy policy, java.util.function.UnaryOperator<ConsentWebHandler.Builder> options) {
        consents = ConsentService.builder().policy(policy).store(store).build();
        handler = options.apply(ConsentWebHandler.builder(consents)).build();
    }

    static Policy policy(int analyticsVersion) {
        return Policy.builder("shop", "v" + analyticsVersion).effectiveFrom(LocalDate.of(2025, 1, 1))
                .zone(ZoneId.of("Europe/Berlin")).language("en")
                .category("device.cookie", "Cookies and similar identifiers")
                .category("contact.email", "Email address")
                .purpose(Purpose.builder("essential").title("Essential cookies").description("Keep the basket.")
                        .basis(LegalBasis.CONTRACT).categories("device.cookie").build())
                .purpose(Purpose.builder("analytics").title("Statistics").description("We count visits.")
                        .translation("de", "Statistik", "Wir zählen Besuche.")
                        .translation("fr", "Statistiques", "Nous comptons les visites.")
                        .basis(LegalBasis.CONSENT).consentVersion(analyticsVersion).categories("device.cookie").build())
                .purpose(Purpose.builder("ads").title("Advertising").description("We show ads from partners.")
                        .translation("de", "Werbung", "Wir zeigen Werbung von Partnern.")
                        .basis(LegalBasis.CONSENT).saleOrSharing(true).categories("device.cookie").build())
                .purpose(Purpose.builder("newsletter").title("Newsletter").description("Offers by email.")
                        .basis(LegalBasis.CONSENT).confirmationWindow(Duration.ofDays(2)).categories("contact.email")
                        .build())
                .purpose(Purpose.builder("recommendations").title("Recommendations")
                        .description("We suggest products from your visits.").basis(LegalBasis.LEGITIMATE_INTERESTS)
                        .categories("device.cookie").build())
                .signals(new SignalMappings(Optional.empty(), List.of(), Map.of(
                        ConsentModeType.ANALYTICS_STORAGE, List.of(PurposeId.of("analytics")),
                        ConsentModeType.AD_STORAGE, List.of(PurposeId.of("ads")),
                        ConsentModeType.AD_USER_DATA, List.of(PurposeId.of("ads")))))
                .build();
    }

    // ------------------------------------------------------------------------------------------- requests

    static WebRequest.Builder get(String path) {
        return WebRequest.builder("GET", ConsentWebHandler.DEFAULT_BASE_PATH + path).header("Host", HOST);
    }

    /** A POST as the shop's own banner script sends it. */
    static WebRequest.Builder post(String path, String json) {
        return WebRequest.builder("POST", ConsentWebHandler.DEFAULT_BASE_PATH + path).header("Host", HOST)
                .header("Origin", ORIGIN).header("Sec-Fetch-Site", "same-origin")
                .header("Content-Type", "application/json").header("X-Consent-Request", "1")
                .header("User-Agent", "Mozilla/5.0 (test)").remoteAddress("203.0.113.77")
                .body(json.getBytes(StandardCharsets.UTF_8));
    }

    WebResponse send(WebRequest.Builder request) {
        return handler.handle(request.build());
    }

    static JsonNode json(WebResponse response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError(response.bodyText(), e);
        }
    }

    /** The visitor id the response's cookie sets. */
    static String visitorCookie(WebResponse response) {
        String set = response.headers().getOrDefault("set-cookie", List.of()).stream()
                .filter(c -> c.startsWith(ConsentWebHandler.DEFAULT_VISITOR_COOKIE + "=")).findFirst()
                .orElseThrow(() -> new AssertionError("no visitor cookie set: " + response.headers()));
        return set.substring(set.indexOf('=') + 1, set.indexOf(';'));
    }

    static String cookie(String visitor) {
        return ConsentWebHandler.DEFAULT_VISITOR_COOKIE + "=" + visitor;
    }

    /** The purpose's entry of a GET /purposes answer. */
    static JsonNode purpose(JsonNode purposes, String id) {
        for (JsonNode p : purposes.get("purposes")) {
            if (p.get("id").asText().equals(id)) {
                return p;
            }
        }
        throw new AssertionError("no purpose " + id + " in " + purposes);
    }

    /** A choice quoting exactly what the purposes answer showed. */
    static String choice(JsonNode shown, String choice) {
        return "{\"purpose\":\"" + shown.get("id").asText() + "\",\"choice\":\"" + choice + "\",\"noticeId\":\""
                + shown.get("noticeId").asText() + "\",\"noticeHash\":\"" + shown.get("noticeHash").asText()
                + "\",\"version\":" + shown.get("version").asInt() + "}";
    }

    static String choices(String locale, String... choices) {
        return "{\"locale\":\"" + locale + "\",\"gpc\":false,\"choices\":[" + String.join(",", choices) + "]}";
    }

    List<ConsentEvent> history(String visitor) {
        return consents.history(VisitorId.of(visitor).subject());
    }

    List<ConsentEvent> history(SubjectId subject) {
        return consents.history(subject);
    }
}
