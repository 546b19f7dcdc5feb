package dev.consent.web;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.Reason;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.JurisdictionId;
import dev.consent.policy.Mechanism;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code GET /purposes[?locale=de]}: the purposes the current subject can decide, each with its notice in the
 * language shown (and its hash), its consent version, mechanism, the subject's current state and whether the banner
 * must ask (no explicit decision yet, or one made under an older consent version: GDPR Art. 7(1) and recital 32,
 * consent is given for the purposes as described; a material change needs it again). A purpose that needs double
 * opt-in is listed (its state may be pending, and it can be refused here) but never asked for: it is granted through
 * the shop's subscription form and a confirmation mail.
 */
final class PurposesEndpoint {
    private final ConsentService consents;
    private final Notices notices;

    PurposesEndpoint(ConsentService consents, Notices notices) {
        this.consents = consents;
        this.notices = notices;
    }

    WebResponse handle(Exchange x) {
        Optional<String> locale = requestedLocale(x.request);
        Policy policy = consents.policy();
        SubjectId subject = x.subject();
        // the first purpose's decision names the jurisdiction the subject is in: no other read of their ledger
        PurposeId firstId = policy.purposes().get(0).id();
        Decision first = consents.check(subject, firstId);
        DecidablePurposes.Scope scope = DecidablePurposes.of(policy, first);
        Map<PurposeId, Decision> decisions = new LinkedHashMap<>();
        scope.purposes().forEach(p -> decisions.put(p.id(), p.id().equals(firstId) ? first
                : consents.check(subject, p.id())));
        Map<EventRef, ConsentEvent> deciding = decidingEvents(decisions.values());

        ObjectNode doc = Json.object();
        doc.putObject("policy").put("id", policy.id()).put("version", policy.version());
        doc.put("requestedLocale", locale.orElse(null));
        doc.put("policyLocale", notices.policyLocale(policy));
        doc.put("gpc", "1".equals(x.request.header("Sec-GPC").orElse(null)));
        doc.put("jurisdiction", scope.jurisdiction().map(JurisdictionId::value).orElse(null));
        ArrayNode list = doc.putArray("purposes");
        boolean prompt = false;
        for (DecidablePurposes.Offered offered : scope.offered()) {
            Purpose p = offered.purpose();
            Decision d = decisions.get(p.id());
            Optional<ConsentEvent> event = d.decidingEvent().map(deciding::get);
            ShownNotice n = notices.notice(policy, p, locale);
            // a double opt-in purpose is granted through a subscription form and a confirmation mail, never here
            boolean ask = !p.requiresConfirmation() && mustAsk(d, event, policy);
            prompt |= ask;
            ObjectNode o = list.addObject();
            o.put("id", p.id().value());
            p.parent().ifPresent(parent -> o.put("parent", parent.value()));
            o.put("title", n.title());
            o.put("text", n.text());
            o.put("locale", n.locale());
            o.put("noticeId", n.id());
            o.put("noticeHash", n.hash());
            o.put("version", p.consentVersion());
            o.put("mechanism", offered.mechanism() == Mechanism.OPT_IN ? "opt-in" : "opt-out");
            o.put("basis", p.basis().name());
            o.put("state", state(d, event));
            o.put("reason", d.reason().name());
            event.filter(e -> e.method() != Method.GPC).ifPresent(e -> o.put("decidedVersion", e.consentVersion()));
            o.put("prompt", ask);
            o.put("doubleOptIn", p.requiresConfirmation());
            o.put("gpcOptOut", offered.gpcOptOut());
            ArrayNode modes = o.putArray("consentMode");
            consentModeTypes(policy, p.id()).forEach(modes::add);
        }
        doc.put("prompt", prompt);
        ObjectNode mode = doc.putObject("consentMode");
        policy.signals().ifPresent(s -> s.consentMode().forEach((type, ids) -> {
            ArrayNode a = mode.putArray(type.gtagName());
            ids.forEach(id -> a.add(id.value()));
        }));
        return x.json(200, doc);
    }

    static Optional<String> requestedLocale(WebRequest request) {
        Optional<String> raw = request.queryParameter("locale");
        if (raw.isEmpty() || raw.get().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(Notices.canonical(raw.get()).orElseThrow(() -> Problem.badRequest("locale",
                raw.get(), "must be a BCP 47 language tag such as de or fr-CA").exception()));
    }

    /** The events the decisions rest on, read once per subject whose chain holds one. */
    private Map<EventRef, ConsentEvent> decidingEvents(java.util.Collection<Decision> decisions) {
        Set<EventRef> refs = decisions.stream().flatMap(d -> d.decidingEvent().stream()).collect(Collectors.toSet());
        Map<EventRef, ConsentEvent> out = new HashMap<>();
        refs.stream().map(EventRef::subject).distinct().forEach(s -> consents.forEachEvent(s, e -> {
            EventRef ref = e.ref();
            if (refs.contains(ref)) {
                out.put(ref, e);
            }
        }));
        return out;
    }

    /**
     * Ask when no explicit choice decides the purpose (none at all, only a Global Privacy Control signal, an expired
     * grant, or a grant for an older version), or when the explicit choice was made under an older consent version
     * of the purpose it was made for.
     */
    private static boolean mustAsk(Decision d, Optional<ConsentEvent> event, Policy policy) {
        if (d.reason() == Reason.NO_RECORD || d.reason() == Reason.EXPIRED || d.reason() == Reason.RECONSENT_REQUIRED) {
            return true;
        }
        if (event.isEmpty() || event.get().method() == Method.GPC) {
            return d.reason() != Reason.RESTRICTED;
        }
        ConsentEvent e = event.get();
        return policy.findPurpose(e.purpose()).map(p -> e.consentVersion() < p.consentVersion()).orElse(true);
    }

    private static String state(Decision d, Optional<ConsentEvent> event) {
        Reason r = d.reason();
        if (r == Reason.PENDING_CONFIRMATION) {
            return "pending";
        }
        if (r == Reason.NO_RECORD || r == Reason.EXPIRED || r == Reason.RECONSENT_REQUIRED) {
            return "none";
        }
        if (d.allowed()) {
            return r == Reason.GRANTED || event.isPresent() ? "granted" : "none";
        }
        return "denied";
    }

    static List<String> consentModeTypes(Policy policy, PurposeId purpose) {
        return policy.signals().map(s -> s.consentMode().entrySet().stream()
                .filter(en -> en.getValue().contains(purpose)).map(en -> en.getKey().gtagName()).toList())
                .orElse(List.of());
    }
}
