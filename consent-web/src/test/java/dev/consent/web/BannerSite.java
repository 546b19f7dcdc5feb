package dev.consent.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.consent.ConsentService;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.policy.SignalMappings;
import dev.consent.policy.SignalMappings.ConsentModeType;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A shop on the JDK's HTTP server at a random port of 127.0.0.1: the consent endpoints (and the banner's files)
 * under {@code /consent/v1}, an in-memory ledger, and three pages: a product page with the script tag and a footer
 * link, a preference page rendering the preference centre inline, and a login that signs a customer in through a
 * session cookie the shop's own {@link CustomerResolver} reads.
 *
 * <p>The policy has two versions: from 2025-01-01 (analytics at consent version 1) and from 2026-01-01, when
 * analytics changes materially (version 2). The clock starts in 2025; {@link #bumpAnalyticsVersion()} moves it on.
 */
final class BannerSite implements AutoCloseable {
    static final String SESSION_COOKIE = "shop_session";
    static final PurposeId ANALYTICS = PurposeId.of("analytics");
    static final PurposeId ADS = PurposeId.of("ads");
    static final PurposeId RECOMMENDATIONS = PurposeId.of("recommendations");
    /** Only with {@code new BannerSite(true)}: granted through a subscription form and a confirmation mail. */
    static final PurposeId NEWSLETTER = PurposeId.of("newsletter");

    /** The shop's own styles; the footer link leaves room around it (WCAG 2.2 SC 2.5.8, as axe checks). */
    private static final String SITE_CSS = "body{font:1rem/1.5 system-ui,sans-serif;margin:0 auto;max-width:48rem;"
            + "padding:1rem} footer{margin-top:2rem;padding-top:1rem;border-top:1px solid #6b6b6b}"
            + " footer a{display:inline-block;padding:0.5rem 0}";

    final MutableClock clock = new MutableClock(Instant.parse("2025-06-02T10:00:00Z"));
    final InMemoryStore store = new InMemoryStore();
    final ConsentService consents;
    final ConsentWebHandler handler;
    private final HttpServer server;

    BannerSite() throws IOException {
        this(false);
    }

    /** @param newsletter whether the policy also has {@link #NEWSLETTER}, a purpose that needs double opt-in */
    BannerSite(boolean newsletter) throws IOException {
        consents = ConsentService.builder().policyVersions(PolicyVersions.of(List.of(
                policy(1, "2025-01-01", newsletter), policy(2, "2026-01-01", newsletter)))).store(store).clock(clock)
                .cacheSize(0).build();
        handler = ConsentWebHandler.builder(consents).secureCookie(false)
                .rateLimit(1_000, Duration.ofMillis(1)).build();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        new JdkHttpServerAdapter(handler, BannerSite::customer, 16 * 1024).mount(server);
        server.createContext("/", this::page);
        server.start();
    }

    /**
     * The shop's policy: analytics and advertising need consent, recommendations rest on legitimate interests. Every
     * purpose the banner offers has its notice in English (the policy's language), German and French; analytics' texts
     * change with its consent version.
     */
    static Policy policy(int analyticsVersion, String effectiveFrom, boolean newsletter) {
        Policy.Builder b = Policy.builder("banner-shop", "v" + analyticsVersion)
                .effectiveFrom(LocalDate.parse(effectiveFrom))
                .zone(ZoneId.of("Europe/Berlin")).language("en")
                .category("device.cookie", "Cookies and similar identifiers")
                .purpose(Purpose.builder("essential").title("Essential cookies").description("Keep your basket.")
                        .basis(LegalBasis.CONTRACT).categories("device.cookie").build())
                .purpose(Purpose.builder("analytics").title("Statistics")
                        .description(analyticsVersion == 1 ? "We count visits to improve the shop."
                                : "We count visits and measure how far you scroll, to improve the shop.")
                        .translation("de", "Statistik", analyticsVersion == 1
                                ? "Wir zählen Besuche, um den Shop zu verbessern."
                                : "Wir zählen Besuche und messen, wie weit Sie scrollen, um den Shop zu verbessern.")
                        .translation("fr", "Statistiques", analyticsVersion == 1
                                ? "Nous comptons les visites pour améliorer la boutique."
                                : "Nous comptons les visites et mesurons jusqu'où vous faites défiler la page, pour"
                                        + " améliorer la boutique.")
                        .basis(LegalBasis.CONSENT).consentVersion(analyticsVersion).categories("device.cookie")
                        .build())
                .purpose(Purpose.builder("ads").title("Advertising")
                        .description("Our advertising partners show you ads based on your visits.")
                        .translation("de", "Werbung",
                                "Unsere Werbepartner zeigen Ihnen Werbung auf Grundlage Ihrer Besuche.")
                        .translation("fr", "Publicité",
                                "Nos partenaires publicitaires vous montrent des annonces selon vos visites.")
                        .basis(LegalBasis.CONSENT).saleOrSharing(true).categories("device.cookie").build())
                .purpose(Purpose.builder("recommendations").title("Recommendations")
                        .description("We suggest products from what you looked at.")
                        .translation("de", "Empfehlungen", "Wir schlagen Produkte vor, die Sie angesehen haben.")
                        .translation("fr", "Recommandations",
                                "Nous vous suggérons des produits d'après ce que vous avez consulté.")
                        .basis(LegalBasis.LEGITIMATE_INTERESTS).categories("device.cookie").build())
                .signals(new SignalMappings(Optional.empty(), List.of(), Map.of(
                        ConsentModeType.ANALYTICS_STORAGE, List.of(ANALYTICS),
                        ConsentModeType.AD_STORAGE, List.of(ADS),
                        ConsentModeType.AD_USER_DATA, List.of(ADS),
                        ConsentModeType.AD_PERSONALIZATION, List.of(ADS))));
        if (newsletter) {
            b.category("contact.email", "Email address").purpose(Purpose.builder(NEWSLETTER.value())
                    .title("Newsletter").description("Our offers by email, once you confirmed your address.")
                    .translation("de", "Newsletter", "Unsere Angebote per E-Mail, sobald Sie Ihre Adresse bestätigt"
                            + " haben.")
                    .translation("fr", "Lettre d'information", "Nos offres par e-mail, dès que vous avez confirmé"
                            + " votre adresse.")
                    .basis(LegalBasis.CONSENT).confirmationWindow(Duration.ofDays(3)).categories("contact.email")
                    .build());
        }
        return b.build();
    }

    /** Moves the clock into 2026, where the policy's second version raises analytics to consent version 2. */
    void bumpAnalyticsVersion() {
        clock.set(Instant.parse("2026-02-02T10:00:00Z"));
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The ledger of the visitor whose cookie value is {@code visitor}. */
    List<ConsentEvent> visitorLedger(String visitor) {
        return consents.history(VisitorId.of(visitor).subject());
    }

    List<ConsentEvent> ledger(SubjectId subject) {
        return consents.history(subject);
    }

    /** The shop's authentication: the session cookie set by /login names the customer. */
    private static Optional<SubjectId> customer(HttpExchange exchange) {
        for (String header : exchange.getRequestHeaders().getOrDefault("Cookie", List.of())) {
            for (String pair : header.split(";")) {
                String p = pair.strip();
                if (p.startsWith(SESSION_COOKIE + "=")) {
                    return Optional.of(SubjectId.of(p.substring(SESSION_COOKIE.length() + 1)));
                }
            }
        }
        return Optional.empty();
    }

    private void page(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String query = Optional.ofNullable(exchange.getRequestURI().getQuery()).orElse("");
            String lang = query.startsWith("lang=") ? query.substring(5) : "en";
            String html = switch (path) {
                case "/shop" -> page(lang, "Linen shirt", "<h1>Linen shirt</h1><p>Washed linen, 49.90 EUR.</p>"
                        + "<p><a href=\"/shop\">Another product</a></p>");
                case "/preferences" -> page(lang, "Your account", "<section data-consent-preferences></section>");
                case "/gtag" -> page(lang, "Own gtag", "<h1>Own gtag</h1>").replace("<head>", "<head><script>"
                        + "window.dataLayer=[];window.ownGtag=[];function gtag(){ownGtag.push(Array.from(arguments));"
                        + "dataLayer.push(arguments);}</script>");
                default -> null;
            };
            if (path.equals("/login")) {
                // the shop signs the customer in; the page it leads to asks the banner to link the visitor (POST /link)
                exchange.getResponseHeaders().add("Set-Cookie", SESSION_COOKIE + "=" + query.substring("customer=".length())
                        + "; Path=/; HttpOnly; SameSite=Lax");
                html = page("en", "Signed in", "<h1>Signed in</h1>").replace(" defer>", " defer data-consent-link>");
            }
            if (path.equals("/site.css")) {
                html = SITE_CSS;
            }
            if (html == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = html.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", path.equals("/site.css") ? "text/css; charset=utf-8"
                    : "text/html; charset=utf-8");
            if (!path.equals("/gtag")) {
                // the banner needs no inline script or style, no eval and nothing from elsewhere
                exchange.getResponseHeaders().add("Content-Security-Policy", "default-src 'self'");
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String page(String lang, String title, String main) {
        return "<!doctype html><html lang=\"" + lang + "\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + title
                + "</title><link rel=\"stylesheet\" href=\"/site.css\"><script src=\"/consent/v1/banner.js\" defer></script></head><body><main>" + main
                + "</main><footer><a href=\"/preferences\" data-consent-open>Privacy settings</a></footer></body></html>";
    }

    @Override
    public void close() {
        server.stop(0);
        consents.close();
    }
}
