package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.consent.ConsentService;
import dev.consent.Reason;
import dev.consent.InvalidValueException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Mechanism;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code POST /choices}: records one or many choices made in the banner or preference centre, all or nothing, as
 * ordinary ledger events (method {@link Method#COOKIE_BANNER}) whose evidence is the notice shown (id and SHA-256 of its
 * text), the language it was shown in, the user agent, the client address (minimised by the consent service) and
 * the Global Privacy Control signals the request carried. GDPR Art. 7(1): the shop must be able to demonstrate
 * consent; so a choice quoting a notice id, hash or consent version that is not the one this server shows now is
 * refused (409) and nothing is written: what is recorded is exactly what was shown.
 *
 * <p>On an opt-in purpose, "denied" is recorded as a withdrawal when a grant stands (GDPR Art. 7(3); recipients
 * are told, Art. 19) and as a refusal otherwise; on an opt-out purpose it is an objection (Art. 21). A purpose that
 * needs double opt-in is granted through {@code dev.consent.email.DoubleOptIn} (the shop's subscription form), never
 * here.
 */
final class ChoicesEndpoint {
    /** The most choices one request may carry. */
    static final int MAX_CHOICES = 200;

    private final ConsentService consents;
    private final Notices notices;

    ChoicesEndpoint(ConsentService consents, Notices notices) {
        this.consents = consents;
        this.notices = notices;
    }

    WebResponse handle(Exchange x) {
        ObjectNode body = Json.readObject(x.request.body());
        Optional<String> requested = Json.optionalText(body, "locale", "locale").filter(s -> !s.isEmpty())
                .map(l -> Notices.canonical(l).orElseThrow(() -> Problem.badRequest("locale", l,
                        "must be a BCP 47 language tag such as de or fr-CA").exception()));
        JsonNode gpcFlag = body.get("gpc");
        if (gpcFlag != null && !gpcFlag.isBoolean() && !gpcFlag.isNull()) {
            throw Problem.badRequest("gpc", gpcFlag.toString(), "must be true or false").exception();
        }
        JsonNode items = body.get("choices");
        if (items == null || !items.isArray() || items.isEmpty()) {
            throw Problem.badRequest("choices", items == null ? null : items.toString(),
                    "must be a non-empty array of choices").exception();
        }
        if (items.size() > MAX_CHOICES) {
            throw Problem.badRequest("choices", Integer.toString(items.size()), "must hold at most " + MAX_CHOICES
                    + " choices").exception();
        }
        Policy policy = consents.policy();
        SubjectId subject = x.subject();
        // a check names the subject's jurisdiction, read through the cache as every check is
        List<Purpose> decidable = DecidablePurposes.of(policy, consents.check(subject, policy.purposes().get(0).id()))
                .purposes();
        String reference = reference(x.request, gpcFlag != null && gpcFlag.asBoolean(false));
        List<ChoiceRecord> records = new ArrayList<>();
        Set<PurposeId> seen = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String at = "choices[" + i + "]";
            JsonNode item = items.get(i);
            if (!item.isObject()) {
                throw Problem.badRequest(at, item.toString(), "must be an object").exception();
            }
            Purpose purpose = purpose(policy, decidable, Json.text(item, "purpose", at + ".purpose"), at);
            if (!seen.add(purpose.id())) {
                throw Problem.badRequest(at + ".purpose", purpose.id().value(), "is chosen twice in one request")
                        .exception();
            }
            boolean granted = granted(Json.text(item, "choice", at + ".choice"), at);
            ShownNotice shown = notices.notice(policy, purpose, requested);
            checkShown(item, shown, at);
            Evidence evidence = new Evidence(shown.id(), shown.hash(), shown.locale(), userAgent(x.request),
                    x.request.remoteAddress().orElse(null), reference);
            Capture capture = Capture.by(Method.COOKIE_BANNER).withEvidence(evidence)
                    .withConsentVersion(purpose.consentVersion());
            records.add(new ChoiceRecord(subject, purpose.id(), choice(subject, purpose, granted, at), capture));
        }
        List<ConsentEvent> events = consents.record(records);
        ObjectNode doc = Json.object();
        ArrayNode out = doc.putArray("recorded");
        for (ConsentEvent e : events) {
            out.addObject().put("purpose", e.purpose().value()).put("choice", e.choice().name())
                    .put("version", e.consentVersion()).put("eventId", e.id().value())
                    .put("noticeHash", e.evidence().noticeHash()).put("locale", e.evidence().locale());
        }
        return x.json(200, doc);
    }

    private static Purpose purpose(Policy policy, List<Purpose> decidable, String id, String at) {
        PurposeId pid;
        try {
            pid = PurposeId.of(id);
        } catch (InvalidValueException e) {
            throw Problem.badRequest(at + ".purpose", id, e.rule()).exception();
        }
        if (policy.findPurpose(pid).isEmpty()) {
            throw Problem.of(400, "unknown-purpose", "The policy declares no such purpose", at + ".purpose", id,
                    "must be a purpose of policy " + policy.id() + " version " + policy.version()).exception();
        }
        return decidable.stream().filter(p -> p.id().equals(pid)).findFirst().orElseThrow(() -> Problem.badRequest(
                at + ".purpose", id, "offers no choice here (its mechanism is notice only, in the subject's jurisdiction)").exception());
    }

    private static boolean granted(String choice, String at) {
        return switch (choice) {
            case "granted" -> true;
            case "denied" -> false;
            default -> throw Problem.badRequest(at + ".choice", choice, "must be granted or denied").exception();
        };
    }

    /** The notice the client quotes must be the one this server shows now, in the language it resolves to. */
    private static void checkShown(JsonNode item, ShownNotice shown, String at) {
        JsonNode version = item.get("version");
        if (version == null || !version.isInt()) {
            throw Problem.badRequest(at + ".version", version == null ? null : version.toString(),
                    "must be the consent version shown (an integer)").exception();
        }
        if (version.intValue() != shown.purpose().consentVersion()) {
            throw stale(at + ".version", version.toString(), "must be the purpose's current consent version "
                    + shown.purpose().consentVersion() + ": reload the notice and ask again");
        }
        String noticeId = Json.text(item, "noticeId", at + ".noticeId");
        if (!noticeId.equals(shown.id())) {
            throw stale(at + ".noticeId", noticeId, "must be the notice shown now, " + shown.id());
        }
        String hash = Json.text(item, "noticeHash", at + ".noticeHash");
        if (!hash.equals(shown.hash())) {
            throw stale(at + ".noticeHash", hash, "must be the SHA-256 of the notice text shown now, "
                    + shown.hash());
        }
    }

    private static Problem.ProblemException stale(String field, String value, String rule) {
        return Problem.of(409, "stale-notice", "The choice was made on a notice this server no longer shows", field,
                value, rule).exception();
    }

    private Choice choice(SubjectId subject, Purpose purpose, boolean granted, String at) {
        if (purpose.mechanism() == Mechanism.OPT_OUT) {
            return granted ? Choice.GRANTED : Choice.OBJECTED;
        }
        if (granted) {
            if (purpose.requiresConfirmation()) {
                throw Problem.badRequest(at + ".choice", "granted", "purpose " + purpose.id() + " needs double"
                        + " opt-in: it is granted through the shop's subscription form and a confirmation mail")
                        .exception();
            }
            return Choice.GRANTED;
        }
        Reason now = consents.check(subject, purpose.id()).reason();
        return now == Reason.GRANTED || now == Reason.PENDING_CONFIRMATION ? Choice.WITHDRAWN : Choice.DENIED;
    }

    /** What the request said about Global Privacy Control: the header and the page's own reading of the signal. */
    private static String reference(WebRequest r, boolean gpcFlag) {
        String header = r.header("Sec-GPC").filter(v -> v.equals("1")).map(v -> "1").orElse("absent");
        return "consent banner; Sec-GPC: " + header + "; navigator.globalPrivacyControl: " + gpcFlag;
    }

    /** The user agent as evidence: control characters removed, cut to what evidence holds. */
    static String userAgent(WebRequest r) {
        return r.header("User-Agent").map(ua -> {
            String clean = ua.replaceAll("\\p{Cntrl}", "");
            return clean.length() > 1000 ? clean.substring(0, 1000) : clean;
        }).filter(ua -> !ua.isEmpty()).orElse(null);
    }
}
