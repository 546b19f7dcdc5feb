package dev.consent.jdbc;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.retention.Anchor;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The anchors document written by hand is byte for byte what Jackson wrote from a sorted map of names and instants
 * (released rows hold that form), reads back to the same anchors, and documents in any other JSON form still read.
 */
class AnchorsJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writesWhatJacksonWroteAndReadsItBack() throws Exception {
        Map<Anchor, Instant> anchors = new LinkedHashMap<>();
        anchors.put(Anchor.of("last_transaction"), Instant.parse("2025-01-02T03:04:05.123456Z"));
        anchors.put(Anchor.COLLECTED, Instant.parse("2024-09-24T18:00:00Z"));
        anchors.put(Anchor.of("shop.order-closed"), Instant.parse("0999-12-31T23:59:59.000001Z"));
        Map<String, String> strings = new TreeMap<>();
        anchors.forEach((a, t) -> strings.put(a.name(), t.toString()));

        String json = ItemValues.anchorsJson(anchors);
        assertThat(json).isEqualTo(JSON.writeValueAsString(strings));
        assertThat(ItemValues.anchors(json)).isEqualTo(new TreeMap<>(anchors));
        assertThat(ItemValues.anchorsJson(Map.of())).isEqualTo("{}");
        assertThat(ItemValues.anchors("{}")).isEmpty();
    }

    @Test
    void otherFormsAreLeftToTheJsonParser() {
        assertThat(ItemValues.anchors("{ \"collected\" : \"2024-09-24T18:00:00Z\" }"))
                .containsExactly(Map.entry(Anchor.COLLECTED, Instant.parse("2024-09-24T18:00:00Z")));
        assertThat(ItemValues.anchors("{\"coll\\u0065cted\":\"2024-09-24T18:00:00Z\"}"))
                .containsExactly(Map.entry(Anchor.COLLECTED, Instant.parse("2024-09-24T18:00:00Z")));
        assertThatThrownBy(() -> ItemValues.anchors("{\"collected\":\"2024-09-24T18:00:00Z\",}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ItemValues.anchors("[\"collected\"]")).isInstanceOf(IllegalArgumentException.class);
    }
}
