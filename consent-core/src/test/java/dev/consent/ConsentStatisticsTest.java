package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static dev.consent.testing.ShopPolicy.ANALYTICS;
import static dev.consent.testing.ShopPolicy.MARKETING_EMAIL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsentStatisticsTest {
    private static final Instant START = Instant.parse("2026-03-01T09:00:00Z");
    private static final SubjectId ALICE = SubjectId.of("alice");
    private static final SubjectId BOB = SubjectId.of("bob");

    private final MutableClock clock = new MutableClock(START);
    private final InMemoryStore store = new InMemoryStore();

    @Test
    void checksAreCountedByPurposeAndReasonAndCacheHitsApart() {
        try (ConsentService service = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock)
                .recordStatistics(true).build()) {
            service.grant(ALICE, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            service.check(ALICE, MARKETING_EMAIL); // read from the store, then cached
            service.check(ALICE, MARKETING_EMAIL); // from the cache
            service.check(BOB, MARKETING_EMAIL);
            service.checkAll(List.of(ALICE, BOB), ANALYTICS);
            service.check(ALICE, MARKETING_EMAIL, START);

            ConsentStatistics stats = service.statistics();

            assertThat(stats.recording()).isTrue();
            assertThat(stats.checks()).isEqualTo(Map.of(
                    MARKETING_EMAIL, Map.of(Reason.GRANTED, 3L, Reason.NO_RECORD, 1L),
                    ANALYTICS, Map.of(Reason.BASIS_LEGITIMATE_INTERESTS, 2L)));
            assertThat(stats.cacheHits()).as("the second check of alice and both subjects of checkAll").isEqualTo(3);
            assertThat(stats.cacheMisses()).as("the first checks of alice and bob").isEqualTo(2);
            assertThat(stats.cacheHitRatio()).isEqualTo(0.6);
            assertThat(stats.appendedEvents()).isEqualTo(1);
            assertThat(stats.appendConflicts()).isZero();
            assertThat(stats.cachedSubjects()).isEqualTo(2);
            assertThat(stats.checkFailures()).isZero();
            assertThat(stats.feed()).isEqualTo(ConsentStatistics.Feed.NOT_READ);
            assertThat(stats.feed().fresh()).isTrue();
        }
    }

    @Test
    void nothingIsCountedUnlessAskedFor() {
        try (ConsentService service = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock)
                .build()) {
            service.grant(ALICE, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            service.check(ALICE, MARKETING_EMAIL);
            service.check(ALICE, MARKETING_EMAIL);

            ConsentStatistics stats = service.statistics();

            assertThat(stats.recording()).isFalse();
            assertThat(stats.checks()).isEmpty();
            assertThat(stats.cacheHits() + stats.cacheMisses() + stats.appendedEvents()).isZero();
            assertThat(stats.cachedSubjects()).as("the cache's size is always given").isEqualTo(1);
        }
    }

    @Test
    void aCheckTheStoreCannotAnswerIsCountedAsAFailureNotAsAReason() {
        ConsentServiceTest.FlakyStore flaky = new ConsentServiceTest.FlakyStore();
        try (ConsentService service = ConsentService.builder().policy(ShopPolicy.v1()).store(flaky).clock(clock)
                .recordStatistics(true).build()) {
            service.grant(ALICE, MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            flaky.down = true;
            assertThatThrownBy(() -> service.checkUncached(ALICE, MARKETING_EMAIL)).isInstanceOf(StoreException.class);
            assertThatThrownBy(() -> service.check(BOB, MARKETING_EMAIL)).isInstanceOf(StoreException.class);
            assertThatThrownBy(() -> service.checkAll(List.of(BOB), MARKETING_EMAIL))
                    .isInstanceOf(StoreException.class);

            ConsentStatistics stats = service.statistics();

            assertThat(stats.checkFailures()).isEqualTo(3);
            assertThat(stats.checks()).isEmpty();
        }
    }

    @Test
    void theFeedsAgeIsMeasuredFromItsLastSuccessfulRead() {
        AtomicLong ticker = new AtomicLong();
        try (ConsentService node = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock)
                .changeFeedPollInterval(Duration.ofHours(1)).maxStaleness(Duration.ofHours(2)).ticker(ticker::get)
                .recordStatistics(true).build()) {
            ticker.addAndGet(Duration.ofMinutes(90).toNanos());
            ConsentStatistics.Feed feed = node.statistics().feed();
            assertThat(feed.read()).isTrue();
            assertThat(feed.sinceLastRead()).isEqualTo(Duration.ofMinutes(90));
            assertThat(feed.maxStaleness()).isEqualTo(Duration.ofHours(2));
            assertThat(feed.fresh()).isTrue();

            ticker.addAndGet(Duration.ofMinutes(31).toNanos());
            assertThat(node.statistics().feed().fresh()).as("past the staleness bound").isFalse();

            node.pollChanges();
            assertThat(node.statistics().feed().sinceLastRead()).isZero();
            assertThat(node.statistics().feed().fresh()).isTrue();
        }
    }
}
