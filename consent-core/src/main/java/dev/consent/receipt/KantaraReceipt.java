package dev.consent.receipt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.consent.ledger.ConsentEvent;
import dev.consent.policy.Controller;
import dev.consent.policy.DataCategory;
import dev.consent.policy.Policy;
import dev.consent.policy.PostalAddress;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeCategory;
import dev.consent.policy.Recipient;

import java.time.Instant;
import java.util.List;

/**
 * The JSON of one Kantara Consent Receipt v1.1 for one grant: every field the specification's JSON schema requires,
 * in its types, and the specification's meanings (the controller's contact is a name and its email sits in {@code
 * email}; {@code purpose} is a plain explanation and {@code purposeCategory} the specification's categories; {@code
 * language} is ISO 639-1; {@code consentTimestamp} is seconds since the epoch; {@code thirdPartyDisclosure} counts
 * third parties only, since processors act on the controller's behalf and are not third parties, GDPR Art. 4(10)).
 * The fields {@code issuedAt} and {@code ledgerEvent} are this library's additions, which the schema allows: when the
 * receipt was signed, and the ledger event it stands for, with its hash, so that the receipt can be matched to the
 * hash chain.
 */
final class KantaraReceipt {
    static final String VERSION = "KI-CR-v1.1.0";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private KantaraReceipt() {
    }

    static String json(ConsentEvent e, Policy policy, String receiptId, Instant issuedAt, String publicJwk) {
        Purpose purpose = policy.purpose(e.purpose());
        Controller controller = policy.controller().orElseThrow();
        ObjectNode r = MAPPER.createObjectNode();
        r.put("version", VERSION);
        r.put("jurisdiction", String.join(", ", policy.jurisdictions()));
        r.put("consentTimestamp", e.occurredAt().getEpochSecond());
        r.put("collectionMethod", Wording.collectionMethod(e));
        r.put("consentReceiptID", receiptId);
        r.put("publicKey", publicJwk);
        r.put("language", Wording.language(e, policy));
        r.put("piiPrincipalId", e.subject().value());

        ObjectNode c = r.putArray("piiControllers").addObject();
        c.put("piiController", controller.name());
        c.put("onBehalf", false);
        c.put("contact", controller.contact());
        c.set("address", address(controller.address()));
        c.put("email", controller.email());
        c.put("phone", controller.phone());
        if (controller.url() != null) {
            c.put("piiControllerUrl", controller.url());
        }
        r.put("policyUrl", policy.policyUrl().orElseThrow());

        ObjectNode service = r.putArray("services").addObject();
        service.put("service", purpose.title());
        ObjectNode p = service.putArray("purposes").addObject();
        p.put("purpose", purpose.description());
        ArrayNode categories = p.putArray("purposeCategory");
        purpose.purposeCategories().stream().map(PurposeCategory::kantaraLabel).forEach(categories::add);
        // every receipt is for an opt-in grant: a clear affirmative act (GDPR Art. 4(11)), which the policy enforces
        p.put("consentType", "EXPLICIT");
        ArrayNode pii = p.putArray("piiCategory");
        List<DataCategory> data = purpose.categories().stream().map(id -> policy.findCategory(id).orElseThrow()).toList();
        data.forEach(d -> pii.add(label(d)));
        // consent cannot be the core of the service it is asked for (GDPR Art. 7(4)): never the primary purpose
        p.put("primaryPurpose", false);
        p.put("termination", termination(e));
        List<Recipient> thirdParties = policy.recipientsFor(purpose.id()).stream()
                .filter(x -> x.role() == Recipient.Role.THIRD_PARTY).toList();
        p.put("thirdPartyDisclosure", !thirdParties.isEmpty());
        if (!thirdParties.isEmpty()) {
            p.put("thirdPartyName", String.join("; ", thirdParties.stream().map(Recipient::name).toList()));
        }

        List<DataCategory> sensitive = data.stream().filter(DataCategory::sensitive).toList();
        r.put("sensitive", !sensitive.isEmpty());
        ArrayNode spi = r.putArray("spiCat");
        sensitive.forEach(d -> spi.add(label(d)));

        r.put("issuedAt", issuedAt.toString());
        ObjectNode ledger = r.putObject("ledgerEvent");
        ledger.put("eventId", e.id().value());
        ledger.put("subject", e.subject().value());
        ledger.put("sequence", e.sequence());
        ledger.put("hash", e.hash());
        ledger.put("purpose", e.purpose().value());
        ledger.put("consentVersion", e.consentVersion());
        ledger.put("policyId", policy.id());
        ledger.put("policyVersion", e.policyVersion());
        ledger.put("occurredAt", e.occurredAt().toString());
        if (e.expiresAt().isPresent()) {
            ledger.put("expiresAt", e.expiresAt().get().toString());
        }
        if (e.evidence().noticeId() != null) {
            ledger.put("noticeId", e.evidence().noticeId());
        }
        if (e.evidence().noticeHash() != null) {
            ledger.put("noticeSha256", e.evidence().noticeHash());
        }
        ledger.put("method", e.method().name());
        ledger.put("actor", e.actor().name());
        try {
            return MAPPER.writeValueAsString(r);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("a receipt built from valid values cannot fail to serialise", ex);
        }
    }

    /** schema.org's PostalAddress names, as the specification's example uses them. */
    private static ObjectNode address(PostalAddress a) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("streetAddress", a.streetAddress());
        if (a.postalCode() != null) {
            o.put("postalCode", a.postalCode());
        }
        o.put("addressLocality", a.locality());
        if (a.region() != null) {
            o.put("addressRegion", a.region());
        }
        o.put("addressCountry", a.country());
        return o;
    }

    /** A data category as a reader sees it, with the id that finds it in the policy: "Email address (contact.email)". */
    static String label(DataCategory d) {
        return d.description() + " (" + d.id().value() + ")";
    }

    static String termination(ConsentEvent e) {
        String until = "When the PII principal withdraws consent, which they may do at any time (GDPR Art. 7(3))";
        return e.expiresAt().map(t -> until + ", and at the latest on " + t).orElse(until);
    }

}
