package dev.consent.rights;

import dev.consent.ConsentService;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalRequest;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetentionService;
import dev.consent.retention.RetentionVerdict;
import dev.consent.retention.Sweeper;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An erasure's answer says of each item what really happened: "erased" only for an item whose disposal is recorded,
 * otherwise due, since when, and left to the next sweep.
 */
class ErasureAnswerTruthTest {
    private final MutableClock clock = MutableClock.at("2025-06-04T08:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(RightsServiceTest.shop003()).store(store)
            .clock(clock).build();
    private final RetentionService retention = RetentionService.builder()
            .referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policyVersions(consents.policyVersions())
            .store(store).clock(clock).build();
    private final List<DisposalRequest> disposed = new ArrayList<>();
    private final SubjectId alice = SubjectId.of("alice");

    @AfterEach
    void close() {
        consents.close();
    }

    private void recordAlice() {
        Instant purchase = Instant.parse("2025-03-15T11:00:00Z");
        retention.recordAnchor(alice, "transaction.record", Anchor.LAST_TRANSACTION, purchase);
        retention.recordAnchor(alice, "contact.email", Anchor.COLLECTED, purchase);
        retention.recordAnchor(alice, "account.profile", Anchor.COLLECTED, purchase);
    }

    private String verifiedErasure(RightsService rights) {
        RightsRequest r = rights.receive(alice, RequestType.ERASURE, "email");
        rights.verifyIdentity(r.id(), "support", "email code");
        return r.id();
    }

    @Test
    void withoutASweeperDueItemsAreAnsweredDueAndLeftToTheNextSweep() {
        RightsService rights = RightsService.builder().consents(consents).retention(retention).store(store).build();
        recordAlice();
        String id = verifiedErasure(rights);
        Instant erasedAt = clock.instant();

        ErasureAnswer answer = rights.erase(id, "dpo");

        assertThat(answer.due()).extracting(e -> e.item().category().value())
                .containsExactlyInAnyOrder("contact.email", "account.profile");
        assertThat(answer.due()).allSatisfy(e -> {
            assertThat(e.outcome()).isEqualTo(ErasureAnswer.Outcome.DUE_NOW);
            assertThat(e.dueAt()).contains(erasedAt);
        });
        assertThat(answer.entries()).noneMatch(e -> e.outcome() == ErasureAnswer.Outcome.DISPOSED);
        String outcome = rights.request(id).outcome().orElseThrow();
        assertThat(outcome).contains("contact.email: due since " + erasedAt + ", not yet erased: the next retention"
                + " sweep erases it").doesNotContain("contact.email: erased").doesNotContain("account.profile: erased");
        assertThat(outcome).contains("transaction.record: kept until 2032-03-15T11:00:00Z");

        // the next sweep does dispose of them
        Sweeper sweeper = Sweeper.builder(retention).handler("contact.email", disposed::add)
                .handler("account.profile", disposed::add).build();
        assertThat(sweeper.sweep(100, Duration.ofMinutes(1)).disposed()).isEqualTo(2);
        assertThat(retention.verdict(ItemKey.of(alice, dev.consent.policy.CategoryId.of("transaction.record"))).status())
                .isEqualTo(RetentionVerdict.Status.KEEP);
    }

    @Test
    void withASweeperOnlyTheItemsDisposedOfAreAnsweredErased() {
        Sweeper sweeper = Sweeper.builder(retention).handler("contact.email", disposed::add)
                .handler("account.profile", request -> {
                    throw new IllegalStateException("the profile database is down");
                }).build();
        RightsService rights = RightsService.builder().consents(consents).sweeper(sweeper).store(store).build();
        recordAlice();
        String id = verifiedErasure(rights);
        Instant erasedAt = clock.instant();

        ErasureAnswer answer = rights.erase(id, "dpo");

        assertThat(answer.entries()).filteredOn(e -> e.outcome() == ErasureAnswer.Outcome.DISPOSED)
                .extracting(e -> e.item().category().value()).containsExactly("contact.email");
        assertThat(answer.due()).singleElement().satisfies(e -> {
            assertThat(e.item().category().value()).isEqualTo("account.profile");
            assertThat(e.dueAt()).contains(erasedAt);
        });
        assertThat(disposed).extracting(d -> d.item().category().value()).containsExactly("contact.email");
        assertThat(rights.request(id).outcome().orElseThrow()).contains("contact.email: erased")
                .contains("account.profile: due since " + erasedAt + ", not yet erased")
                .doesNotContain("account.profile: erased");
    }
}
