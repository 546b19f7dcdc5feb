package dev.consent.receipt;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The mandatory fields of an ISO/IEC TS 27560 consent record in DPV, as a table written from the W3C DPV guide
 * "Consent Records and Receipts as per ISO/IEC TS 27560:2023 using DPV" (https://w3id.org/dpv/guides/consent-27560,
 * section "DPV-27560 Consent Record" and its subsections: every field whose text says "This field MUST be present"),
 * and a check of a JSON-LD document of records against it. Published in the test-jar, so the examples' tests check
 * their records the same way.
 */
public final class Iso27560Records {
    public static final String PROFILE = "https://w3id.org/dpv/schema/dpv-27560#record";

    private Iso27560Records() {
    }

    /** Where a mandatory field sits in a record. */
    public enum Level { RECORD, PROCESS, ENTITY, STATUS }

    /** A row of the guide's tables: the field, the section of the guide, where it sits and the DPV property. */
    public record Mandatory(String field, String section, Level level, String property) {
    }

    /** Written from the guide, section "DPV-27560 Consent Record" and its subsections. */
    public static final List<Mandatory> TABLE = List.of(
            new Mandatory("Schema Version", "Record Metadata", Level.RECORD, "dct:conformsTo"),
            new Mandatory("Record Identifier", "Record Metadata", Level.RECORD, "dct:identifier"),
            new Mandatory("Data Subject", "Record Metadata", Level.RECORD, "dpv:hasDataSubject"),
            new Mandatory("Notice", "Notice Fields", Level.RECORD, "dpv:hasNotice"),
            new Mandatory("Notice Language", "Notice Fields", Level.RECORD, "dct:language"),
            new Mandatory("Process", "Processing Fields", Level.RECORD, "dpv:hasProcess"),
            new Mandatory("Purpose", "Processing Fields", Level.PROCESS, "dpv:hasPurpose"),
            new Mandatory("Personal Data", "Processing Fields", Level.PROCESS, "dpv:hasPersonalData"),
            new Mandatory("Storage Condition(s)", "Processing Fields", Level.PROCESS, "dpv:hasStorageCondition"),
            new Mandatory("Data Controller(s)", "Processing Fields", Level.PROCESS, "dpv:hasDataController"),
            new Mandatory("Recipients", "Processing Fields", Level.PROCESS, "dpv:hasRecipient"),
            new Mandatory("Consent Change & Withdrawal", "Processing Fields", Level.PROCESS, "dpv:hasConsentControl"),
            new Mandatory("Jurisdiction(s)", "Processing Fields", Level.PROCESS, "dpv:hasJurisdiction"),
            new Mandatory("Rights", "Processing Fields", Level.PROCESS, "dpv:hasRight"),
            new Mandatory("Consent Type", "Consent Event Fields", Level.PROCESS, "dpv:hasLegalBasis"),
            new Mandatory("Name", "Entity Fields", Level.ENTITY, "dpv:hasName"),
            new Mandatory("Identifier", "Entity Fields", Level.ENTITY, "dpv:hasIdentifier"),
            new Mandatory("Role", "Entity Fields", Level.ENTITY, "@type"),
            new Mandatory("Contact", "Entity Fields", Level.ENTITY, "schema:contactPoint"),
            new Mandatory("Postal Address", "Entity Fields", Level.ENTITY, "schema:address"),
            new Mandatory("Consent State", "Consent Event Fields", Level.STATUS, "@type"),
            new Mandatory("Event Time", "Consent Event Fields", Level.STATUS, "dpv:isIndicatedAtTime"),
            new Mandatory("Event Duration", "Consent Event Fields", Level.STATUS, "dpv:hasDuration"),
            new Mandatory("Expression by Entity", "Consent Event Fields", Level.STATUS, "dpv:isIndicatedBy"));

    private static boolean present(JsonNode n) {
        return n != null && !n.isNull() && !n.isMissingNode() && !(n.isContainerNode() && n.isEmpty())
                && !(n.isTextual() && n.asText().isBlank());
    }

    private static List<JsonNode> nodes(JsonNode n) {
        List<JsonNode> out = new ArrayList<>();
        if (n == null || n.isMissingNode() || n.isNull()) {
            return out;
        }
        if (n.isArray()) {
            n.forEach(out::add);
        } else {
            out.add(n);
        }
        return out;
    }

    /**
     * What the records of a document lack, one line per missing field ("record id: field (section, property)"); empty
     * when every record has every mandatory field. Beyond presence it checks what the guide's text asks: the
     * DPV namespace in {@code @context}, conformance to the {@code dpv-27560#record} profile, a DPV type for each
     * personal data, both a storage location and a duration (ISO's storage locations and retention period), a
     * controller described among the entities, and a DPV consent state for each state.
     */
    public static List<String> missingMandatoryFields(JsonNode doc) {
        List<String> out = new ArrayList<>();
        if (!"https://w3id.org/dpv#".equals(doc.at("/@context/dpv").asText())) {
            out.add("document: @context does not bind dpv to https://w3id.org/dpv#");
        }
        for (JsonNode record : nodes(doc.get("@graph"))) {
            String id = record.path("@id").asText("(no @id)");
            if (!"dpv:ConsentRecord".equals(record.path("@type").asText())) {
                out.add(id + ": @type is not dpv:ConsentRecord");
            }
            if (!PROFILE.equals(record.at("/dct:conformsTo/@id").asText())) {
                out.add(id + ": does not conform to " + PROFILE);
            }
            JsonNode process = record.path("dpv:hasProcess");
            for (Mandatory m : TABLE) {
                List<JsonNode> holders = switch (m.level()) {
                    case RECORD -> List.of(record);
                    case PROCESS -> nodes(process);
                    case ENTITY -> nodes(record.get("dpv:hasEntity")); // every entity but data subjects
                    case STATUS -> nodes(record.get("dpv:hasConsentStatus"));
                };
                if (holders.isEmpty()) {
                    out.add(id + ": " + m.field() + " (" + m.section() + "): nothing holds " + m.property());
                }
                for (JsonNode h : holders) {
                    if (!present(h.get(m.property()))) {
                        out.add(id + ": " + m.field() + " (" + m.section() + ", " + m.property() + ")");
                    }
                }
            }
            for (JsonNode pd : nodes(process.get("dpv:hasPersonalData"))) {
                if (!pd.at("/skos:broader/@id").asText().startsWith("dpv:")) {
                    out.add(id + ": Personal Data Type (Processing Fields, skos:broader) of " + pd.path("dct:identifier"));
                }
            }
            List<String> storage = process.path("dpv:hasStorageCondition").findValuesAsText("@type");
            if (!storage.contains("dpv:StorageLocation") || !storage.contains("dpv:StorageDuration")) {
                out.add(id + ": Storage Condition(s) lacks a location or a duration (ISO storage locations, retention "
                        + "period)");
            }
            String controller = process.at("/dpv:hasDataController/@id").asText();
            if (controller.isEmpty() || !record.path("dpv:hasEntity").findValuesAsText("@id").contains(controller)) {
                out.add(id + ": the Data Controller is not described among the entities");
            }
            for (JsonNode status : nodes(record.get("dpv:hasConsentStatus"))) {
                String type = status.path("@type").asText();
                if (!List.of("dpv:ConsentGiven", "dpv:RenewedConsentGiven", "dpv:ConsentRefused",
                        "dpv:ConsentWithdrawn", "dpv:ConsentExpired", "dpv:ConsentInvalidated").contains(type)) {
                    out.add(id + ": Consent State " + type + " is not a DPV consent status");
                }
            }
        }
        return out;
    }
}
