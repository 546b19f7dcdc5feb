package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.Period;
import java.util.Optional;

import static dev.consent.testing.ShopPolicy.MARKETING;
import static dev.consent.testing.ShopPolicy.MARKETING_EMAIL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ledger's own retention: superseded evidence goes, a signed checkpoint keeps the rest verifiable. */
class LedgerPruningTest {
    private static final byte[] KEY = "0123456789abcdef-checkpoint".getBytes(StandardCharsets.UTF_8);
    private final MutableClock clock = MutableClock.at("2020-03-01T10:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock)
            .checkpointKey(KEY).build();
    private final SubjectId alice = SubjectId.of("alice");

    private void at(String instant) {
        clock.set(Instant.parse(instant));
    }

    @Test
    void supersededEvidenceOlderThanTheKeptPeriodIsPrunedBehindASignedCheckpoint() {
        consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        at("2021-03-01T10:00:00Z");
        consents.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.UNSUBSCRIBE_LINK));
        at("2022-03-01T10:00:00Z");
        consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.ACCOUNT_SETTINGS));

        at("2024-06-01T00:00:00Z");
        Optional<ChainCheckpoint> early = consents.pruneLedger(alice, Period.ofYears(3));
        assertThat(early).as("the withdrawal was superseded only 2 years ago; only the first grant may go").get()
                .extracting(ChainCheckpoint::sequence).isEqualTo(1L);

        at("2025-06-01T00:00:00Z");
        ChainCheckpoint cp = consents.pruneLedger(alice, Period.ofYears(3)).orElseThrow();

        assertThat(cp.sequence()).isEqualTo(2);
        assertThat(cp.horizon()).isEqualTo(Instant.parse("2022-03-01T10:00:00Z"));
        assertThat(consents.history(alice)).extracting(e -> e.sequence()).containsExactly(3L);
        assertThat(consents.verify(alice).intact()).isTrue();
        assertThat(consents.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.GRANTED);
        assertThat(consents.check(alice, MARKETING_EMAIL, Instant.parse("2023-01-01T00:00:00Z")).reason())
                .isEqualTo(Reason.GRANTED);
        assertThatThrownBy(() -> consents.check(alice, MARKETING_EMAIL, Instant.parse("2021-06-01T00:00:00Z")))
                .isInstanceOf(EvidencePrunedException.class).hasMessageContaining("2022-03-01T10:00:00Z");
        assertThat(consents.pruneLedger(alice, Period.ofYears(3))).isEmpty(); // the standing grant stays

        consents.withdraw(alice, MARKETING_EMAIL, Capture.by(Method.UNSUBSCRIBE_LINK));
        assertThat(consents.verify(alice).intact()).as("the chain continues after the checkpoint").isTrue();
    }

    @Test
    void aParentsWithdrawalStaysWhileItStillDecidesAChild() {
        consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        at("2020-04-01T10:00:00Z");
        consents.withdraw(alice, MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
        at("2020-05-01T10:00:00Z");
        consents.grant(alice, MARKETING, Capture.by(Method.CHECKBOX)); // does not grant the child again
        assertThat(consents.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);

        at("2030-01-01T00:00:00Z");
        consents.pruneLedger(alice, Period.ofYears(1));

        assertThat(consents.check(alice, MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
        assertThat(consents.check(alice, MARKETING).reason()).isEqualTo(Reason.GRANTED);
        assertThat(consents.history(alice)).extracting(e -> e.choice().name()).contains("WITHDRAWN");
    }

    @Test
    void aForgedOrUnverifiableCheckpointBreaksTheChain() {
        consents.grant(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        at("2020-04-01T10:00:00Z");
        consents.deny(alice, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        at("2025-01-01T00:00:00Z");
        ChainCheckpoint cp = consents.pruneLedger(alice, Period.ofYears(1)).orElseThrow();

        try (ConsentService noKey = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock).build()) {
            ChainVerification v = noKey.verify(alice);
            assertThat(v.intact()).isFalse();
            assertThat(v.firstBreak().orElseThrow().problem()).contains("cannot be authenticated");
            assertThatThrownBy(() -> noKey.pruneLedger(alice, Period.ofYears(1))).isInstanceOf(InvalidValueException.class)
                    .hasMessageContaining("checkpointKey");
        }
        try (ConsentService otherKey = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock)
                .checkpointKey("another-key-of-16-bytes".getBytes(StandardCharsets.UTF_8)).build()) {
            assertThat(otherKey.verify(alice).firstBreak().orElseThrow().problem()).contains("signature");
        }
        assertThat(cp.verifies(KEY)).isTrue();
        ChainCheckpoint moved = new ChainCheckpoint(cp.subject(), cp.sequence(), cp.hash(), cp.prunedAt(),
                Instant.parse("2019-01-01T00:00:00Z"), cp.signature());
        assertThat(moved.verifies(KEY)).as("the horizon is signed too").isFalse();
    }
}
