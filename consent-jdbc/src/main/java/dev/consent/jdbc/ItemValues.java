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
import java.util.ArrayList;
import java.util.Comparator;
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
        String json = anchorsJson(item.anchors());
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
        Map<Anchor, Instant> plain = plainAnchors(json);
        if (plain != null) {
            return plain;
        }
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

    /**
     * The anchors as a JSON object of names and ISO-8601 instants, in name order, without spaces: the document Jackson
     * wrote from a sorted map of strings, written by hand because neither an anchor's name ({@code [a-z0-9_.-]}) nor an
     * instant's text has a character JSON escapes (a sweep writes one per item; Jackson took a few microseconds each).
     */
    static String anchorsJson(Map<Anchor, Instant> anchors) {
        List<Map.Entry<Anchor, Instant>> entries = new ArrayList<>(anchors.entrySet());
        if (entries.size() > 1) {
            entries.sort(Comparator.comparing(e -> e.getKey().name()));
        }
        StringBuilder json = new StringBuilder(2 + 48 * entries.size()).append('{');
        for (Map.Entry<Anchor, Instant> e : entries) {
            if (e.getValue() == null) {
                Checks.required("anchors[" + e.getKey() + "]", e.getValue());
            }
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('"').append(e.getKey().name()).append("\":\"").append(e.getValue()).append('"');
        }
        return json.append('}').toString();
    }

    /**
     * The anchors of a document in the form {@link #anchorsJson} writes (no spaces, no escapes), read without a JSON
     * parser; null when the document has any other form, which the JSON parser then reads (or refuses).
     */
    private static Map<Anchor, Instant> plainAnchors(String json) {
        int n = json.length();
        if (n < 2 || json.charAt(0) != '{' || json.charAt(n - 1) != '}' || json.indexOf('\\') >= 0) {
            return null;
        }
        Map<Anchor, Instant> out = new TreeMap<>();
        if (n == 2) {
            return out;
        }
        int i = 1;
        while (true) {
            if (json.charAt(i) != '"') {
                return null;
            }
            int nameEnd = json.indexOf('"', i + 1);
            if (nameEnd < 0 || nameEnd + 2 >= n || json.charAt(nameEnd + 1) != ':' || json.charAt(nameEnd + 2) != '"') {
                return null;
            }
            int valueEnd = json.indexOf('"', nameEnd + 3);
            if (valueEnd < 0) {
                return null;
            }
            out.put(Anchor.of(json.substring(i + 1, nameEnd)), Instant.parse(json.substring(nameEnd + 3, valueEnd)));
            i = valueEnd + 1;
            if (json.charAt(i) == '}') {
                return i == n - 1 ? out : null;
            }
            if (json.charAt(i) != ',') {
                return null;
            }
            i++;
        }
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
