package dev.consent.web;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Optional;

/**
 * JSON in and out through Jackson's tree model. Requests are read strictly: a duplicate key, trailing content or
 * nesting deeper than {@link #MAX_DEPTH} is refused, so that what was checked is what is recorded.
 */
final class Json {
    static final int MAX_DEPTH = 16;
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                .maxStringLength(64 * 1024).build());
    }

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    /** The request body as a JSON object, or a problem naming why it is not one. */
    static ObjectNode readObject(byte[] body) {
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (IOException e) {
            throw Problem.badRequest("body", null, "must be one JSON object (" + firstLine(e.getMessage()) + ")")
                    .exception();
        }
        if (node == null || !node.isObject()) {
            throw Problem.badRequest("body", null, "must be one JSON object").exception();
        }
        return (ObjectNode) node;
    }

    static ObjectNode readObject(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return (ObjectNode) node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(firstLine(e.getMessage()), e);
        }
    }

    /** A required text member; a problem naming {@code path} when missing or not a string. */
    static String text(JsonNode object, String name, String path) {
        JsonNode v = object.get(name);
        if (v == null || v.isNull()) {
            throw Problem.badRequest(path, null, "is required").exception();
        }
        if (!v.isTextual()) {
            throw Problem.badRequest(path, v.toString(), "must be a string").exception();
        }
        return v.textValue();
    }

    /** An optional text member. */
    static Optional<String> optionalText(JsonNode object, String name, String path) {
        JsonNode v = object.get(name);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        return Optional.of(text(object, name, path));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return line.length() > 120 ? line.substring(0, 120) + "…" : line;
    }
}
