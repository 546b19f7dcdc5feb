package dev.consent.store;

import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.receipt.ConsentReceipt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The behaviour every {@link ReceiptStore} must have: a receipt is stored once per event, round-trips exactly (its JWS
 * byte for byte, its instant to the microsecond), and a second receipt for the same event, from any writer, is answered
 * with the first. Published in consent-core's test-jar.
 */
public abstract class ReceiptStoreContract {
    private static final Instant T0 = Instant.parse("2025-06-04T08:00:00.123456Z");
    protected ReceiptStore store;

    protected abstract ReceiptStore createReceiptStore();

    @BeforeEach
    void freshStore() {
        store = createReceiptStore();
    }

    /** A receipt shaped like a signed one: the tests here are about storage, not signatures. */
    protected static ConsentReceipt receipt(String eventId, String subject, long sequence, String payload) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String jws = b64.encodeToString("{\"alg\":\"ES256\",\"kid\":\"k-1\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("sig-" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8));
        return new ConsentReceipt(EventId.of(eventId), SubjectId.of(subject), sequence, PurposeId.of("marketing.email"),
                UUID.randomUUID().toString(), T0.plusSeconds(sequence), "k-1", jws);
    }

    @Test
    void aReceiptRoundTripsExactly() {
        ConsentReceipt r = receipt("ev-1", "alice \u05e9'; --", 3, "{\"piiPrincipalId\":\"alice \u05e9\",\"x\":\"\u00e4\"}");
        assertThat(store.saveReceipt(r)).isEqualTo(r);
        assertThat(store.receipt(EventId.of("ev-1"))).contains(r);
        assertThat(store.receipt(EventId.of("ev-1")).orElseThrow().payload()).contains("alice \u05e9", "\u00e4");
        assertThat(store.receipt(EventId.of("ev-2"))).isEmpty();
    }

    @Test
    void theFirstReceiptOfAnEventIsKeptAndReturnedToLaterWriters() {
        ConsentReceipt first = receipt("ev-1", "alice", 1, "{\"n\":1}");
        ConsentReceipt second = receipt("ev-1", "alice", 1, "{\"n\":2}");
        assertThat(store.saveReceipt(first)).isEqualTo(first);
        assertThat(store.saveReceipt(second)).isEqualTo(first);
        assertThat(store.receipt(EventId.of("ev-1"))).contains(first);
        assertThat(store.receipts(SubjectId.of("alice"))).containsExactly(first);
    }

    @Test
    void receiptsAreListedPerSubjectInSequenceOrder() {
        ConsentReceipt a3 = receipt("a-3", "alice", 3, "{}");
        ConsentReceipt a1 = receipt("a-1", "alice", 1, "{}");
        ConsentReceipt b2 = receipt("b-2", "bob", 2, "{}");
        ConsentReceipt a10 = receipt("a-10", "alice", 10, "{}");
        store.saveReceipt(a3);
        store.saveReceipt(b2);
        store.saveReceipt(a10);
        store.saveReceipt(a1);
        assertThat(store.receipts(SubjectId.of("alice"))).containsExactly(a1, a3, a10);
        assertThat(store.receipts(SubjectId.of("bob"))).containsExactly(b2);
        assertThat(store.receipts(SubjectId.of("Alice"))).isEmpty();
    }

    /** Eight writers store receipts for the same events at once: each event ends with one receipt, which all got. */
    @Test
    void concurrentWritersOfOneEventAllGetTheSameReceipt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int event = 0; event < 5; event++) {
                String id = "race-" + event;
                List<Callable<ConsentReceipt>> writers = new ArrayList<>();
                for (int w = 0; w < 8; w++) {
                    int writer = w;
                    writers.add(() -> store.saveReceipt(receipt(id, "carol", 1, "{\"writer\":" + writer + "}")));
                }
                List<ConsentReceipt> answers = new ArrayList<>();
                for (Future<ConsentReceipt> f : pool.invokeAll(writers)) {
                    answers.add(f.get());
                }
                Set<String> distinct = answers.stream().map(ConsentReceipt::jws).collect(Collectors.toSet());
                assertThat(distinct).as("receipts handed out for " + id).hasSize(1);
                assertThat(store.receipt(EventId.of(id))).contains(answers.get(0));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
