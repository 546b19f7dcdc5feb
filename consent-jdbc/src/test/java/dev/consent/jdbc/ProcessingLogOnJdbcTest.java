package dev.consent.jdbc;

import dev.consent.testing.TestKeys;

import dev.consent.ConsentService;
import dev.consent.ProcessingRefusedException;
import dev.consent.Reason;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.processing.CampaignUse;
import dev.consent.processing.LogPurge;
import dev.consent.processing.ProcessingEntry;
import dev.consent.processing.ProcessingLog;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionService;
import dev.consent.store.ProcessingStore;
import dev.consent.testing.LogPolicy;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The processing log (seed 002; GDPR Art. 30, 5(2), 5(1)(e)) end to end on each database: the check-and-append
 * against a withdrawal that commits in between, a campaign, erasure and the log's own retention, and a store deployed
 * at V3 gaining the log's table.
 */
class ProcessingLogOnJdbcTest {
    private static final PurposeId SHIPPING = PurposeId.of("shipping");
    private static final PurposeId ORDERS = PurposeId.of("order.fulfilment");
    private static final Set<CategoryId> ADDRESS = Set.of(CategoryId.of("delivery.address"));
    private static final byte[] KEY = "the pseudonym key of this test".getBytes(StandardCharsets.UTF_8);

