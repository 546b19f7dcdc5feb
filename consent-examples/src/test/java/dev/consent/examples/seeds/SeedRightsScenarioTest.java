package dev.consent.examples.seeds;

import dev.consent.store.InMemoryStore;
import dev.consent.ConsentService;
import dev.consent.examples.SeedPolicies;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.rights.Deadline;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;

import static org.assertj.core.api.Assertions.assertThat;

/** The rights terms of seeds 000 and 003, read from their policy JSON. */
class SeedRightsScenarioTest {
    private final MutableClock clock = MutableClock.at("2025-06-04T08:00:00Z"); // a Wednesday
    private final SubjectId customer = SubjectId.of("customer-1");

    private static Policy seed(String name) {
        return SeedPolicies.load(name);
    }

    @Test
    void seed000_rightsIn30BusinessDaysDeletionIn30BusinessDaysAfterVerification() {
        try (ConsentService consents = ConsentService.builder().store(new InMemoryStore())
                .policy(seed(SeedPolicies.SELL4SERVICE)).clock(clock).build()) {
            RightsService rights = RightsService.builder().store(new InMemoryStore()).consents(consents).build();
            RightsRequest access = rights.receive(customer, RequestType.ACCESS, "email");
            assertThat(access.deadline()).get().extracting(Deadline::lastDay).isEqualTo(LocalDate.of(2025, 7, 16));

            RightsRequest erasure = rights.receive(customer, RequestType.ERASURE, "email");
            assertThat(erasure.deadline()).isEmpty();
            clock.advance(Duration.ofDays(6)); // verified on Tuesday 10 June
            assertThat(rights.verifyIdentity(erasure.id(), "support", "email code").deadline()).get()
                    .extracting(Deadline::lastDay).isEqualTo(LocalDate.of(2025, 7, 22));
        }
    }

    @Test
    void seed003_fiveBusinessDaysExtendableTo30DaysAndErasureChecksIn15WorkingDays() {
        try (ConsentService consents = ConsentService.builder().store(new InMemoryStore())
                .policy(seed(SeedPolicies.TAX_COMPLIANT_SHOP)).clock(clock)
                .build()) {
            RightsService rights = RightsService.builder().store(new InMemoryStore()).consents(consents).build();
            RightsRequest access = rights.receive(customer, RequestType.ACCESS, "email");
            assertThat(access.deadline()).get().extracting(Deadline::lastDay).isEqualTo(LocalDate.of(2025, 6, 12));
            rights.verifyIdentity(access.id(), "dpo", "email");
            RightsRequest extended = rights.extend(access.id(), "dpo", "complex request", clock.instant());
            assertThat(extended.deadline()).get().extracting(Deadline::lastDay).isEqualTo(LocalDate.of(2025, 7, 4));

            RightsRequest erasure = rights.receive(customer, RequestType.ERASURE, "email");
            assertThat(erasure.deadline()).get().extracting(Deadline::lastDay).isEqualTo(LocalDate.of(2025, 6, 26));
            rights.verifyIdentity(erasure.id(), "dpo", "email");
            assertThat(rights.refuse(erasure.id(), "dpo", "transactions are kept for tax law").outcome()).get()
                    .asString().contains("inform you by email of the result and its basis");
            assertThat(rights.request(erasure.id()).history()).last().extracting(RightsRequest.Transition::at)
                    .isEqualTo(Instant.parse("2025-06-04T08:00:00Z"));
        }
    }
}
