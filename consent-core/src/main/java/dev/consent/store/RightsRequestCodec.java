package dev.consent.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.consent.StoreException;
import dev.consent.ledger.SubjectId;
import dev.consent.rights.Deadline;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a {@link RightsRequest} into a self-contained JSON document and back, exactly: for stores that keep a request
 * as one document beside a few indexed columns (id, subject, status, received-at, version). Versioned by its
 * {@code "codec"} field. Thread-safe.
 */
public final class RightsRequestCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String VERSION = "rights-request-v1";

    private RightsRequestCodec() {
    }

    /**
     * The request as the JSON a store keeps, tagged {@code rights-request-v1}: every field, its history and its
     * version.
     *
     * @param r the request
     * @return the JSON text; {@link #fromJson} reads it back equal
     */
    public static String toJson(RightsRequest r) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("codec", VERSION);
        n.put("id", r.id());
        n.put("subject", r.subject().value());
        n.put("type", r.type().name());
        n.put("status", r.status().name());
        n.put("receivedAt", r.receivedAt().toString());
        r.verifiedAt().ifPresent(v -> n.put("verifiedAt", v.toString()));
        r.deadline().ifPresent(d -> n.set("deadline", deadline(d)));
        r.acknowledgeBy().ifPresent(d -> n.set("acknowledgeBy", deadline(d)));
        r.extensionNotice().ifPresent(e -> {
            ObjectNode x = n.putObject("extension");
            x.put("reason", e.reason());
            x.put("subjectToldAt", e.subjectToldAt().toString());
            x.put("recordedAt", e.recordedAt().toString());
            x.set("original", deadline(e.original()));
        });
        r.outcome().ifPresent(o -> n.put("outcome", o));
        ArrayNode history = n.putArray("history");
        for (RightsRequest.Transition t : r.history()) {
            ObjectNode h = history.addObject();
            h.put("to", t.to().name());
            h.put("at", t.at().toString());
            h.put("actor", t.actor());
            h.put("note", t.note());
        }
        n.put("version", r.version());
        return n.toString();
    }

    /**
     * The request a store kept with {@link #toJson}.
     *
     * @param json the stored text
     * @return the request, at the version stored
     * @throws StoreException when the text is not JSON of this codec's version, or a field is missing or invalid
     */
    public static RightsRequest fromJson(String json) {
        try {
            JsonNode n = MAPPER.readTree(json);
            if (!VERSION.equals(n.path("codec").asText())) {
                throw new StoreException("readRequest", "a stored request has codec " + n.path("codec")
                        + ", expected " + VERSION);
            }
            List<RightsRequest.Transition> history = new ArrayList<>();
            for (JsonNode h : n.get("history")) {
                history.add(new RightsRequest.Transition(RequestStatus.valueOf(h.get("to").asText()),
                        Instant.parse(h.get("at").asText()), h.get("actor").asText(), h.get("note").asText()));
            }
            return new RightsRequest(n.get("id").asText(), SubjectId.of(n.get("subject").asText()),
                    RequestType.valueOf(n.get("type").asText()), RequestStatus.valueOf(n.get("status").asText()),
                    Instant.parse(n.get("receivedAt").asText()), optionalInstant(n, "verifiedAt"),
                    optionalDeadline(n, "deadline"), optionalDeadline(n, "acknowledgeBy"),
                    extension(n),
                    n.has("outcome") ? Optional.of(n.get("outcome").asText()) : Optional.empty(), history,
                    n.get("version").asLong());
        } catch (JsonProcessingException | RuntimeException e) {
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("readRequest", e);
        }
    }

    private static Optional<RightsRequest.Extension> extension(JsonNode n) {
        if (!n.has("extension")) {
            return Optional.empty();
        }
        JsonNode x = n.get("extension");
        if (!x.has("recordedAt") || !x.has("original")) {
            // written before extensions kept when they were recorded and the deadline they replaced: whether such an
            // extension was recorded late cannot be told, and guessing could take an overdue request off the report
            throw new StoreException("readRequest", "stored request " + n.path("id").asText() + " has an extension"
                    + " without recordedAt and original deadline (written by an earlier snapshot); it cannot be read");
        }
        return Optional.of(new RightsRequest.Extension(x.get("reason").asText(),
                Instant.parse(x.get("subjectToldAt").asText()), Instant.parse(x.get("recordedAt").asText()),
                deadline(x.get("original"))));
    }

    private static ObjectNode deadline(Deadline d) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("start", d.start().toString());
        n.put("lastDay", d.lastDay().toString());
        n.put("dueBefore", d.dueBefore().toString());
        n.put("rule", d.rule());
        ArrayNode skipped = n.putArray("skipped");
        d.skipped().forEach(s -> skipped.add(s.toString()));
        ArrayNode steps = n.putArray("steps");
        d.steps().forEach(steps::add);
        return n;
    }

    private static Optional<Instant> optionalInstant(JsonNode n, String field) {
        return n.has(field) ? Optional.of(Instant.parse(n.get(field).asText())) : Optional.empty();
    }

    private static Optional<Deadline> optionalDeadline(JsonNode n, String field) {
        if (!n.has(field)) {
            return Optional.empty();
        }
        return Optional.of(deadline(n.get(field)));
    }

    private static Deadline deadline(JsonNode d) {
        List<LocalDate> skipped = new ArrayList<>();
        d.get("skipped").forEach(s -> skipped.add(LocalDate.parse(s.asText())));
        List<String> steps = new ArrayList<>();
        d.get("steps").forEach(s -> steps.add(s.asText()));
        return new Deadline(LocalDate.parse(d.get("start").asText()), LocalDate.parse(d.get("lastDay").asText()),
                Instant.parse(d.get("dueBefore").asText()), d.get("rule").asText(), skipped, steps);
    }
}
