package dev.consent.web;

import dev.consent.ConsentService;
import dev.consent.email.Confirmation;
import dev.consent.email.DoubleOptIn;
import dev.consent.email.OneClickUnsubscribe;
import dev.consent.email.Unsubscription;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.policy.Policy;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
 * is echoed into them except the token and the chosen language tag, HTML-escaped.
 *
 * <p>Pages are in English, German or French ({@link #LANGUAGES}): the language of the parameter {@code locale} (query,
 * or form field of the button's POST) when it is one of them, else the best of {@code Accept-Language} (RFC 9110
 * section 12.5.4, by q-value), else the policy's language when it is one of them, else English. The button carries the
 * language on to the answer page. A malformed {@code locale} only chooses no language; it never stops an unsubscribe.
 * Once the token names the purpose (after the POST), the answer page shows that purpose's notice, its title and text,
 * from the policy in force and in the page's language when the policy translates it ({@link Notices}), marked with
 * the language it is in.
 */
final class EmailLandings {
    /** The languages the pages are written in. */
    static final List<String> LANGUAGES = List.of("en", "de", "fr");
    private static final Map<String, Map<String, String>> TEXTS = Map.of(
            "en", Map.ofEntries(
                    Map.entry("confirm.title", "Confirm your subscription"),
                    Map.entry("confirm.text", "Please confirm that you want to receive these emails."),
                    Map.entry("confirm.button", "Confirm"),
                    Map.entry("confirmed.title", "Subscription confirmed"),
                    Map.entry("confirmed.text", "Thank you: your subscription is confirmed."),
                    Map.entry("expired.title", "Link expired"),
                    Map.entry("expired.text", "This confirmation link has expired. Please subscribe again."),
                    Map.entry("superseded.title", "Nothing to confirm"),
                    Map.entry("superseded.text",
                            "A later choice of yours decides this subscription now; nothing was changed."),
                    Map.entry("unsubscribe.title", "Unsubscribe"),
                    Map.entry("unsubscribe.text", "Do you want to stop receiving these emails?"),
                    Map.entry("unsubscribe.button", "Unsubscribe"),
                    Map.entry("unsubscribed.title", "Unsubscribed"),
                    Map.entry("unsubscribed.text", "You will not receive these emails any more.")),
            "de", Map.ofEntries(
                    Map.entry("confirm.title", "Anmeldung bestätigen"),
                    Map.entry("confirm.text", "Bitte bestätigen Sie, dass Sie diese E-Mails erhalten möchten."),
                    Map.entry("confirm.button", "Bestätigen"),
                    Map.entry("confirmed.title", "Anmeldung bestätigt"),
                    Map.entry("confirmed.text", "Vielen Dank: Ihre Anmeldung ist bestätigt."),
                    Map.entry("expired.title", "Link abgelaufen"),
                    Map.entry("expired.text",
                            "Dieser Bestätigungslink ist abgelaufen. Bitte melden Sie sich erneut an."),
                    Map.entry("superseded.title", "Nichts zu bestätigen"),
                    Map.entry("superseded.text", "Eine spätere Entscheidung von Ihnen gilt jetzt für dieses"
                            + " Abonnement; es wurde nichts geändert."),
                    Map.entry("unsubscribe.title", "Abmelden"),
                    Map.entry("unsubscribe.text", "Möchten Sie diese E-Mails nicht mehr erhalten?"),
                    Map.entry("unsubscribe.button", "Abmelden"),
                    Map.entry("unsubscribed.title", "Abgemeldet"),
                    Map.entry("unsubscribed.text", "Sie erhalten diese E-Mails nicht mehr.")),
            "fr", Map.ofEntries(
                    Map.entry("confirm.title", "Confirmez votre inscription"),
                    Map.entry("confirm.text", "Veuillez confirmer que vous souhaitez recevoir ces e-mails."),
                    Map.entry("confirm.button", "Confirmer"),
                    Map.entry("confirmed.title", "Inscription confirmée"),
                    Map.entry("confirmed.text", "Merci\u00a0: votre inscription est confirmée."),
                    Map.entry("expired.title", "Lien expiré"),
                    Map.entry("expired.text",
                            "Ce lien de confirmation a expiré. Veuillez vous inscrire à nouveau."),
                    Map.entry("superseded.title", "Rien à confirmer"),
                    Map.entry("superseded.text", "Un choix ultérieur de votre part s'applique désormais à cet"
                            + " abonnement\u00a0; rien n'a été modifié."),
                    Map.entry("unsubscribe.title", "Se désabonner"),
                    Map.entry("unsubscribe.text", "Voulez-vous ne plus recevoir ces e-mails\u00a0?"),
                    Map.entry("unsubscribe.button", "Se désabonner"),
                    Map.entry("unsubscribed.title", "Désabonnement effectué"),
                    Map.entry("unsubscribed.text", "Vous ne recevrez plus ces e-mails.")));

    private final ConsentService consents;
    private final Notices notices;
    private final Optional<DoubleOptIn> doubleOptIn;
    private final Optional<OneClickUnsubscribe> unsubscribe;
    private final String basePath;

    EmailLandings(ConsentService consents, Notices notices, Optional<DoubleOptIn> doubleOptIn,
            Optional<OneClickUnsubscribe> unsubscribe, String basePath) {
        this.consents = consents;
        this.notices = notices;
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
        String lang = language(x.request);
        return page(x, 200, lang, "confirm", "<form method=\"post\" action=\"" + basePath + "/confirm\">"
                + "<input type=\"hidden\" name=\"token\" value=\"" + escape(token) + "\">"
                + "<input type=\"hidden\" name=\"locale\" value=\"" + lang + "\">"
                + "<button type=\"submit\">" + text(lang, "confirm.button") + "</button></form>");
    }

    WebResponse confirm(Exchange x) {
        String token = formField(x.request, "token").orElseThrow(() -> Problem.badRequest("token", null,
                "is required: the form field token of the confirmation link").exception());
        Confirmation c = doubleOptIn.orElseThrow().confirm(token, evidence(x.request));
        String lang = language(x.request);
        return switch (c.status()) {
            case CONFIRMED, ALREADY_CONFIRMED -> page(x, 200, lang, "confirmed", notice(c.event(), lang));
            case EXPIRED -> page(x, 410, lang, "expired", "");
            case SUPERSEDED -> page(x, 409, lang, "superseded", "");
            case REFUSED -> throw Problem.badRequest("token", null, "does not verify: " + c.detail()).exception();
        };
    }

    WebResponse unsubscribePage(Exchange x) {
        String token = x.request.queryParameter("token").orElse("");
        String lang = language(x.request);
        return page(x, 200, lang, "unsubscribe", "<form method=\"post\" action=\"" + basePath + "/unsubscribe?token="
                + escape(URLEncoder.encode(token, StandardCharsets.UTF_8)) + "&amp;locale=" + lang + "\">"
                + "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                + "<button type=\"submit\">" + text(lang, "unsubscribe.button") + "</button></form>");
    }

    WebResponse unsubscribe(Exchange x) {
        String token = x.request.queryParameter("token").orElseThrow(() -> Problem.badRequest("token", null,
                "is required: the query parameter token of the unsubscribe link (RFC 8058)").exception());
        Unsubscription u = unsubscribe.orElseThrow().handle(token, evidence(x.request));
        if (u.status() == Unsubscription.Status.REFUSED) {
            throw Problem.badRequest("token", null, "does not verify: " + u.detail()).exception();
        }
        String lang = language(x.request);
        return page(x, 200, lang, "unsubscribed", notice(u.event(), lang));
    }

    /**
     * The notice of the purpose the event is about, as the banner would show it in {@code lang}: its title and text
     * from the policy in force, marked with the language they are in. Nothing when there is no event, or the policy
     * in force no longer declares the purpose.
     */
    private String notice(Optional<ConsentEvent> event, String lang) {
        Policy policy = consents.policy();
        return event.flatMap(e -> policy.findPurpose(e.purpose())).map(p -> {
            ShownNotice n = notices.notice(policy, p, Optional.of(lang));
            return "<section lang=\"" + escape(n.locale()) + "\"><h2>" + escape(n.title()) + "</h2><p>"
                    + escape(n.text()) + "</p></section>";
        }).orElse("");
    }

    /**
     * The page's language: the parameter {@code locale}, else the best of {@code Accept-Language}, else the policy's
     * language; the first of them the pages are written in, else English.
     */
    String language(WebRequest r) {
        List<String> wanted = new ArrayList<>();
        formField(r, "locale").or(() -> r.queryParameter("locale")).flatMap(Notices::canonical)
                .ifPresent(wanted::add);
        wanted.addAll(acceptLanguage(r.header("Accept-Language").orElse("")));
        consents.policy().language().ifPresent(wanted::add);
        for (String tag : wanted) {
            String primary = tag.indexOf('-') > 0 ? tag.substring(0, tag.indexOf('-')) : tag;
            if (LANGUAGES.contains(primary)) {
                return primary;
            }
        }
        return "en";
    }

    /**
     * The language tags of an {@code Accept-Language} header, best first (RFC 9110 section 12.5.4: by q-value, in the
     * order given among equals; q=0 means "not acceptable"); malformed entries and the wildcard are skipped.
     */
    static List<String> acceptLanguage(String header) {
        record Range(String tag, double q, int order) {
        }
        List<Range> ranges = new ArrayList<>();
        String[] parts = header.split(",", 50);
        for (int i = 0; i < parts.length && i < 49; i++) {
            String[] pieces = parts[i].strip().split(";");
            double q = 1.0;
            for (int k = 1; k < pieces.length; k++) {
                String param = pieces[k].strip();
                if (param.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(param.substring(2));
                    } catch (NumberFormatException malformed) {
                        q = -1;
                    }
                }
            }
            Optional<String> tag = Notices.canonical(pieces[0].strip());
            if (tag.isPresent() && q > 0 && q <= 1) {
                ranges.add(new Range(tag.get(), q, i));
            }
        }
        return ranges.stream().sorted(Comparator.comparingDouble(Range::q).reversed()
                .thenComparingInt(Range::order)).map(Range::tag).toList();
    }

    private static String text(String lang, String key) {
        return TEXTS.get(lang).get(key);
    }

    /** The rate-limit key of a landing: the token, so one subject's link cannot exhaust another's. */
    static String rateKey(WebRequest r) {
        String token = r.queryParameter("token").or(() -> formField(r, "token")).orElse("");
        return "token:" + Evidence.hashOf(token);
    }

    private static Evidence evidence(WebRequest r) {
        return new Evidence(null, null, null, ChoicesEndpoint.userAgent(r), r.remoteAddress().orElse(null), null);
    }

    /** A form field of a urlencoded body; the query parameter of that name when the body is not a form. */
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

    private static WebResponse page(Exchange x, int status, String lang, String key, String more) {
        String title = text(lang, key + ".title");
        String html = "<!doctype html><html lang=\"" + lang + "\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + title
                + "</title></head><body><main><h1>" + title + "</h1><p>" + text(lang, key + ".text") + "</p>" + more
                + "</main></body></html>";
        x.headers().set("Cache-Control", "no-store").set("Referrer-Policy", "no-referrer")
                .set("Content-Language", lang).set("Vary", "Accept-Language")
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
