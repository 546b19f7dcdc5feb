package dev.consent.receipt;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.ConflictException;
import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.JsonDocuments;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.InvalidPolicyException;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyProblem;
import dev.consent.policy.Purpose;
import dev.consent.store.ReceiptStore;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Issues, keeps and hands out signed consent receipts: one Kantara Consent Receipt v1.1 per consent given, signed with
 * the controller's key ({@link ReceiptSigner}), stored once ({@link ReceiptStore}), and ISO/IEC TS 27560 consent
 * records in the W3C Data Privacy Vocabulary's JSON-LD, one per consent with its whole state history.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Only consents get receipts.</b> A receipt is issued for a grant ({@link Choice#GRANTED}) on a purpose whose
 *       legal basis is consent under the policy in force when the choice was made, by the subject or someone whose
 *       grant counts (a subject under the purpose's minimum age counts only through an accepted guardian, GDPR Art.
 *       8). Denials, withdrawals, objections, restrictions and Global Privacy Control signals never are: they are
 *       listed in the receipts document as choices without a receipt, each saying what it was
 *       ({@link #whyNoReceipt(ConsentEvent)}), and appear in the 27560 records as the states they are.</li>
 *   <li><b>Issued once.</b> The first receipt stored for an event is the receipt of that event for good: issuing
 *       again, on any node, returns it unchanged.</li>
 *   <li><b>Linked visitors count.</b> A customer's receipts include those for the grants of the visitors linked to
 *       them; such a receipt names the visitor id under which the choice was made ({@code piiPrincipalId}).</li>
 *   <li><b>Complete or not at all.</b> A receipt is issued only under a policy that states everything the receipt
 *       formats require ({@link Policy#receiptProblems()}); otherwise {@link InvalidPolicyException} lists what is
 *       missing, with JSON paths.</li>
 * </ul>
 * Thread-safe.
 */
public final class ConsentReceipts {
    /** The receipts document written by {@link #writeReceipts}: its schema name and version. */
    public static final String DOCUMENT_SCHEMA = "dev.consent/consent-receipts";
    /** The version of the receipts document's format; a change a reader must know of gives a new version. */
    public static final String DOCUMENT_VERSION = "1.0";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();

    private final ConsentService consents;
    private final ReceiptStore store;
    private final ReceiptSigner signer;

    private ConsentReceipts(Builder b) {
        this.consents = b.consents;
        this.store = b.store;
        this.signer = b.signer;
    }

    /**
     * A builder that needs a consent service, a receipt store and a signer.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The public key receipts are signed with: what the shop publishes for verifying them.
     *
     * @return the signer's public key as a JWK
     */
    public String publicJwk() {
        return signer.publicJwk();
    }

    /**
     * The id of the signing key.
     *
     * @return the key id named in every receipt's JWS header
     */
    public String keyId() {
        return signer.keyId();
    }

    /**
     * Why an event gets no receipt, in words, or empty when it gets one: it is a refusal, a withdrawal, an objection,
     * a restriction or a Global Privacy Control signal, or a grant that is not a consent (another legal basis) or does
     * not count (under the minimum age). Judged under the policy in force when the choice was made.
     *
     * @param event a recorded event
     * @return the reason in words, or empty when {@link #issue} gives the event a receipt
     */
    public Optional<String> whyNoReceipt(ConsentEvent event) {
        Checks.required("event", event);
        return Optional.ofNullable(whyNot(event, consents.policyAt(event.occurredAt()), consents));
    }

    private static String whyNot(ConsentEvent e, Policy policy, ConsentService consents) {
        if (Wording.isSignal(e)) {
            return "a Global Privacy Control signal, which opts out and is not a consent";
        }
        if (e.choice() != Choice.GRANTED) {
            // only a grant is a consent given; a kind of choice added later gets no receipt until it is named here
            return switch (e.choice()) {
                case DENIED -> "a refusal: consent was asked for and not given";
                case WITHDRAWN -> "a withdrawal of consent (GDPR Art. 7(3)), effective from when it was made, not "
                        + "retroactive";
                case OBJECTED -> "an objection to processing (GDPR Art. 21), not a consent";
                case RESTRICTED -> "a restriction of processing (GDPR Art. 18), not a consent";
                case RESTRICTION_LIFTED -> "the end of a restriction of processing (GDPR Art. 18(3)), not a consent";
                case AGE_DECLARED -> "a declaration of the subject's age, not a consent";
                case LOCATION_RECORDED -> "a record of where the subject is, not a consent";
                case CONFIRMED -> "the confirmation of an earlier grant (double opt-in), whose receipt is the grant's";
                default -> "a choice of kind " + e.choice() + ", not a consent given";
            };
        }
        Optional<Purpose> purpose = policy.findPurpose(e.purpose());
        if (purpose.isEmpty()) {
            return "a grant for purpose " + e.purpose() + ", which policy " + policy.id() + " " + policy.version()
                    + " in force then does not declare";
        }
        Purpose p = purpose.get();
        if (p.basis() != LegalBasis.CONSENT) {
            return "a grant for purpose " + p.id() + ", whose legal basis is " + p.basis() + ", not consent";
        }
        if (p.minimumAge().isPresent()) {
            boolean guardianCounts = e.actor() == Actor.GUARDIAN && p.guardianConsent();
            // the age when given, by the latest declaration known now, as the check reads it (GDPR Art. 8(1))
            java.time.Instant now = consents.clock().instant();
            int age = consents.age(e.subject(), e.occurredAt(), now.isAfter(e.occurredAt()) ? now : e.occurredAt())
                    .orElse(-1);
            if (!guardianCounts && age < p.minimumAge().getAsInt()) {
                return "a grant by a subject below the purpose's minimum age of " + p.minimumAge().getAsInt()
                        + " (or of undeclared age) without an accepted guardian, which does not count (GDPR Art. 8)";
            }
        }
        return null;
    }

    /**
     * The receipt of a consent event: the stored one if it was issued before, else a new one, signed and stored.
     *
     * @param eventId the id of a recorded consent event
     * @return the receipt; the same one on every call for this event
     * @throws InvalidValueException when no event has this id, or the event gets no receipt ({@link #whyNoReceipt})
     * @throws InvalidPolicyException when the policy in force at the choice lacks what a receipt names
     * @throws ConflictException when the store holds a receipt for this event id that names another event
     */
    public ConsentReceipt issue(EventId eventId) {
        Checks.required("eventId", eventId);
        ConsentEvent event = consents.event(eventId).orElseThrow(() -> new InvalidValueException("eventId",
                eventId.value(), "is not a recorded consent event"));
        Optional<ConsentReceipt> stored = store.receipt(eventId);
        if (stored.isPresent()) {
            return matching(stored.get(), event);
        }
        Policy policy = consents.policyAt(event.occurredAt());
        String why = whyNot(event, policy, consents);
        if (why != null) {
            throw new InvalidValueException("eventId", eventId.value(), "gets no consent receipt: it is " + why);
        }
        return sign(event, policy);
    }

    /**
     * Every receipt of a subject, issuing those not issued yet: one per consent given in the subject's own chain and in
     * the chains of the visitors linked to it, in chain order (the subject's first, then each visitor's), each in
     * sequence order. Receipts whose events were pruned from the ledger are still listed.
     *
     * @param subject a customer or a visitor
     * @return the receipts, stored and new
     */
    public List<ConsentReceipt> issueAll(SubjectId subject) {
        Checks.required("subject", subject);
        List<ConsentReceipt> out = new ArrayList<>();
        for (SubjectId chain : chains(subject)) {
            Map<EventId, ConsentReceipt> have = new HashMap<>();
            store.receipts(chain).forEach(r -> have.put(r.event(), r));
            List<ConsentEvent> toIssue = new ArrayList<>();
            consents.forEachEvent(chain, e -> {
                if (!have.containsKey(e.id()) && whyNot(e, consents.policyAt(e.occurredAt()), consents) == null) {
                    toIssue.add(e);
                }
            });
            for (ConsentEvent e : toIssue) {
                ConsentReceipt r = sign(e, consents.policyAt(e.occurredAt()));
                have.put(r.event(), r);
            }
            have.values().stream().sorted(Comparator.comparingLong(ConsentReceipt::sequence)).forEach(out::add);
        }
        return out;
    }

    private ConsentReceipt sign(ConsentEvent event, Policy policy) {
        requireReady(policy, event);
        Instant issuedAt = consents.clock().instant().truncatedTo(ChronoUnit.MICROS);
        String receiptId = UUID.randomUUID().toString();
        String payload = KantaraReceipt.json(event, policy, receiptId, issuedAt, signer.publicJwk());
        ConsentReceipt receipt = new ConsentReceipt(event.id(), event.subject(), event.sequence(), event.purpose(),
                receiptId, issuedAt, signer.keyId(), signer.sign(payload));
        return matching(store.saveReceipt(receipt), event);
    }

    /** A stored receipt is that event's: a store that says otherwise is damaged, and nothing is handed out from it. */
    private static ConsentReceipt matching(ConsentReceipt stored, ConsentEvent event) {
        if (!stored.event().equals(event.id()) || !stored.subject().equals(event.subject())
                || stored.sequence() != event.sequence() || !stored.purpose().equals(event.purpose())) {
            throw new ConflictException("receipt: the receipt stored for event " + event.id() + " names event #"
                    + stored.sequence() + " of another chain or purpose; the receipt store does not match the ledger");
        }
        return stored;
    }

    private static void requireReady(Policy policy, ConsentEvent event) {
        requireReady(policy, event.purpose());
    }

    /** Throws, listing what is missing, unless the policy states all a receipt or record for the purpose names. */
    static void requireReady(Policy policy, dev.consent.policy.PurposeId purpose) {
        int index = policy.purposes().indexOf(policy.purpose(purpose));
        String own = "$.purposes[" + index + "]";
        List<PolicyProblem> problems = policy.receiptProblems().stream()
                .filter(p -> !p.path().startsWith("$.purposes[") || p.path().equals(own)
                        || p.path().startsWith(own + ".") || p.path().startsWith(own + "["))
                .toList();
        if (!problems.isEmpty()) {
            throw new InvalidPolicyException("'" + policy.id() + "' " + policy.version() + " (for consent receipts)",
                    problems);
        }
    }

    private List<SubjectId> chains(SubjectId subject) {
        List<SubjectId> chains = new ArrayList<>();
        chains.add(subject);
        consents.visitorsOf(subject).forEach(v -> chains.add(v.subject()));
        return chains;
    }

    /**
     * Writes the subject's receipts document (UTF-8 JSON, schema {@value #DOCUMENT_SCHEMA} {@value #DOCUMENT_VERSION},
     * described in {@code docs/export-format.md}): the public key, every receipt (issuing those not issued yet) with
     * its JWS and the receipt it signs, and every other choice of the subject and its linked visitors as a choice
     * without a receipt, saying what it was. Does not close {@code out}.
     *
     * @param subject a customer or a visitor
     * @param out where the document is written
     * @throws java.io.UncheckedIOException when {@code out} fails
     */
    public void writeReceipts(SubjectId subject, OutputStream out) {
        Checks.required("subject", subject);
        List<ConsentReceipt> receipts = issueAll(subject);
        Map<EventId, ConsentReceipt> byEvent = new HashMap<>();
        receipts.forEach(r -> byEvent.put(r.event(), r));
        try (JsonGenerator g = JsonDocuments.open(JSON, out)) {
            g.writeStartObject();
            JsonDocuments.writeHeader(g, DOCUMENT_SCHEMA, DOCUMENT_VERSION, consents.clock().instant());
            g.writeStringField("subject", subject.value());
            g.writeArrayFieldStart("linkedVisitors");
            for (dev.consent.ledger.VisitorId v : consents.visitorsOf(subject)) {
                g.writeString(v.subject().value());
            }
            g.writeEndArray();
            g.writeFieldName("publicKey");
            g.writeTree(MAPPER.readTree(signer.publicJwk()));
            g.writeArrayFieldStart("receipts");
            for (ConsentReceipt r : receipts) {
                writeReceipt(g, r);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("choicesWithoutReceipt");
            IOException[] failure = new IOException[1];
            for (SubjectId chain : chains(subject)) {
                consents.forEachEvent(chain, e -> {
                    if (failure[0] != null || byEvent.containsKey(e.id())) {
                        return;
                    }
                    try {
                        writeChoice(g, e, whyNot(e, consents.policyAt(e.occurredAt()), consents));
                    } catch (IOException io) {
                        failure[0] = io;
                    }
                });
            }
            if (failure[0] != null) {
                throw failure[0];
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("the consent receipts document could not be written", e);
        }
    }

    private static void writeReceipt(JsonGenerator g, ConsentReceipt r) throws IOException {
        g.writeStartObject();
        JsonDocuments.writeReceiptColumns(g, r);
        g.writeFieldName("receipt");
        JsonNode payload = MAPPER.readTree(r.payload());
        g.writeTree(payload);
        g.writeEndObject();
    }

    private static void writeChoice(JsonGenerator g, ConsentEvent e, String why) throws IOException {
        g.writeStartObject();
        g.writeStringField("eventId", e.id().value());
        g.writeStringField("subject", e.subject().value());
        g.writeNumberField("sequence", e.sequence());
        g.writeStringField("purpose", e.purpose().value());
        g.writeStringField("choice", e.choice().name());
        g.writeStringField("method", e.method().name());
        g.writeStringField("actor", e.actor().name());
        g.writeStringField("occurredAt", e.occurredAt().toString());
        g.writeStringField("eventHash", e.hash());
        // an event that would get a receipt but has none is impossible here: issueAll issued them all
        g.writeStringField("why", why == null ? "a consent whose receipt is being issued by another node" : why);
        g.writeEndObject();
    }

    /**
     * Writes the subject's ISO/IEC TS 27560 consent records in the W3C Data Privacy Vocabulary's JSON-LD serialisation
     * (the DPV guide "Consent Records and Receipts as per ISO/IEC TS 27560:2023 using DPV", profile {@code
     * dpv-27560#record}): one {@code dpv:ConsentRecord} per purpose on consent that the subject or a linked visitor
     * made a choice about, with every mandatory field of the guide, and the consent's state history from the ledger
     * (given, refused, withdrawn, withdrawn through a broader purpose, and where it no longer counts: expired or
     * invalidated), each state linked to its ledger event and, for a consent given, to its receipt. Issues missing
     * receipts first. Does not close {@code out}.
     *
     * @param subject a customer or a visitor
     * @param out where the JSON-LD document is written
     * @throws java.io.UncheckedIOException when {@code out} fails
     */
    public void writeRecords(SubjectId subject, OutputStream out) {
        Checks.required("subject", subject);
        Map<EventId, ConsentReceipt> receipts = new HashMap<>();
        issueAll(subject).forEach(r -> receipts.put(r.event(), r));
        ConsentRecords.write(consents, subject, chains(subject), receipts, out);
    }

    /** Configures {@link ConsentReceipts}; {@link #build()} checks that the current policy can issue receipts. */
    public static final class Builder {
        private ConsentService consents;
        private ReceiptStore store;
        private ReceiptSigner signer;

        private Builder() {
        }

        /**
         * The consent service whose ledger and policy versions receipts are issued from.
         *
         * @param consents the service
         * @return this builder
         * @throws InvalidValueException when {@code consents} is null
         */
        public Builder consents(ConsentService consents) {
            this.consents = Checks.required("consents", consents);
            return this;
        }

        /**
         * Where receipts are kept; the durable store of consent-jdbc or {@code InMemoryStore} implement it.
         *
         * @param store the store
         * @return this builder
         * @throws InvalidValueException when {@code store} is null
         */
        public Builder store(ReceiptStore store) {
            this.store = Checks.required("store", store);
            return this;
        }

        /**
         * The controller's signing key.
         *
         * @param signer the key
         * @return this builder
         * @throws InvalidValueException when {@code signer} is null
         */
        public Builder signer(ReceiptSigner signer) {
            this.signer = Checks.required("signer", signer);
            return this;
        }

        /**
         * The receipts service, once the policy in force now is known to name what receipts need.
         *
         * @return the service
         * @throws InvalidValueException when the consent service, store or signer is missing
         * @throws InvalidPolicyException when the policy in force now lacks what receipts name
         */
        public ConsentReceipts build() {
            Checks.required("consents", consents);
            Checks.required("store", store);
            Checks.required("signer", signer);
            Policy now = consents.policy();
            List<PolicyProblem> problems = now.receiptProblems();
            if (!problems.isEmpty()) {
                throw new InvalidPolicyException("'" + now.id() + "' " + now.version() + " (for consent receipts)",
                        problems);
            }
            return new ConsentReceipts(this);
        }
    }
}
