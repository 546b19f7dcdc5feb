package dev.consent.retention;

import dev.consent.ledger.SubjectId;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * References are HMAC-SHA256 of a length-prefixed payload under the secret, whichever thread asks and however often
 * (the key keeps one keyed HMAC and clones it per reference).
 */
class ReferenceKeyTest {
    private static final byte[] SECRET = "reference-key-test-secret-32-byt".getBytes(StandardCharsets.US_ASCII);

    @Test
    void referencesAreTheHmacOfTheLengthPrefixedPayload() throws Exception {
        ReferenceKey key = ReferenceKey.of("k1", SECRET);
        assertThat(key.subjectReference(SubjectId.of("alice")))
                .isEqualTo("k1:" + hmac("consent-subject-ref-v1\n5:alice"));
        assertThat(key.itemReference(ItemKey.of("alice", "contact.email")))
                .isEqualTo("k1:" + hmac("consent-item-ref-v1\n5:alice\n13:contact.email\n0:"));
    }

    @Test
    void manyThreadsGetTheSameReferences() throws Exception {
        ReferenceKey key = ReferenceKey.of("k1", SECRET);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        String s = "subject-" + i;
                        if (!key.subjectReference(SubjectId.of(s)).equals(
                                "k1:" + hmac("consent-subject-ref-v1\n" + s.length() + ":" + s))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> run : runs) {
                assertThat(run.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String hmac(String payload) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
    }
}
