package dev.consent.receipt;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.Reason;
import dev.consent.internal.JsonDocuments;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Controller;
import dev.consent.policy.DataCategory;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PostalAddress;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeCategory;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.retention.RetentionRule;
import dev.consent.rights.RequestType;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * ISO/IEC TS 27560:2023 consent records in the W3C Data Privacy Vocabulary's JSON-LD serialisation, following the DPV
 * guide "Consent Records and Receipts as per ISO/IEC TS 27560:2023 using DPV" (w3c/dpv, guides/consent-27560.html,
 * section "DPV-27560 Consent Record"): one {@code dpv:ConsentRecord} per consent (a subject and a purpose on consent),
 * declaring conformance to the guide's {@code dpv-27560#record} profile, with every field the guide marks MUST:
 * record metadata (schema version, identifier, data subject), notice and its language, the process (purpose, personal
 * data and its type, storage location and duration, data controller, recipients, how to withdraw, jurisdictions,
 * rights, the consent type as legal basis), the controller as an entity (name, identifier, role, contact, postal
 * address), and the consent's states, each with its time, duration and who expressed it.
 *
 * <p>Identifiers are stable: a record's IRI is a name-based UUID of the policy, the subject and the purpose, so the
 * same consent keeps the same record across exports.
 */
final class ConsentRecords {
    static final String PROFILE = "https://w3id.org/dpv/schema/dpv-27560#record";
    static final String DPV = "https://w3id.org/dpv#";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ConsentRecords() {
    }

    static void write(ConsentService consents, SubjectId subject, List<SubjectId> chains,
            Map<EventId, ConsentReceipt> receipts, OutputStream out) {
        List<ConsentEvent> history = new ArrayList<>();
        for (SubjectId chain : chains) {
            consents.forEachEvent(chain, history::add);
        }
        // the order choices were made in; events of one instant keep their chain order (the sort is stable)
        history.sort(Comparator.comparing(ConsentEvent::occurredAt));
        Instant now = consents.clock().instant();
        Policy current = consents.policyAt(now);

        ObjectNode doc = MAPPER.createObjectNode();
        ObjectNode context = doc.putObject("@context");
        context.put("dpv", DPV);
        context.put("dct", "http://purl.org/dc/terms/");
        context.put("loc", "https://w3id.org/dpv/loc#");
        context.put("schema", "https://schema.org/");
        context.put("skos", "http://www.w3.org/2004/02/skos/core#");
        context.put("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#");
        context.put("rdfs", "http://www.w3.org/2000/01/rdf-schema#");
        context.put("xsd", "http://www.w3.org/2001/XMLSchema#");
        ArrayNode graph = doc.putArray("@graph");

        // the purposes the subject made a choice about; a restriction concerns processing, not consent (GDPR Art. 18)
        Set<PurposeId> purposes = new LinkedHashSet<>();
        history.stream().filter(e -> !e.choice().isRestriction() && e.choice() != Choice.AGE_DECLARED
                && e.choice() != Choice.LOCATION_RECORDED)
                .forEach(e -> purposes.add(e.purpose()));
        for (PurposeId purposeId : purposes) {
            Policy policy = current.findPurpose(purposeId).isPresent() ? current
                    : consents.policyAt(lastOf(history, purposeId));
            Purpose purpose = policy.purpose(purposeId);
            if (purpose.basis() != LegalBasis.CONSENT) {
                continue; // an objection to legitimate interests is a choice, but not a consent to record
            }
            ConsentReceipts.requireReady(policy, purposeId);
            Optional<Decision> decision = current.findPurpose(purposeId).isPresent()
                    ? Optional.of(consents.checkUncached(subject, purposeId)) : Optional.empty();
            graph.add(record(subject, chains, policy, purpose, history, receipts, decision, consents));
        }
        try (JsonGenerator g = JsonDocuments.open(MAPPER.getFactory(), out)) {
            g.writeTree(doc);
        } catch (IOException e) {
            throw new UncheckedIOException("the consent records could not be written", e);
        }
    }

    private static Instant lastOf(List<ConsentEvent> history, PurposeId purpose) {
        Instant last = null;
        for (ConsentEvent e : history) {
            if (e.purpose().equals(purpose)) {
                last = e.occurredAt();
            }
        }
        return last;
    }

