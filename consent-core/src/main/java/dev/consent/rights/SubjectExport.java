package dev.consent.rights;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.consent.internal.Checks;
import dev.consent.internal.JsonDocuments;
import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.ledger.AgeDeclaration;
import dev.consent.ledger.SubjectLocation;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.receipt.ConsentReceipt;
import dev.consent.receipt.ConsentReceipts;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Controller;
import dev.consent.policy.PostalAddress;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.processing.ProcessingEntry;
import dev.consent.processing.ProcessingLog;
import dev.consent.retention.RetentionService;
import dev.consent.retention.RetentionVerdict;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Writes what a subject may see of themselves (GDPR Art. 15 access, Art. 20 portability) as one JSON document,
 * schema {@value #SCHEMA} version {@value #SCHEMA_VERSION}, described in {@code docs/export-format.md} and by the JSON
 * Schema resource {@code /dev/consent/rights/subject-export-v1.schema.json}: the purposes with their legal bases and
 * current decisions, restrictions and objections in force, the full consent history with its evidence (the
 * subject's own chain and those of linked visitors), the recipients, the retention schedule per category (Art.
 * 15(1)(d)), the rights requests, the uses of the subject's data in the processing log (since 1.1; GDPR Art. 15(1)(a)
 * and (c), seed 002's "all internal data usage activities are systematically logged"), and the host's own data.
 *
 * <p>Version 1.1 only adds the {@code processing} array; a 1.0 document (without it) is still valid under the same
 * schema resource, which accepts both versions. Version 1.4 adds each event's {@code birthDate} (the birth date an
 * age declaration, choice {@code AGE_DECLARED}, gives; null otherwise) and the choices {@code AGE_DECLARED} and
 * {@code GPC_OVERRIDDEN}. Version 1.5 adds the choice {@code CONFIRMED} (the second step of a double opt-in, with
 * its evidence: time, minimised IP, user agent, and the confirmed grant's event id as reference; docs/email.md) and
 * the reason {@code PENDING_CONFIRMATION}. Version 1.6 adds the choice {@code LOCATION_RECORDED} with each event's
 * {@code location} (the region and source a recorded location gives; null otherwise; docs/jurisdictions.md) and,
 * where the policy declares jurisdictions, each decision's {@code jurisdiction} (the jurisdiction whose rules
 * decided, {@code UNKNOWN} for the strictest rules) and the reasons {@code JURISDICTION_*}; the schema accepts 1.0 to
 * 1.6.
 *
 * <p>The document is streamed: the consent history is read page by page and the host's data written straight
 * through, so an export never holds a whole history in memory. With {@link Builder#receipts(ConsentReceipts)} the
 * export also lists the subject's signed consent receipts (since schema 1.2), and {@link #writeReceipts} writes the
 * receipts document. Thread-safe.
 */
public final class SubjectExport {
    /** The export document's schema name, written in its {@code schema} field. */
    public static final String SCHEMA = "dev.consent/subject-export";
    /** The version of the export document's schema this library writes. */
    public static final String SCHEMA_VERSION = "1.6";
    /** Where the export's JSON Schema lies in consent-core; read it with {@link #schema()}. */
    public static final String SCHEMA_RESOURCE = "/dev/consent/rights/subject-export-v1.schema.json";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final JsonFactory JSON = new JsonFactory();

    private final ConsentService consents;
    private final RetentionService retention;
    private final RightsService rights;
    private final List<SubjectDataContributor> contributors;
    private final ProcessingLog processing;
    private final ConsentReceipts receipts;

    private SubjectExport(Builder b) {
        this.receipts = b.receipts;
        this.consents = b.consents;
        this.processing = b.processing;
        this.retention = b.retention;
        this.rights = b.rights;
        this.contributors = List.copyOf(b.contributors);
    }

    /**
     * A builder that needs a consent service; everything else adds to the export.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The export document's JSON Schema ({@link #SCHEMA_RESOURCE}), for the caller to read and close. On the module
     * path the resource's package is encapsulated, so {@code getResourceAsStream} called from another module finds
     * nothing; this reads it from inside consent-core and works on the class path and the module path alike.
     *
     * @return the schema's bytes (JSON), to be closed by the caller
     * @throws IllegalStateException when consent-core's jar lacks the resource
     */
    public static InputStream schema() {
        InputStream in = SubjectExport.class.getResourceAsStream(SCHEMA_RESOURCE);
        if (in == null) {
            throw new IllegalStateException("consent-core is missing its resource " + SCHEMA_RESOURCE);
        }
        return in;
    }

    /**
     * Writes the subject's export to {@code out} (UTF-8 JSON, valid against {@link #schema()}). Does not close
     * {@code out}.
     *
     * @param subject whose export
     * @param out where the document is written
     * @throws java.io.UncheckedIOException when {@code out} or a contributor fails
     */
    public void write(SubjectId subject, OutputStream out) {
        try (JsonGenerator g = JsonDocuments.open(JSON, out)) {
            writeDocument(subject, g);
        } catch (IOException e) {
            throw new UncheckedIOException("the export of a subject could not be written", e);
        }
    }

    private void writeDocument(SubjectId subject, JsonGenerator g) throws IOException {
        Instant now = consents.clock().instant();
        Policy policy = consents.policyAt(now);
        List<SubjectId> visitors = consents.visitorsOf(subject).stream().map(VisitorId::subject).toList();

        g.writeStartObject();
        JsonDocuments.writeHeader(g, SCHEMA, SCHEMA_VERSION, now);

        g.writeObjectFieldStart("subject");
        g.writeStringField("id", subject.value());
        g.writeArrayFieldStart("linkedVisitors");
        for (SubjectId v : visitors) {
            g.writeString(v.value());
        }
        g.writeEndArray();
        g.writeEndObject();

        g.writeFieldName("controller");
        if (policy.controller().isPresent()) {
            writeController(g, policy.controller().get());
        } else {
            g.writeNull();
        }

        g.writeObjectFieldStart("policy");
        g.writeStringField("id", policy.id());
        g.writeStringField("version", policy.version());
        g.writeStringField("effectiveFrom", policy.effectiveFrom().toString());
        g.writeStringField("lastUpdated", policy.lastUpdated().toString());
        g.writeStringField("timeZone", policy.zone().getId());
        g.writeEndObject();

        List<PurposeId> restricted = new ArrayList<>();
        List<PurposeId> objected = new ArrayList<>();
        g.writeArrayFieldStart("purposes");
        for (Purpose p : policy.purposes()) {
            Decision d = consents.checkUncached(subject, p.id());
            if (d.reason() == Reason.RESTRICTED) {
                restricted.add(p.id());
            }
            if (d.reason() == Reason.OBJECTED || d.reason() == Reason.GPC_OPT_OUT && p.basis() != dev.consent.policy.LegalBasis.CONSENT) {
                objected.add(p.id());
            }
            g.writeStartObject();
            g.writeStringField("id", p.id().value());
            g.writeStringField("title", p.title());
            writeNullable(g, "description", p.description());
            g.writeStringField("legalBasis", p.basis().name());
            g.writeStringField("mechanism", p.mechanism().name());
            writeStrings(g, "categories", p.categories().stream().map(CategoryId::value).toList());
            g.writeObjectFieldStart("decision");
            g.writeBooleanField("allowed", d.allowed());
            g.writeStringField("reason", d.reason().name());
            if (d.jurisdiction().isPresent()) {
                g.writeStringField("jurisdiction", d.jurisdiction().get().value()); // since 1.6
            }
            if (d.decidingEvent().isPresent()) {
                g.writeStringField("restsOnSubject", d.decidingEvent().get().subject().value());
                g.writeNumberField("restsOnSequence", d.decidingEvent().get().sequence());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
        writeStrings(g, "restrictions", restricted.stream().map(PurposeId::value).toList());
        writeStrings(g, "objections", objected.stream().map(PurposeId::value).toList());

        g.writeArrayFieldStart("consentHistory");
        List<SubjectId> chains = new ArrayList<>();
        chains.add(subject);
        chains.addAll(visitors);
        for (SubjectId chain : chains) {
            IOException[] failure = new IOException[1];
            consents.forEachEvent(chain, e -> {
                if (failure[0] == null) {
                    try {
                        writeEvent(g, e);
                    } catch (IOException io) {
                        failure[0] = io;
                    }
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
        }
        g.writeEndArray();

        writeConsentReceipts(subject, g);

        g.writeArrayFieldStart("recipients");
        for (Recipient r : policy.recipients()) {
            g.writeStartObject();
            g.writeStringField("id", r.id());
            g.writeStringField("name", r.name());
            g.writeStringField("role", r.role().name());
            writeStrings(g, "categories", r.categories().stream().map(CategoryId::value).toList());
            writeStrings(g, "purposes", r.purposes().stream().map(PurposeId::value).toList());
            writeNullable(g, "location", r.location());
            g.writeEndObject();
        }
        g.writeEndArray();

        g.writeArrayFieldStart("retentionSchedule");
        if (retention != null) {
            for (RetentionVerdict v : retention.schedule(subject)) {
                g.writeStartObject();
                g.writeStringField("category", v.item().category().value());
                writeNullable(g, "purpose", v.item().purpose().map(PurposeId::value).orElse(null));
                g.writeStringField("status", v.status().name());
                // the schema's names (1.0 to 1.3): keepUntil for an item not due yet (when it falls due, or how long a
                // minimum keeps an item no rule has due), dueSince for a due one; both are the verdict's dueAt
                boolean due = v.status() == RetentionVerdict.Status.DUE;
                writeNullable(g, "keepUntil", due ? null
                        : v.dueAt().or(v::keptAtLeastUntil).map(Instant::toString).orElse(null));
                writeNullable(g, "dueSince", due ? v.dueAt().map(Instant::toString).orElse(null) : null);
                writeNullable(g, "action", v.action().map(Enum::name).orElse(null));
                writeNullable(g, "rule", v.decidingRule().orElse(null));
                g.writeBooleanField("restricted", v.restrictProcessing());
                g.writeEndObject();
            }
        }
        g.writeEndArray();

        g.writeArrayFieldStart("rightsRequests");
        if (rights != null) {
            for (RightsRequest r : rights.requests(subject)) {
                g.writeStartObject();
                g.writeStringField("id", r.id());
                g.writeStringField("type", r.type().name());
                g.writeStringField("status", r.status().name());
                g.writeStringField("receivedAt", r.receivedAt().toString());
                writeNullable(g, "dueBy", r.deadline().map(d -> d.lastDay().toString()).orElse(null));
                writeNullable(g, "outcome", r.outcome().orElse(null));
                // since 1.1: the extension with both its dates (GDPR Art. 12(3): told within the original period),
                // and whether it was recorded only after the original deadline had passed
                if (r.extensionNotice().isPresent()) {
                    RightsRequest.Extension e = r.extensionNotice().get();
                    g.writeObjectFieldStart("extension");
                    g.writeStringField("reason", e.reason());
                    g.writeStringField("originalDueBy", e.original().lastDay().toString());
                    g.writeStringField("subjectToldAt", e.subjectToldAt().toString());
                    g.writeStringField("recordedAt", e.recordedAt().toString());
                    g.writeBooleanField("late", e.late());
                    g.writeEndObject();
                } else {
                    g.writeNullField("extension");
                }
                g.writeEndObject();
            }
        }
        g.writeEndArray();

        g.writeArrayFieldStart("processing");
        if (processing != null) {
            for (SubjectId chain : chains) {
                IOException[] failure = new IOException[1];
                processing.forEachUse(chain, e -> {
                    if (failure[0] == null) {
                        try {
                            writeUse(g, e);
                        } catch (IOException io) {
                            failure[0] = io;
                        }
                    }
                });
                if (failure[0] != null) {
                    throw failure[0];
                }
            }
        }
        g.writeEndArray();

        g.writeObjectFieldStart("hostData");
        for (SubjectDataContributor c : contributors) {
            g.writeFieldName(c.name());
            c.write(subject, g);
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    /** One use of the processing log; written only while it names the subject (never a pseudonymised one). */
    private static void writeUse(JsonGenerator g, ProcessingEntry e) throws IOException {
        g.writeStartObject();
        g.writeStringField("subject", e.subjectKey());
        g.writeStringField("id", e.id());
        g.writeStringField("purpose", e.purpose().value());
        writeStrings(g, "categories", e.categories().stream().map(CategoryId::value).toList());
        g.writeStringField("use", e.use());
        writeNullable(g, "batch", e.batch().orElse(null));
        g.writeStringField("at", e.at().toString());
        g.writeStringField("legalBasis", e.basis().name());
        g.writeStringField("reason", e.reason().name());
        g.writeStringField("policyVersion", e.policyVersion());
        if (e.decidingEvent().isPresent()) {
            g.writeStringField("restsOnSubject", e.decidingEvent().get().subject().value());
            g.writeNumberField("restsOnSequence", e.decidingEvent().get().sequence());
        }
        g.writeEndObject();
    }

    private static void writeEvent(JsonGenerator g, ConsentEvent e) throws IOException {
        g.writeStartObject();
        g.writeStringField("subject", e.subject().value());
        g.writeNumberField("sequence", e.sequence());
        g.writeStringField("id", e.id().value());
        g.writeStringField("purpose", e.purpose().value());
        g.writeNumberField("consentVersion", e.consentVersion());
        g.writeStringField("policyVersion", e.policyVersion());
        g.writeStringField("choice", e.choice().name());
        g.writeStringField("occurredAt", e.occurredAt().toString());
        g.writeStringField("recordedAt", e.recordedAt().toString());
        writeNullable(g, "expiresAt", e.expiresAt().map(Instant::toString).orElse(null));
        g.writeStringField("method", e.method().name());
        g.writeStringField("actor", e.actor().name());
        g.writeFieldName("declaredAge");
        if (e.declaredAge().isPresent()) {
            g.writeNumber(e.declaredAge().getAsInt());
        } else {
            g.writeNull();
        }
        // since 1.4: the birth date an age declaration (AGE_DECLARED) gives; null for every other event
        writeNullable(g, "birthDate", e.choice() == Choice.AGE_DECLARED
                ? AgeDeclaration.of(e).birthDate().map(java.time.LocalDate::toString).orElse(null) : null);
        // since 1.6: the region and source a recorded location (LOCATION_RECORDED) gives; null for every other event
        if (e.choice() == Choice.LOCATION_RECORDED) {
            SubjectLocation location = SubjectLocation.of(e);
            g.writeObjectFieldStart("location");
            g.writeStringField("region", location.region());
            g.writeStringField("source", location.source().name());
            g.writeEndObject();
        } else {
            g.writeNullField("location");
        }
        Evidence ev = e.evidence();
        g.writeObjectFieldStart("evidence");
        writeNullable(g, "noticeId", ev.noticeId());
        writeNullable(g, "noticeHash", ev.noticeHash());
        writeNullable(g, "locale", ev.locale());
        writeNullable(g, "userAgent", ev.userAgent());
        writeNullable(g, "ip", ev.ip());
        writeNullable(g, "reference", ev.reference());
        g.writeEndObject();
        g.writeStringField("previousHash", e.previousHash());
        g.writeStringField("hash", e.hash());
        g.writeEndObject();
    }

    /**
     * Since 1.2: the controller with the details consent receipts name (GDPR Art. 13(1)(a): identity and contact
     * details); a detail the policy does not state is null.
     */
    private static void writeController(JsonGenerator g, Controller c) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", c.name());
        g.writeStringField("contact", c.contact());
        g.writeFieldName("address");
        if (c.address() == null) {
            g.writeNull();
        } else {
            PostalAddress a = c.address();
            g.writeStartObject();
            g.writeStringField("streetAddress", a.streetAddress());
            writeNullable(g, "postalCode", a.postalCode());
            g.writeStringField("locality", a.locality());
            writeNullable(g, "region", a.region());
            g.writeStringField("country", a.country());
            g.writeEndObject();
        }
        writeNullable(g, "email", c.email());
        writeNullable(g, "phone", c.phone());
        writeNullable(g, "id", c.id());
        writeNullable(g, "url", c.url());
        g.writeEndObject();
    }

    /**
     * Since 1.2: the subject's signed consent receipts (those of linked visitors included), issuing any not issued
     * yet, each as its JWS with the columns it is found by; null when the export is not configured with receipts.
     */
    private void writeConsentReceipts(SubjectId subject, JsonGenerator g) throws IOException {
        g.writeFieldName("consentReceipts");
        if (receipts == null) {
            g.writeNull();
            return;
        }
        g.writeStartArray();
        for (ConsentReceipt r : receipts.issueAll(subject)) {
            g.writeStartObject();
            JsonDocuments.writeReceiptColumns(g, r);
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /**
     * Writes the subject's consent receipts document: every consent given by the subject and its linked visitors as a
     * signed Kantara Consent Receipt v1.1, and every other choice as a choice without a receipt (see {@link
     * ConsentReceipts#writeReceipts}). Does not close {@code out}.
     *
     * @param subject whose receipts
     * @param out where the document is written
     * @throws InvalidValueException when the export was built without {@link Builder#receipts(ConsentReceipts)}
     */
    public void writeReceipts(SubjectId subject, OutputStream out) {
        if (receipts == null) {
            throw new InvalidValueException("receipts", null, "is required to write consent receipts: build the "
                    + "export with SubjectExport.builder().receipts(ConsentReceipts)");
        }
        receipts.writeReceipts(subject, out);
    }

    private static void writeNullable(JsonGenerator g, String field, String value) throws IOException {
        if (value == null) {
            g.writeNullField(field);
        } else {
            g.writeStringField(field, value);
        }
    }

    private static void writeStrings(JsonGenerator g, String field, Collection<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String v : new ArrayList<>(values)) {
            g.writeString(v);
        }
        g.writeEndArray();
    }

    /** Configures a {@link SubjectExport}. */
    public static final class Builder {
        private ConsentService consents;
        private RetentionService retention;
        private RightsService rights;
        private final List<SubjectDataContributor> contributors = new ArrayList<>();
        private ProcessingLog processing;
        private ConsentReceipts receipts;

        private Builder() {
        }

        /**
         * Adds the uses of the subject's data from the processing log (the subject's own and its linked visitors');
         * without it the {@code processing} array is empty.
         *
         * @param log the processing log
         * @return this builder
         */
        public Builder processing(ProcessingLog log) {
            this.processing = Checks.required("processing", log);
            return this;
        }

        /**
         * Adds the subject's signed consent receipts to the export and enables {@link SubjectExport#writeReceipts}.
         *
         * @param receipts the receipts service
         * @return this builder
         */
        public Builder receipts(ConsentReceipts receipts) {
            this.receipts = Checks.required("receipts", receipts);
            return this;
        }

        /**
         * Required: the consent service whose ledger and policy the export reads.
         *
         * @param consents the service
         * @return this builder
         */
        public Builder consents(ConsentService consents) {
            this.consents = consents;
            return this;
        }

        /**
         * Adds the retention schedule; without it the schedule is empty.
         *
         * @param retention the retention service
         * @return this builder
         */
        public Builder retention(RetentionService retention) {
            this.retention = retention;
            return this;
        }

        /**
         * Adds the subject's rights requests.
         *
         * @param rights the rights service
         * @return this builder
         */
        public Builder rights(RightsService rights) {
            this.rights = rights;
            return this;
        }

        /**
         * Adds the host's own data under {@code hostData.<name>}; call once per contributor.
         *
         * @param contributor the contributor, whose name is unique among this export's
         * @return this builder
         */
        public Builder contributor(SubjectDataContributor contributor) {
            contributors.add(Checks.required("contributor", contributor));
            return this;
        }

        /**
         * The export, once the consent service is given and the contributors' names are valid and distinct.
         *
         * @return the export
         * @throws InvalidValueException when the consent service is missing or a contributor's name is invalid or
         *         repeated
         */
        public SubjectExport build() {
            Checks.required("consents", consents);
            java.util.Set<String> names = new TreeSet<>();
            for (SubjectDataContributor c : contributors) {
                if (c.name() == null || !NAME.matcher(c.name()).matches()) {
                    throw new InvalidValueException("contributor.name", c.name(),
                            "must be 1-64 lower-case letters, digits, dots, dashes or underscores");
                }
                if (!names.add(c.name())) {
                    throw new InvalidValueException("contributor.name", c.name(), "is used by two contributors");
                }
            }
            return new SubjectExport(this);
        }
    }
}
