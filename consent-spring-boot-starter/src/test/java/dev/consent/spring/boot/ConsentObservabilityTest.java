package dev.consent.spring.boot;

import dev.consent.ConsentService;
import dev.consent.Reason;
import dev.consent.StoreException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.policy.Policy;
import dev.consent.recipients.OutboxBacklog;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import dev.consent.store.OutboxStore;
import dev.consent.jdbc.JdbcStore;
import dev.consent.retention.Anchor;
import dev.consent.retention.RetentionService;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsService;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

import static dev.consent.spring.boot.ConsentAutoConfigurationTest.ALICE;
import static dev.consent.spring.boot.ConsentAutoConfigurationTest.NEWSLETTER;
import static org.assertj.core.api.Assertions.assertThat;

/** Metrics, health and info: present with their modules, absent without, and free of personal data. */
class ConsentObservabilityTest {
    private final ApplicationContextRunner inMemory = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class,
                    ConsentObservabilityAutoConfiguration.class, ConsentHealthAutoConfiguration.class))
            .withPropertyValues("consent.policy=classpath:shop-policy.json", "consent.store=in-memory",
                    "consent.retention.reference-key.id=2026-01",
                    "consent.retention.reference-key.secret=" + ConsentAutoConfigurationTest.SECRET);

    private final ApplicationContextRunner scheduled = inMemory.withPropertyValues("consent.sweeper.enabled=true",
            "consent.sweeper.initial-delay=1h");

    @Test
    void eachIsPresentWithItsModuleAndAbsentWithout() {
        scheduled.run(context -> assertThat(context).hasSingleBean(ConsentMetrics.class)
                .hasSingleBean(ConsentHealthIndicator.class).hasSingleBean(ConsentInfoContributor.class));
        scheduled.withClassLoader(new FilteredClassLoader("io.micrometer")).run(context -> assertThat(context)
                .hasNotFailed().doesNotHaveBean(ConsentMetrics.class).hasSingleBean(ConsentHealthIndicator.class));
        scheduled.withClassLoader(new FilteredClassLoader("org.springframework.boot.health")).run(context ->
                assertThat(context).hasNotFailed().doesNotHaveBean(ConsentHealthIndicator.class)
                        .hasSingleBean(ConsentMetrics.class));
        scheduled.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate.info")).run(context ->
                assertThat(context).hasNotFailed().doesNotHaveBean(ConsentInfoContributor.class));
        scheduled.withPropertyValues("management.health.consent.enabled=false", "management.info.consent.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(ConsentHealthIndicator.class)
                        .doesNotHaveBean(ConsentInfoContributor.class).hasSingleBean(ConsentMetrics.class));
    }

    @Test
    void theMetersCountCacheSweepsAndRightsRequestsWithBoundedTags() {
        List<String> disposed = new CopyOnWriteArrayList<>();
        scheduled.withBean(SweeperCustomizer.class, () -> b -> b.handler("contact.email",
                r -> disposed.add(r.item().subject().value()))).run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(ConsentMetrics.class).bindTo(registry);
            ConsentService consents = context.getBean(ConsentService.class);
            consents.check(ALICE, NEWSLETTER);
            assertThat(registry.get("consent.cache.subjects").gauge().value()).isEqualTo(1);

            // Alice's email, due a year after her last order two years ago
            RetentionService retention = context.getBean(RetentionService.class);
            retention.recordAnchor(ALICE, "contact.email", Anchor.LAST_TRANSACTION,
                    Instant.now().minus(Duration.ofDays(730)));
            RightsService rights = context.getBean(RightsService.class);
            rights.receive(ALICE, RequestType.ACCESS, "email");
            ConsentSweepScheduler scheduler = context.getBean(ConsentSweepScheduler.class);
            scheduler.runOnce();
            assertThat(registry.get("consent.sweep.runs").tag("result", "completed").functionCounter().count())
                    .isEqualTo(1);
            assertThat(registry.get("consent.sweep.runs").tag("result", "failed").functionCounter().count()).isZero();
            assertThat(disposed).containsExactly("alice");
            assertThat(registry.get("consent.sweep.items").tag("outcome", "claimed").functionCounter().count())
                    .isEqualTo(1);
            assertThat(registry.get("consent.sweep.items").tag("outcome", "disposed").functionCounter().count())
                    .isEqualTo(1);
            assertThat(registry.get("consent.sweep.items").tag("outcome", "failed").functionCounter().count()).isZero();
            assertThat(registry.get("consent.sweep.items").tag("outcome", "held").functionCounter().count()).isZero();
            assertThat(registry.get("consent.rights.requests").tag("state", "open").gauge().value()).isEqualTo(1);
            assertThat(registry.get("consent.rights.requests").tag("state", "overdue").gauge().value()).isZero();
            for (Meter meter : registry.getMeters()) {
                assertThat(meter.getId().getTags()).as(meter.getId().toString())
                        .allSatisfy(t -> assertThat(t.getValue()).doesNotContain("alice"));
            }
        });
    }

    @Test
    void checksCacheAppendsAndTheOutboxBacklogAreMeteredWithoutASubject() {
        inMemory.run(context -> {
            AtomicLong nanos = new AtomicLong();
            ConsentService consents = context.getBean(ConsentService.class);
            Instant due = consents.clock().instant().minus(Duration.ofMinutes(10));
            OutboxStore outbox = backlogOf(new OutboxBacklog(3, false, Optional.of(due)));
            ConsentMetrics metrics = new ConsentMetrics(consents, null, null, outbox, Duration.ofMinutes(1),
                    nanos::get);
            MeterRegistry registry = new SimpleMeterRegistry();
            metrics.bindTo(registry);

            consents.grant(ALICE, NEWSLETTER, Capture.by(Method.CHECKBOX));
            consents.check(ALICE, NEWSLETTER);
            consents.check(ALICE, NEWSLETTER);
            consents.check(dev.consent.ledger.SubjectId.of("bob"), NEWSLETTER);
            nanos.addAndGet(Duration.ofSeconds(1).toNanos()); // past the snapshot's second

            assertThat(registry.get("consent.checks").tag("purpose", NEWSLETTER.value())
                    .tag("reason", Reason.GRANTED.name()).tag("allowed", "true").functionCounter().count())
                    .isEqualTo(2);
            assertThat(registry.get("consent.checks").tag("purpose", NEWSLETTER.value())
                    .tag("reason", Reason.NO_RECORD.name()).functionCounter().count()).isEqualTo(1);
            // the split between hits and misses depends on when the change-feed poller (every second) drops alice's
            // entry after her grant; ConsentStatisticsTest pins it down without a poller
            double hits = registry.get("consent.cache.requests").tag("result", "hit").functionCounter().count();
            double misses = registry.get("consent.cache.requests").tag("result", "miss").functionCounter().count();
            assertThat(hits + misses).isEqualTo(3);
            assertThat(hits).isEqualTo(consents.statistics().cacheHits());
            assertThat(misses).isEqualTo(consents.statistics().cacheMisses()).isGreaterThanOrEqualTo(2);
            assertThat(registry.get("consent.appends.events").functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("consent.appends.conflicts").functionCounter().count()).isZero();
            assertThat(registry.get("consent.checks.failed").functionCounter().count()).isZero();
            assertThat(registry.get("consent.feed.lag").timeGauge().value(TimeUnit.SECONDS))
                    .as("the starter reads the feed every second by default").isLessThan(60);
            assertThat(registry.get("consent.outbox.pending").gauge().value()).isEqualTo(3);
            assertThat(registry.get("consent.outbox.oldest.due.age").timeGauge().value(TimeUnit.SECONDS))
                    .isBetween(600.0, 660.0);
            for (Meter meter : registry.getMeters()) {
                assertThat(meter.getId().getTags()).as(meter.getId().toString())
                        .allSatisfy(t -> assertThat(t.getValue()).doesNotContain("alice").doesNotContain("bob"));
            }
        });
    }

    @Test
    void healthIsDownWhenTheChangeFeedWasNotReadWithinTheStalenessBound() throws Exception {
        InMemoryStore shared = new InMemoryStore();
        ConsentStore feedDown = (ConsentStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConsentStore.class}, (proxy, m, args) -> {
                    if (m.getName().equals("readChanges")) {
                        throw new StoreException("readChanges", "connection refused (test)");
                    }
                    try {
                        return m.invoke(shared, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        inMemory.run(context -> {
            try (ConsentService node = ConsentService.builder().policy(context.getBean(Policy.class)).store(feedDown)
                    .changeFeedPollInterval(Duration.ofMillis(1)).maxStaleness(Duration.ofMillis(5)).build()) {
                Thread.sleep(50);
                Health health = new ConsentHealthIndicator(shared, null, node).health();
                assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                assertThat((String) health.getDetails().get("changeFeed")).startsWith("not read for");
            }
            Health fresh = new ConsentHealthIndicator(shared, null, context.getBean(ConsentService.class)).health();
            assertThat(fresh.getStatus()).isEqualTo(Status.UP);
            assertThat((String) fresh.getDetails().get("changeFeed")).contains("within the staleness bound");
        });
    }

    private static OutboxStore backlogOf(OutboxBacklog backlog) {
        return (OutboxStore) Proxy.newProxyInstance(OutboxStore.class.getClassLoader(),
                new Class<?>[] {OutboxStore.class}, (proxy, m, args) -> {
                    if (m.getName().equals("backlog")) {
                        return backlog;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void rightsCountsAreReusedWithinTheRefreshIntervalAndCountedAgainAfterIt() {
        inMemory.run(context -> {
            AtomicLong nanos = new AtomicLong();
            ConsentMetrics metrics = new ConsentMetrics(context.getBean(ConsentService.class), null,
                    context.getBean(RightsService.class), null, Duration.ofMinutes(1), nanos::get);
            assertThat(metrics.requests(false)).isZero();
            context.getBean(RightsService.class).receive(ALICE, RequestType.ACCESS, "email");
            assertThat(metrics.requests(false)).as("within the refresh interval").isZero();
            nanos.addAndGet(Duration.ofMinutes(1).toNanos());
            assertThat(metrics.requests(false)).isEqualTo(1);
        });
    }

    @Test
    void healthIsUpWithAReachableStoreAndDownWithoutIt() {
        DataSource ds = StarterTestDatabases.newH2();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class,
                        ConsentObservabilityAutoConfiguration.class, ConsentHealthAutoConfiguration.class))
                .withBean(DataSource.class, () -> ds)
                .withPropertyValues("consent.policy=classpath:shop-policy.json",
                        "consent.retention.reference-key.id=2026-01",
                        "consent.retention.reference-key.secret=" + ConsentAutoConfigurationTest.SECRET)
                .run(context -> {
                    assertThat(context).hasSingleBean(JdbcStore.class);
                    ConsentHealthIndicator indicator = context.getBean(ConsentHealthIndicator.class);
                    Health up = indicator.health();
                    assertThat(up.getStatus()).isEqualTo(Status.UP);
                    assertThat(up.getDetails()).containsEntry("store", "reachable")
                            .containsEntry("sweeper", "not scheduled on this node");
                    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                        s.execute("DROP TABLE consent_changes");
                    }
                    Health down = indicator.health();
                    assertThat(down.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(down.getDetails()).containsEntry("store", "unreachable")
                            .containsEntry("storeError", "dev.consent.StoreException");
                });
    }

    @Test
    void healthIsDownWhenTheScheduledSweeperHasNotSucceededWithinItsThreshold() {
        scheduled.run(context -> {
            ConsentSweepScheduler scheduler = context.getBean(ConsentSweepScheduler.class);
            Instant started = scheduler.startedAt().orElseThrow();
            ConsentHealthIndicator onTime = new ConsentHealthIndicator(new dev.consent.store.InMemoryStore(), scheduler,
                    Clock.fixed(started.plus(scheduler.healthThreshold()), ZoneOffset.UTC));
            assertThat(onTime.health().getStatus()).isEqualTo(Status.UP);
            assertThat(onTime.health().getDetails()).containsEntry("sweeper", "on schedule");
            ConsentHealthIndicator late = new ConsentHealthIndicator(new dev.consent.store.InMemoryStore(), scheduler,
                    Clock.fixed(started.plus(scheduler.healthThreshold()).plusSeconds(1), ZoneOffset.UTC));
            assertThat(late.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat((String) late.health().getDetails().get("sweeper")).startsWith("no successful sweep for");

            scheduler.runOnce();
            Instant ran = scheduler.lastSuccessAt().orElseThrow();
            ConsentHealthIndicator afterRun = new ConsentHealthIndicator(new dev.consent.store.InMemoryStore(),
                    scheduler, Clock.fixed(ran.plusSeconds(1), ZoneOffset.UTC));
            assertThat(afterRun.health().getStatus()).isEqualTo(Status.UP);
            assertThat(afterRun.health().getDetails()).containsEntry("sweeperLastSuccess", ran.toString());
        });
    }

    @Test
    void infoNamesThePolicyInForce() {
        inMemory.run(context -> {
            Info.Builder builder = new Info.Builder();
            context.getBean(ConsentInfoContributor.class).contribute(builder);
            assertThat(builder.build().getDetails()).containsEntry("consent", Map.of("policyId", "starter-shop",
                    "policyVersion", "2026-01", "policyEffectiveFrom", "2026-01-01", "policyVersions", 1));
        });
    }

    @Test
    void aFailedSweepIsCountedAndNamedByItsClassOnlyAndTheScheduleGoesOn() throws Exception {
        DataSource ds = StarterTestDatabases.newH2();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ConsentAutoConfiguration.class))
                .withBean(DataSource.class, () -> ds)
                .withPropertyValues("consent.policy=classpath:shop-policy.json", "consent.sweeper.enabled=true",
                        "consent.sweeper.initial-delay=1h", "consent.retention.reference-key.id=2026-01",
                        "consent.retention.reference-key.secret=" + ConsentAutoConfigurationTest.SECRET)
                .run(context -> {
                    ConsentSweepScheduler scheduler = context.getBean(ConsentSweepScheduler.class);
                    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                        s.execute("DROP TABLE consent_items");
                    }
                    scheduler.runOnce();
                    assertThat(scheduler.totals().failedRuns()).isEqualTo(1);
                    assertThat(scheduler.totals().runs()).isZero();
                    assertThat(scheduler.lastFailure()).contains("dev.consent.StoreException");
                    assertThat(scheduler.lastRunAt()).isPresent();
                    assertThat(scheduler.lastSuccessAt()).isEmpty();
                    assertThat(scheduler.isRunning()).isTrue();
                });
    }
}