    private static ObjectNode record(SubjectId subject, List<SubjectId> chains, Policy policy, Purpose purpose,
            List<ConsentEvent> history, Map<EventId, ConsentReceipt> receipts, Optional<Decision> decision,
            ConsentService consents) {
        Controller controller = policy.controller().orElseThrow();
        String controllerIri = "urn:uuid:" + nameUuid("controller", controller.id());
        String subjectIri = "urn:uuid:" + nameUuid("data-subject", policy.id(), subject.value());
        String recordId = nameUuid("consent-record", policy.id(), subject.value(), purpose.id().value());

        ObjectNode r = MAPPER.createObjectNode();
        r.put("@id", "urn:uuid:" + recordId);
        r.put("@type", "dpv:ConsentRecord");
        r.put("dct:identifier", recordId);
        r.set("dct:conformsTo", iri(PROFILE));

        ObjectNode dataSubject = r.putObject("dpv:hasDataSubject");
        dataSubject.put("@id", subjectIri);
        dataSubject.put("@type", "dpv:DataSubject");
        ArrayNode ids = dataSubject.putArray("dct:identifier");
        chains.forEach(c -> ids.add(c.value()));

        // the events that speak about this consent: choices for the purpose itself, and refusals of a broader purpose
        List<PurposeId> lineage = policy.lineage(purpose.id()).stream().map(Purpose::id).toList();
        List<ConsentEvent> own = history.stream().filter(e -> !e.choice().isRestriction()
                && (e.purpose().equals(purpose.id()) || lineage.contains(e.purpose()) && e.choice().isRefusal()))
                .toList();

        Set<String> languages = new LinkedHashSet<>();
        ArrayNode notices = r.putArray("dpv:hasNotice");
        ObjectNode privacyNotice = notices.addObject();
        privacyNotice.put("@id", policy.policyUrl().orElseThrow());
        privacyNotice.put("@type", "dpv:PrivacyNotice");
        privacyNotice.put("dct:identifier", policy.id() + " " + policy.version());
        privacyNotice.put("dct:language", policy.language().orElseThrow());
        Map<String, String> noticeIris = new LinkedHashMap<>();
        for (ConsentEvent e : own) {
            Policy then = consents.policyAt(e.occurredAt());
            String language = Wording.language(e, then.language().isPresent() ? then : policy);
            languages.add(language);
            String noticeId = e.evidence().noticeId();
            if (noticeId != null) {
                String key = noticeId + "\n" + e.evidence().noticeHash();
                if (!noticeIris.containsKey(key)) {
                    String noticeIri = "urn:uuid:" + nameUuid("notice", policy.id(), noticeId,
                            String.valueOf(e.evidence().noticeHash()));
                    noticeIris.put(key, noticeIri);
                    ObjectNode n = notices.addObject();
                    n.put("@id", noticeIri);
                    n.put("@type", "dpv:ConsentNotice");
                    ArrayNode nid = n.putArray("dct:identifier");
                    nid.add(noticeId);
                    if (e.evidence().noticeHash() != null) {
                        nid.add("sha256:" + e.evidence().noticeHash());
                    }
                    n.put("dct:language", language);
                }
            }
        }
        languages.add(policy.language().orElseThrow());
        ArrayNode recordLanguages = r.putArray("dct:language");
        languages.forEach(recordLanguages::add);

        ObjectNode process = r.putObject("dpv:hasProcess");
        process.put("@type", "dpv:Process");
        ObjectNode p = process.putObject("dpv:hasPurpose");
        p.put("@type", "dpv:Purpose");
        p.put("dct:identifier", purpose.id().value());
        p.put("dct:title", purpose.title());
        p.put("dct:description", purpose.description());
        ArrayNode broader = p.putArray("skos:broader");
        purpose.purposeCategories().stream().map(PurposeCategory::dpvPurpose).distinct()
                .forEach(x -> broader.add(iri(x)));
        ArrayNode kantara = p.putArray("dct:subject");
        purpose.purposeCategories().forEach(c -> kantara.add("Kantara purpose category " + c.kantaraLabel()));

        ArrayNode personalData = process.putArray("dpv:hasPersonalData");
        for (CategoryId id : purpose.categories()) {
            DataCategory d = policy.findCategory(id).orElseThrow();
            ObjectNode pd = personalData.addObject();
            pd.put("@id", "urn:uuid:" + nameUuid("personal-data", policy.id(), id.value()));
            pd.put("@type", "dpv:PersonalData");
            pd.put("dct:identifier", id.value());
            pd.put("dct:description", d.description());
            // the guide asks for a type from the DPV taxonomy; host categories map to its sensitive or general type
            pd.set("skos:broader", iri(d.sensitive() ? "dpv:SensitivePersonalData" : "dpv:PersonalData"));
        }

        ArrayNode storage = process.putArray("dpv:hasStorageCondition");
        ObjectNode location = storage.addObject();
        location.put("@type", "dpv:StorageLocation");
        ArrayNode where = location.putArray("dpv:hasLocation");
        policy.storageLocations().forEach(code -> where.add(iri("loc:" + code)));
        for (CategoryId id : purpose.categories()) {
            for (RetentionRule rule : policy.retentionRulesFor(id, Optional.of(purpose.id()))) {
                ObjectNode duration = storage.addObject();
                duration.put("@type", "dpv:StorageDuration");
                duration.put("dct:identifier", rule.id());
                duration.put("dct:description", id.value() + ": " + Wording.retention(rule));
                ObjectNode d = duration.putObject("dpv:hasDuration");
                d.put("@type", "dpv:TemporalDuration");
                d.put("rdf:value", rule.period().toString());
                duration.set("dpv:hasPersonalData", iri("urn:uuid:" + nameUuid("personal-data", policy.id(),
                        id.value())));
            }
        }

        process.set("dpv:hasDataController", iri(controllerIri));
        // the library records consent only as an affirmative act on an opt-in purpose (GDPR Art. 4(11), Art. 7)
        process.set("dpv:hasLegalBasis", iri("dpv:ExpressedConsent"));
        ArrayNode recipients = process.putArray("dpv:hasRecipient");
        recipients.add(iri(controllerIri));
        ArrayNode processors = MAPPER.createArrayNode();
        ArrayNode thirdParties = MAPPER.createArrayNode();
        for (Recipient x : policy.recipientsFor(purpose.id())) {
            ObjectNode n = recipients.addObject();
            n.put("@id", "urn:uuid:" + nameUuid("recipient", policy.id(), x.id()));
            ArrayNode types = n.putArray("@type");
            types.add("dpv:Recipient");
            types.add(x.role() == Recipient.Role.PROCESSOR ? "dpv:DataProcessor" : "dpv:ThirdParty");
            n.put("dct:identifier", x.id());
            n.put("dpv:hasName", x.name());
            if (x.location() != null) {
                n.put("dpv:hasLocation", x.location());
            }
            (x.role() == Recipient.Role.PROCESSOR ? processors : thirdParties).add(iri(n.get("@id").asText()));
        }
        if (!processors.isEmpty()) {
            process.set("dpv:hasDataProcessor", processors);
        }
        if (!thirdParties.isEmpty()) {
            process.set("dpv:hasThirdParty", thirdParties);
        }

        ObjectNode withdraw = process.putObject("dpv:hasConsentControl");
        withdraw.put("@type", "dpv:WithdrawConsent");
        withdraw.put("dct:description", "Consent can be withdrawn at any time, as easily as it was given, in the same "
                + "place or by email to " + controller.email() + "; withdrawal does not affect processing before it "
                + "(GDPR Art. 7(3))");
        withdraw.set("dpv:isExercisedAt", iri("mailto:" + controller.email()));
        ArrayNode jurisdictions = process.putArray("dpv:hasJurisdiction");
        policy.jurisdictions().forEach(code -> jurisdictions.add(iri("loc:" + code)));
        ArrayNode rights = process.putArray("dpv:hasRight");
        for (RequestType type : RequestType.values()) {
            ObjectNode right = rights.addObject();
            right.put("@type", "dpv:DataSubjectRight");
            right.put("dct:identifier", type.name());
            right.put("dct:title", Wording.right(type));
            right.set("dpv:isExercisedAt", iri("mailto:" + controller.email()));
        }

        ArrayNode entities = r.putArray("dpv:hasEntity");
        entities.add(controllerEntity(controller, controllerIri));

        ArrayNode states = r.putArray("dpv:hasConsentStatus");
        statuses(states, own, purpose, policy, subjectIri, controllerIri, noticeIris, receipts, decision, consents);
        return r;
    }

