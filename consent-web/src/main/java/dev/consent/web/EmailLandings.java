package dev.consent.web;

import dev.consent.email.Confirmation;
import dev.consent.email.DoubleOptIn;
import dev.consent.email.OneClickUnsubscribe;
import dev.consent.email.Unsubscription;
import dev.consent.ledger.Evidence;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The landings of the links in mails: the double opt-in confirmation ({@code /confirm}) and the one-click unsubscribe
 * ({@code /unsubscribe}). Both act on the signed token of the link ({@code dev.consent.email}), never on a cookie or
 * a login, and both write only on a POST:
 * <ul>
 *   <li>{@code GET} answers a small page with one button that posts the token back: mail scanners and link previews
 *       fetch links, and a fetched link must not confirm or unsubscribe anyone (RFC 8058 section 3.2 for
 *       unsubscribe; the same holds for a confirmation, which must be the address owner's act, BGH I ZR 164/09);</li>
 *   <li>{@code POST /confirm} with the form field {@code token} records the confirmation;</li>
 *   <li>{@code POST /unsubscribe?token=...} is the RFC 8058 one-click request (body
 *       {@code List-Unsubscribe=One-Click}, which mail providers send without cookies); the page's button sends the
 *       same.</li>
 * </ul>
 * The evidence recorded is the request's user agent and (minimised) address. A token that does not verify answers
 * 400 and writes nothing. Pages are static text with no script and no third-party content; nothing the client sent
 * is echoed into them except the token, HTML-escaped.
 */
final class EmailLandings {
    private final Optional<DoubleOptIn> doubleOptIn;
    private final Optional<OneClickUnsubscribe> unsubscribe;
    private final String basePath;

    EmailLandings(Optional<DoubleOptIn> doubleOptIn, Optional<OneClickUnsubscribe> unsubscribe, String basePath) {
        this.doubleOptIn = doubleOptIn;
        this.unsubscribe = unsubscribe;
        this.basePath = basePath;
    }

    boolean confirms() {
        return doubleOptIn.isPresent();
    }

    boolean unsubscribes() {
        return unsubscribe.isPresent();
    }

    WebResponse confirmPage(Exchange x) {
        String token = x.request.queryParameter("token").orElse("");
        return page(x, 200, "Confirm your subscription", "Please confirm that you want to receive these emails.",
                "<form method=\"post\" action=\"" + basePath + "/confirm\"><input type=\"hidden\" name=\"token\" value=\""
                        + escape(token) + "\"><button type=\"submit\">Confirm</button></form>");
    }

    WebResponse confirm(Exchange x) {
        String token = formField(x.request, "token").orElseThrow(() -> Problem.badRequest("token", null,
                "is required: the form field token of the confirmation link").exception());
        Confirmation c = doubleOptIn.orElseThrow().confirm(token, evidence(x.request));
        return switch (c.status()) {
            case CONFIRMED, ALREADY_CONFIRMED -> page(x, 200, "Subscription confirmed",
                    "Thank you: your subscription is confirmed.", "");
            case EXPIRED -> page(x, 410, "Link expired", "This confirmation link has expired. Please subscribe again.",
                    "");
            case SUPERSEDED -> page(x, 409, "Nothing to confirm",
                    "A later choice of yours decides this subscription now; nothing was changed.", "");
            case REFUSED -> throw Problem.badRequest("token", null, "does not verify: " + c.detail()).exception();
        };
    }

    WebResponse unsubscribePage(Exchange x) {
        String token = x.request.queryParameter("token").orElse("");
        return page(x, 200, "Unsubscribe", "Do you want to stop receiving these emails?",
                "<form method=\"post\" action=\"" + basePath + "/unsubscribe?token="
                        + escape(java.net.URLEncoder.encode(token, StandardCharsets.UTF_8)) + "\">"
                        + "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                        + "<button type=\"submit\">Unsubscribe</button></form>");
    }

    WebResponse unsubscribe(Exchange x) {
        String token = x.request.queryParameter("token").orElseThrow(() -> Problem.badRequest("token", null,
                "is required: the query parameter token of the unsubscribe link (RFC 8058)").exception());
        Unsubscription u = unsubscribe.orElseThrow().handle(token, evidence(x.request));
        if (u.status() == Unsubscription.Status.REFUSED) {
            throw Problem.badRequest("token", null, "does not verify: " + u.detail()).exception();
        }
        return page(x, 200, "Unsubscribed", "You will not receive these emails any more.", "");
    }

    /** The rate-limit key of a landing: the token, so one subject's link cannot exhaust another's. */
    static String rateKey(WebRequest r) {
        String token = r.queryParameter("token").or(() -> formField(r, "token")).orElse("");
        return "token:" + Evidence.hashOf(token);
    }

    private static Evidence evidence(WebRequest r) {
        return new Evidence(null, null, null, ChoicesEndpoint.userAgent(r), r.remoteAddress().orElse(null), null);
    }

    private static Optional<String> formField(WebRequest r, String name) {
        String type = r.header("Content-Type").orElse("");
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            return r.queryParameter(name);
        }
        for (String pair : new String(r.body(), StandardCharsets.UTF_8).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                try {
                    return Optional.of(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException malformed) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private static WebResponse page(Exchange x, int status, String title, String text, String form) {
        String html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + title
                + "</title></head><body><main><h1>" + title + "</h1><p>" + text + "</p>" + form + "</main></body></html>";
        x.headers().set("Cache-Control", "no-store").set("Referrer-Policy", "no-referrer")
                .set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'");
        return x.respond(status, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
