package dev.consent.store;

import dev.consent.StoreException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A stored extension must say when it was recorded and which deadline it replaced; without them whether it was
 * recorded late (GDPR Art. 12(3)) cannot be told, and the codec refuses to guess rather than take a request off the
 * overdue report.
 */
class RightsRequestCodecTest {

    @Test
    void anExtensionWithoutItsRecordingDateIsRefusedNotGuessed() {
        String deadline = "{\"start\":\"2025-06-04\",\"lastDay\":\"2025-07-04\",\"dueBefore\":\"2025-07-04T22:00:00Z\","
                + "\"rule\":\"ACCESS\",\"skipped\":[],\"steps\":[]}";
        String json = "{\"codec\":\"rights-request-v1\",\"id\":\"req-1\",\"subject\":\"alice\",\"type\":\"ACCESS\","
                + "\"status\":\"EXTENDED\",\"receivedAt\":\"2025-06-04T08:00:00Z\","
                + "\"verifiedAt\":\"2025-06-04T09:00:00Z\",\"deadline\":" + deadline + ","
                + "\"extension\":{\"reason\":\"complex\",\"subjectToldAt\":\"2025-06-11T09:00:00Z\"},"
                + "\"history\":[{\"to\":\"RECEIVED\",\"at\":\"2025-06-04T08:00:00Z\",\"actor\":\"subject\",\"note\":\"\"},"
                + "{\"to\":\"EXTENDED\",\"at\":\"2025-06-13T08:00:00Z\",\"actor\":\"dpo\",\"note\":\"complex\"}],"
                + "\"version\":2}";
        assertThatThrownBy(() -> RightsRequestCodec.fromJson(json)).isInstanceOf(StoreException.class)
                .hasMessageContaining("req-1")
                .hasMessageContaining("without recordedAt and original deadline")
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getMessage()).doesNotContain("alice"));
    }
}