    private static ObjectNode controllerEntity(Controller c, String iri) {
        ObjectNode e = MAPPER.createObjectNode();
        e.put("@id", iri);
        ArrayNode types = e.putArray("@type");
        types.add("dpv:LegalEntity");
        types.add("dpv:DataController");
        e.put("dpv:hasIdentifier", c.id());
        e.put("dpv:hasName", c.name());
        ObjectNode contact = e.putObject("schema:contactPoint");
        contact.put("@type", "schema:ContactPoint");
        contact.put("schema:name", c.contact());
        contact.put("schema:email", c.email());
        contact.put("schema:telephone", c.phone());
        PostalAddress a = c.address();
        ObjectNode address = e.putObject("schema:address");
        address.put("@type", "schema:PostalAddress");
        address.put("schema:streetAddress", a.streetAddress());
        if (a.postalCode() != null) {
            address.put("schema:postalCode", a.postalCode());
        }
        address.put("schema:addressLocality", a.locality());
        if (a.region() != null) {
            address.put("schema:addressRegion", a.region());
        }
        address.put("schema:addressCountry", a.country());
        if (c.url() != null) {
            e.set("schema:url", iri(c.url()));
        }
        return e;
    }

    /**
     * The consent's states in the order they arose. A Global Privacy Control signal is a state only while no explicit
     * choice stands (an explicit choice wins over the signal, as decisions do); a refusal of a broader purpose ends
     * the consent too. A last state is derived from the decision where time or the policy ended the consent without
     * an event: the consent lifetime ran out, or the purpose changed materially.
     */
    private static void statuses(ArrayNode states, List<ConsentEvent> own, Purpose purpose, Policy policy,
            String subjectIri, String controllerIri, Map<String, String> noticeIris,
            Map<EventId, ConsentReceipt> receipts, Optional<Decision> decision, ConsentService consents) {
        boolean explicitSeen = false;
        String previous = null;
        ConsentEvent lastGrant = null;
        for (ConsentEvent e : own) {
            boolean signal = Wording.isSignal(e);
            if (signal && explicitSeen) {
                continue; // overridden by the explicit choice before it
            }
            explicitSeen |= !signal;
            ObjectNode s = states.addObject();
            String type;
            String why = null;
            if (e.choice() == Choice.GRANTED) {
                String notCounted = whyGrantDoesNotCount(e, consents);
                if (notCounted == null) {
                    type = "dpv:ConsentGiven".equals(previous) || "dpv:RenewedConsentGiven".equals(previous)
                            ? "dpv:RenewedConsentGiven" : "dpv:ConsentGiven";
                    lastGrant = e;
                } else {
                    type = "dpv:ConsentInvalidated";
                    why = "given, but it does not count: " + notCounted;
                }
            } else if (e.choice() == Choice.WITHDRAWN) {
                type = "dpv:ConsentWithdrawn";
            } else if (e.choice() == Choice.DENIED || e.choice() == Choice.OBJECTED) {
                type = "dpv:ConsentRefused";
            } else {
                states.remove(states.size() - 1); // a kind of choice that is not a consent state: none is claimed
                continue;
            }
            if (!e.purpose().equals(purpose.id())) {
                why = (why == null ? "" : why + "; ") + "through the broader purpose " + e.purpose()
                        + ", which covers this one";
            }
            if (signal) {
                why = (why == null ? "" : why + "; ") + "opted out by a Global Privacy Control signal";
            }
            s.put("@type", type);
            s.put("dct:identifier", e.id().value());
            s.set("dpv:isIndicatedAtTime", time(e.occurredAt()));
            s.set("dpv:hasDuration", duration(type, e));
            s.set("dpv:isIndicatedBy", indicatedBy(e, subjectIri, controllerIri));
            s.put("dpv:hasIndicationMethod", Wording.collectionMethod(e));
            if (e.evidence().noticeId() != null) {
                s.set("dpv:hasNotice", iri(noticeIris.get(e.evidence().noticeId() + "\n" + e.evidence().noticeHash())));
            }
            ConsentReceipt receipt = receipts.get(e.id());
            if (receipt != null) {
                s.set("dct:isReferencedBy", iri("urn:uuid:" + receipt.receiptId()));
            }
            if (why != null) {
                s.put("rdfs:comment", why);
            }
            previous = type;
        }
        if (decision.isEmpty() || lastGrant == null || !("dpv:ConsentGiven".equals(previous)
                || "dpv:RenewedConsentGiven".equals(previous))) {
            return;
        }
        Reason reason = decision.get().reason();
        if (reason == Reason.EXPIRED && lastGrant.expiresAt().isPresent()) {
            derived(states, "dpv:ConsentExpired", lastGrant.expiresAt().get(), controllerIri,
                    "the purpose's consent lifetime ran out");
        } else if (reason == Reason.RECONSENT_REQUIRED) {
            Instant changed = policy.effectiveInstant().isAfter(lastGrant.occurredAt()) ? policy.effectiveInstant()
                    : lastGrant.occurredAt();
            derived(states, "dpv:ConsentInvalidated", changed, controllerIri, "the purpose changed materially "
                    + "(consent version " + purpose.consentVersion() + "); consent must be given again");
        }
    }

