package dev.consent.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.retention.Anchor;
import dev.consent.retention.RetainedItem;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An item's stored fields (all but the key, the version and the claim), validated and converted before any connection
 * is borrowed: anchors as a JSON object of ISO-8601 instants, the instants as the database stores them.
 */
record ItemValues(String anchors, Instant erasureRequestedAt, Instant dueAt, String state, int attempts,
        Instant notBefore) {
    /** The columns of these fields, in the order {@link #bindFields} binds them. */
    static final List<String> COLUMNS = List.of("anchors", "erasure_requested_at", "due_at", "state", "attempts",
            "not_before");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<TreeMap<String, String>> ANCHORS = new TypeReference<>() {
    };
    /** The longest anchors document stored (MariaDB's TEXT holds 65,535 bytes). */
    private static final int MAX_ANCHORS_JSON = 16_000;

    static ItemValues of(RetainedItem item, Dialect dialect) {
        Map<String, String> anchors = new TreeMap<>();
        item.anchors().forEach((a, t) -> anchors.put(a.name(), Checks.required("anchors[" + a + "]", t).toString()));
        String json;
        try {
            json = JSON.writeValueAsString(anchors);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serialises", e);
        }
        if (json.length() > MAX_ANCHORS_JSON) {
            throw new InvalidValueException("anchors", item.anchors().size() + " anchors",
                    "must fit in " + MAX_ANCHORS_JSON + " characters of JSON");
        }
        if (item.attempts() < 0) {
            throw new InvalidValueException("attempts", item.attempts(), "must be 0 or more");
        }
        return new ItemValues(json,
                item.erasureRequestedAt().map(t -> StoredInstants.exact("erasureRequestedAt", t, dialect)).orElse(null),
                item.dueAt().map(t -> StoredInstants.roundedUp("dueAt", t, dialect)).orElse(null),
                item.state().name(), item.attempts(),
                item.notBefore().map(t -> StoredInstants.roundedUp("notBefore", t, dialect)).orElse(null));
    }

    /**
     * The anchors of a stored {@code anchors} document.
     *
     * @throws IllegalArgumentException when the document is not an object of anchor names and instants
     */
    static Map<Anchor, Instant> anchors(String json) {
        Map<String, String> stored;
        try {
            stored = JSON.readValue(json, ANCHORS);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("anchors are not a JSON object of strings", e);
        }
        Map<Anchor, Instant> anchors = new TreeMap<>();
        stored.forEach((name, at) -> anchors.put(Anchor.of(name), Instant.parse(at)));
        return anchors;
    }

    /** Binds the {@link #COLUMNS} from {@code index}; returns the next index. */
    int bindFields(PreparedStatement ps, int index, Dialect dialect) throws SQLException {
        int i = index;
        ps.setString(i++, anchors);
        dialect.setInstant(ps, i++, erasureRequestedAt);
        dialect.setInstant(ps, i++, dueAt);
        ps.setString(i++, state);
        ps.setInt(i++, attempts);
        dialect.setInstant(ps, i++, notBefore);
        return i;
    }
}
