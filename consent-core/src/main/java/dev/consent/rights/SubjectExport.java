package dev.consent.rights;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.consent.internal.Checks;
import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.DataCategory;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.processing.ProcessingEntry;
import dev.consent.processing.ProcessingLog;
import dev.consent.retention.RetentionRule;
import dev.consent.retention.RetentionService;
import dev.consent.retention.RetentionVerdict;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
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
 * schema resource, which accepts both versions.
 *
 * <p>The document is streamed: the consent history is read page by page and the host's data written straight
 * through, so an export never holds a whole history in memory. Also writes consent receipts in the shape of the
 * Kantara Consent Receipt 1.1 with the record fields of ISO/IEC TS 27560. Thread-safe.
 */
public final class SubjectExport {
    public static final String SCHEMA = "dev.consent/subject-export";
    public static final String SCHEMA_VERSION = "1.2";
    public static final String SCHEMA_RESOURCE = "/dev/consent/rights/subject-export-v1.schema.json";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final JsonFactory JSON = new JsonFactory();

    private final ConsentService consents;
    private final RetentionService retention;
    private final RightsService rights;
    private final List<SubjectDataContributor> contributors;
    private final ProcessingLog processing;

    private SubjectExport(Builder b) {
        this.consents = b.consents;
        this.processing = b.processing;
        this.retention = b.retention;
        this.rights = b.rights;
        this.contributors = List.copyOf(b.contributors);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Writes the subject's export to {@code out} (UTF-8 JSON). Does not close {@code out}. */
    public void write(SubjectId subject, OutputStream out) {
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
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
        g.writeStringField("schema", SCHEMA);
        g.writeStringField("schemaVersion", SCHEMA_VERSION);
        g.writeStringField("generatedAt", now.toString());

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
            g.writeStartObject();
            g.writeStringField("name", policy.controller().get().name());
            g.writeStringField("contact", policy.controller().get().contact());
            g.writeEndObject();
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
            Decision d = consents.checkFresh(subject, p.id());
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
            if (d.restsOn().isPresent()) {
                g.writeStringField("restsOnSubject", d.restsOn().get().subject().value());
                g.writeNumberField("restsOnSequence", d.restsOn().get().sequence());
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
                writeNullable(g, "keepUntil", v.keepUntil().map(Instant::toString).orElse(null));
                writeNullable(g, "dueSince", v.dueSince().map(Instant::toString).orElse(null));
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
        if (e.restsOn().isPresent()) {
            g.writeStringField("restsOnSubject", e.restsOn().get().subject().value());
            g.writeNumberField("restsOnSequence", e.restsOn().get().sequence());
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
     * Writes the subject's consent events as an array of consent receipts: Kantara Consent Receipt 1.1 fields
     * ({@code version}, {@code consentReceiptID}, {@code consentTimestamp}, {@code piiPrincipalId},
     * {@code piiControllers}, {@code services}, ...) together with the record fields of ISO/IEC TS 27560 ({@code
     * recordId}, {@code schemaVersion}, {@code notice}, {@code dataCategories}, {@code retention}, {@code recipients},
     * {@code withdrawalMethod}, {@code eventTime}, {@code validity}, {@code actor}, {@code state}).
     */
    public void writeReceipts(SubjectId subject, OutputStream out) {
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            g.writeStartArray();
            IOException[] failure = new IOException[1];
            consents.forEachEvent(subject, e -> {
                if (failure[0] == null) {
                    try {
                        writeReceipt(g, e, consents.policyAt(e.occurredAt()));
                    } catch (IOException io) {
                        failure[0] = io;
                    }
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException("consent receipts could not be written", e);
        }
    }

    private static void writeReceipt(JsonGenerator g, ConsentEvent e, Policy policy) throws IOException {
        Optional<Purpose> purpose = policy.findPurpose(e.purpose());
        List<Recipient> recipients = purpose.isPresent() ? policy.recipientsFor(e.purpose()) : List.of();
        Collection<CategoryId> categories = purpose.map(Purpose::categories).orElse(java.util.Set.of());
        g.writeStartObject();
        g.writeStringField("version", "KI-CR-v1.1.0");
        g.writeStringField("schemaVersion", "ISO/IEC TS 27560:2023");
        g.writeStringField("recordId", e.id().value());
        g.writeStringField("consentReceiptID", e.id().value());
        g.writeNumberField("consentTimestamp", e.occurredAt().getEpochSecond());
        g.writeStringField("eventTime", e.occurredAt().toString());
        g.writeStringField("collectionMethod", e.method().name());
        writeNullable(g, "language", e.evidence().locale());
        g.writeStringField("piiPrincipalId", e.subject().value());
        g.writeArrayFieldStart("piiControllers");
        if (policy.controller().isPresent()) {
            g.writeStartObject();
            g.writeStringField("piiController", policy.controller().get().name());
            g.writeStringField("contact", policy.controller().get().contact());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeStringField("policyVersion", e.policyVersion());
        g.writeObjectFieldStart("notice");
        writeNullable(g, "id", e.evidence().noticeId());
        writeNullable(g, "sha256", e.evidence().noticeHash());
        g.writeEndObject();
        g.writeArrayFieldStart("services");
        g.writeStartObject();
        g.writeStringField("service", purpose.map(Purpose::title).orElse(e.purpose().value()));
        g.writeArrayFieldStart("purposes");
        g.writeStartObject();
        g.writeStringField("purpose", e.purpose().value());
        writeStrings(g, "purposeCategory", purpose.map(p -> List.of(p.basis().name())).orElse(List.of()));
        g.writeStringField("consentType", purpose.map(p -> p.mechanism() == dev.consent.policy.Mechanism.OPT_IN
                ? "EXPLICIT" : "IMPLICIT").orElse("EXPLICIT"));
        writeStrings(g, "piiCategory", categories.stream().map(CategoryId::value).toList());
        g.writeBooleanField("primaryPurpose", purpose.map(p -> p.parent().isEmpty()).orElse(true));
        g.writeStringField("termination", e.expiresAt().map(Instant::toString).orElse("until withdrawn"));
        g.writeBooleanField("thirdPartyDisclosure", !recipients.isEmpty());
        writeStrings(g, "thirdPartyName", recipients.stream().map(Recipient::name).toList());
        g.writeEndObject();
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndArray();
        List<String> sensitive = categories.stream().map(policy::findCategory).flatMap(Optional::stream)
                .filter(DataCategory::sensitive).map(c -> c.id().value()).toList();
        g.writeBooleanField("sensitive", !sensitive.isEmpty());
        writeStrings(g, "spiCat", sensitive);
        writeStrings(g, "dataCategories", categories.stream().map(CategoryId::value).toList());
        g.writeArrayFieldStart("retention");
        for (RetentionRule r : policy.retentionRules()) {
            if (categories.contains(r.category()) && (r.purpose().isEmpty() || r.purpose().get().equals(e.purpose()))) {
                g.writeString(r.toString());
            }
        }
        g.writeEndArray();
        writeStrings(g, "recipients", recipients.stream().map(Recipient::name).toList());
        g.writeStringField("withdrawalMethod", "Withdraw at any time, as easily as consent was given"
                + policy.controller().map(c -> ", or by contacting " + c.contact()).orElse("") + " (GDPR Art. 7(3))");
        g.writeObjectFieldStart("validity");
        g.writeStringField("from", e.occurredAt().toString());
        writeNullable(g, "until", e.expiresAt().map(Instant::toString).orElse(null));
        g.writeEndObject();
        g.writeStringField("actor", e.actor().name());
        g.writeStringField("state", e.choice().name());
        g.writeEndObject();
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

        private Builder() {
        }

        /**
         * Adds the uses of the subject's data from the processing log (the subject's own and its linked visitors');
         * without it the {@code processing} array is empty.
         */
        public Builder processing(ProcessingLog log) {
            this.processing = Checks.required("processing", log);
            return this;
        }

        public Builder consents(ConsentService consents) {
            this.consents = consents;
            return this;
        }

        /** Adds the retention schedule; without it the schedule is empty. */
        public Builder retention(RetentionService retention) {
            this.retention = retention;
            return this;
        }

        /** Adds the subject's rights requests. */
        public Builder rights(RightsService rights) {
            this.rights = rights;
            return this;
        }

        public Builder contributor(SubjectDataContributor contributor) {
            contributors.add(Checks.required("contributor", contributor));
            return this;
        }

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