    private static String whyGrantDoesNotCount(ConsentEvent e, ConsentService consents) {
        Policy then = consents.policyAt(e.occurredAt());
        Optional<Purpose> p = then.findPurpose(e.purpose());
        if (p.isEmpty() || p.get().basis() != LegalBasis.CONSENT) {
            return "the purpose did not rest on consent then";
        }
        if (p.get().minimumAge().isPresent()) {
            boolean guardianCounts = e.actor() == Actor.GUARDIAN && p.get().guardianConsent();
            // the age when given, by the latest declaration known now, as the check reads it (GDPR Art. 8(1))
            java.time.Instant now = consents.clock().instant();
            int age = consents.age(e.subject(), e.occurredAt(), now.isAfter(e.occurredAt()) ? now : e.occurredAt())
                    .orElse(-1);
            if (!guardianCounts && age < p.get().minimumAge().getAsInt()) {
                return "the subject was below the minimum age of " + p.get().minimumAge().getAsInt() + " (GDPR Art. 8)";
            }
        }
        return null;
    }

    private static void derived(ArrayNode states, String type, Instant at, String controllerIri, String why) {
        ObjectNode s = states.addObject();
        s.put("@type", type);
        s.set("dpv:isIndicatedAtTime", time(at));
        s.set("dpv:hasDuration", untilEvent("until the data subject gives consent again"));
        s.set("dpv:isIndicatedBy", iri(controllerIri));
        s.put("rdfs:comment", why);
    }