    /** The store, with a hook run once just before the next {@code appendUses}: JdbcStore is final. */
    private static ProcessingStore hooked(JdbcStore store, AtomicReference<Runnable> beforeAppend) {
        return (ProcessingStore) Proxy.newProxyInstance(ProcessingStore.class.getClassLoader(),
                new Class<?>[] {ProcessingStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("appendUses")) {
                        Runnable hook = beforeAppend.getAndSet(null);
                        if (hook != null) {
                            hook.run();
                        }
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /**
     * GDPR Art. 7(3): a withdrawal committed after the decision was read and before the entry was appended is not
     * missed on any database: the guard in the append's transaction sees it, and the use is decided again.
     */
    @ParameterizedTest
    @EnumSource(Database.class)
    void aWithdrawalCommittedBetweenTheCheckAndTheAppendIsNotMissed(Database dialect) {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        MutableClock clock = MutableClock.at("2025-03-04T09:00:00Z");
        try {
            JdbcStore jdbc = JdbcStore.builder(ds).tablePrefix(prefix).build();
            AtomicReference<Runnable> beforeAppend = new AtomicReference<>();
            ProcessingStore store = hooked(jdbc, beforeAppend);
            try (ConsentService consents = ConsentService.builder().policy(LogPolicy.policy("P1Y",
                    DisposalAction.DELETE)).store(jdbc).clock(clock).build()) {
                ProcessingLog log = ProcessingLog.builder().consents(consents).store(store).pseudonymKey(KEY).build();
                SubjectId alice = SubjectId.of("alice");
                SubjectId bob = SubjectId.of("bob");
                consents.grant(alice, SHIPPING, Capture.by(Method.CHECKBOX));
                consents.grant(bob, SHIPPING, Capture.by(Method.CHECKBOX));

                beforeAppend.set(() -> consents.withdraw(alice, SHIPPING, Capture.by(Method.ACCOUNT_SETTINGS)));
                assertThatThrownBy(() -> log.use(alice, SHIPPING, ADDRESS, "product shipment"))
                        .isInstanceOfSatisfying(ProcessingRefusedException.class,
                                e -> assertThat(e.reason()).isEqualTo(Reason.WITHDRAWN));
                assertThat(log.uses(alice)).isEmpty();

                // a second later: a grant at the withdrawal's own instant would lose the tie (refusals win ties)
                clock.advance(java.time.Duration.ofSeconds(1));
                consents.grant(alice, SHIPPING, Capture.by(Method.CHECKBOX));
                beforeAppend.set(() -> consents.withdraw(bob, SHIPPING, Capture.by(Method.ACCOUNT_SETTINGS)));
                CampaignUse campaign = log.useAll(List.of(alice, bob), SHIPPING, ADDRESS, "parcel notices");
                assertThat(campaign.included()).containsExactly(alice);
                assertThat(campaign.excluded().get(bob).reason()).isEqualTo(Reason.WITHDRAWN);
                assertThat(log.uses(bob)).isEmpty();
                assertThat(log.uses(alice)).singleElement()
                        .satisfies(e -> assertThat(e.batch()).contains(campaign.batch()));
            }
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    /** Erasure keeps counts and dates (seed 002), and the log's own rule removes old entries (GDPR Art. 5(1)(e)). */
    @ParameterizedTest
    @EnumSource(Database.class)
    void erasureKeepsCountsAndDatesAndTheLogsRuleRemovesOldEntries(Database dialect) {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        MutableClock clock = MutableClock.at("2025-03-04T09:00:00.123456Z");
        try {
            JdbcStore store = JdbcStore.builder(ds).tablePrefix(prefix).build();
            try (ConsentService consents = ConsentService.builder().policy(LogPolicy.policy("P1Y",
                    DisposalAction.DELETE)).store(store).clock(clock).build()) {
                RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(LogPolicy.policy("P1Y",
                        DisposalAction.DELETE)).store(store).clock(clock).build();
                ProcessingLog log = ProcessingLog.builder().consents(consents).store(store).retention(retention)
                        .pseudonymKey(KEY).build();
                SubjectId alice = SubjectId.of("alice");
                ProcessingEntry first = log.use(alice, ORDERS, Set.of(CategoryId.of("order.record")), "verification");
                clock.advance(Duration.ofDays(200));
                ProcessingEntry second = log.use(alice, ORDERS, Set.of(CategoryId.of("order.record")), "refund");
                assertThat(log.uses(alice)).containsExactly(first, second);

                assertThat(log.pseudonymise(alice)).isEqualTo(2);
                assertThat(log.uses(alice)).isEmpty();
                assertThat(log.pseudonymisedUses(alice)).extracting(ProcessingEntry::at)
                        .containsExactly(first.at(), second.at());
                assertThat(log.count(ORDERS, Instant.parse("2025-01-01T00:00:00Z"),
                        Instant.parse("2026-01-01T00:00:00Z"))).isEqualTo(2);

                clock.set(Instant.parse("2026-03-04T09:00:00.123456Z"));
                LogPurge purge = log.purgeExpired();
                assertThat(purge.cutoff()).contains(first.at());
                assertThat(purge.deleted()).isEqualTo(1);
                assertThat(log.pseudonymisedUses(alice)).containsExactly(second.pseudonymisedAs(log.pseudonymOf(alice)));
            }
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    /** A store deployed at V3, holding a ledger, gains the processing log's table (V9) without losing it. */
    @ParameterizedTest
    @EnumSource(Database.class)
    void aVersion3SchemaInUseGainsTheProcessingLog(Database dialect) throws java.sql.SQLException {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        MutableClock clock = MutableClock.at("2025-03-04T09:00:00Z");
        try {
            assertThat(new SchemaInitializer(ds, Dialect.of(dialect), prefix, clock,
                    SchemaInitializer.MIGRATIONS.subList(0, 4)).migrate()).containsExactly(1, 2, 3, 4);
            JdbcStore v3 = JdbcStore.builder(ds).tablePrefix(prefix).database(dialect).createSchema(false).build();
            try (ConsentService consents = ConsentService.builder().policy(LogPolicy.policy("P1Y",
                    DisposalAction.DELETE)).store(v3).clock(clock).build()) {
                consents.grant(SubjectId.of("alice"), SHIPPING, Capture.by(Method.CHECKBOX));
            }

            JdbcStore v9 = JdbcStore.builder(ds).tablePrefix(prefix).build();
            try (ConsentService consents = ConsentService.builder().policy(LogPolicy.policy("P1Y",
                    DisposalAction.DELETE)).store(v9).clock(clock).build()) {
                ProcessingLog log = ProcessingLog.builder().consents(consents).store(v9).pseudonymKey(KEY).build();
                ProcessingEntry entry = log.use(SubjectId.of("alice"), SHIPPING, ADDRESS, "product shipment");
                assertThat(entry.reason()).isEqualTo(Reason.GRANTED);
                assertThat(log.uses(SubjectId.of("alice"))).containsExactly(entry);
                assertThat(consents.verify(SubjectId.of("alice")).intact()).isTrue();
            }
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }
}