    private static ObjectNode duration(String type, ConsentEvent e) {
        boolean given = type.equals("dpv:ConsentGiven") || type.equals("dpv:RenewedConsentGiven");
        if (!given) {
            return untilEvent("until the data subject gives consent again");
        }
        if (e.expiresAt().isPresent()) {
            ObjectNode d = MAPPER.createObjectNode();
            d.put("@type", "dpv:UntilTimeDuration");
            d.set("rdf:value", time(e.expiresAt().get()));
            return d;
        }
        return untilEvent("until the data subject withdraws consent");
    }

    private static ObjectNode untilEvent(String event) {
        ObjectNode d = MAPPER.createObjectNode();
        d.put("@type", "dpv:UntilEventDuration");
        d.put("rdf:value", event);
        return d;
    }

    /** Who expressed the choice: the subject (also for a signal their browser sent), a guardian, an agent, the shop. */
    private static ObjectNode indicatedBy(ConsentEvent e, String subjectIri, String controllerIri) {
        if (Wording.isSignal(e) || e.actor() == Actor.SUBJECT) {
            return iri(subjectIri);
        }
        return switch (e.actor()) {
            case GUARDIAN -> typed("dpv:GuardianOfDataSubject");
            case AGENT -> typed("dpv:Representative");
            default -> iri(controllerIri);
        };
    }

    private static ObjectNode typed(String type) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("@type", type);
        return n;
    }

    private static ObjectNode time(Instant t) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("@value", t.toString());
        n.put("@type", "xsd:dateTime");
        return n;
    }

    private static ObjectNode iri(String iri) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("@id", iri);
        return n;
    }

    /** A name-based UUID (RFC 4122 version 3) of the parts: the same parts always give the same identifier. */
    static String nameUuid(String... parts) {
        return UUID.nameUUIDFromBytes(String.join("\n", parts).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
