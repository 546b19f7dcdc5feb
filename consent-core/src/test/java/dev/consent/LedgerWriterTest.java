package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.IpMinimizer;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PolicyVersions;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ledger writer's append loop on its own: another writer moves the subject's head between the writer's read of
 * the heads and its append, the store refuses, and the writer chains onto the new head.
 */
class LedgerWriterTest {
    private static final SubjectId ALICE = SubjectId.of("alice");

    private final MutableClock clock = MutableClock.at("2025-01-10T09:00:00Z");
    private final InMemoryStore shared = new InMemoryStore();
    private final AtomicInteger appends = new AtomicInteger();
    private final List<ConsentStore.AppendResult> results = new ArrayList<>();
    /** How many appends get another writer's event slipped in just before them. */
    private int interleave;

    private final ConsentStore racing = (ConsentStore) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {ConsentStore.class}, (proxy, m, args) -> {
                if (m.getName().equals("append")) {
                    appends.incrementAndGet();
                    if (interleave > 0) {
                        interleave--;
                        otherWriter().append(List.of(new ChoiceRecord(ALICE, ShopPolicy.ADS, Choice.DENIED,
                                Capture.by(Method.COOKIE_BANNER))));
                    }
                }
                try {
                    Object result = m.invoke(shared, args);
                    if (result instanceof ConsentStore.AppendResult r) {
                        results.add(r);
                    }
                    return result;
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });

    private LedgerWriter otherWriter() {
        return new LedgerWriter(shared, clock, IpMinimizer.truncate(), ConsentService.DEFAULT_FUTURE_TOLERANCE,
                PolicyVersions.of(ShopPolicy.v1()), s -> {
                }, ServiceCounters.off());
    }

    @Test
    void aHeadMovedByAnotherWriterIsReReadAndTheBatchChainedOntoIt() {
        List<SubjectId> changed = new ArrayList<>();
        ServiceCounters counters = ServiceCounters.of(List.of(ShopPolicy.MARKETING_EMAIL));
        LedgerWriter writer = new LedgerWriter(racing, clock, IpMinimizer.truncate(),
                ConsentService.DEFAULT_FUTURE_TOLERANCE, PolicyVersions.of(ShopPolicy.v1()), changed::add, counters);
        interleave = 2;

        List<ConsentEvent> written = writer.append(List.of(new ChoiceRecord(ALICE, ShopPolicy.MARKETING_EMAIL,
                Choice.GRANTED, Capture.by(Method.CHECKBOX))));

        assertThat(appends).as("two refused, the third appended").hasValue(3);
        assertThat(results.get(1).appended()).isFalse();
        assertThat(results.get(1).headConflicts()).containsExactly(ALICE);
        assertThat(written).singleElement().satisfies(e -> {
            assertThat(e.sequence()).as("after the two events the other writer slipped in").isEqualTo(3);
            assertThat(e.choice()).isEqualTo(Choice.GRANTED);
        });
        assertThat(changed).as("the cache hears of the subject once, after the append").containsExactly(ALICE);
        assertThat(counters.appendConflicts()).as("each refusal counted").isEqualTo(2);
        assertThat(counters.appendedEvents()).isEqualTo(1);
        try (ConsentService reader = ConsentService.builder().policy(ShopPolicy.v1()).store(shared).build()) {
            ChainVerification chain = reader.verify(ALICE);
            assertThat(chain.intact()).isTrue();
            assertThat(reader.history(ALICE)).extracting(ConsentEvent::sequence).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void aRedeliveredEventIdReturnsTheStoredEventWithoutAppending() {
        LedgerWriter writer = new LedgerWriter(racing, clock, IpMinimizer.truncate(),
                ConsentService.DEFAULT_FUTURE_TOLERANCE, PolicyVersions.of(ShopPolicy.v1()), s -> {
                }, ServiceCounters.off());
        ChoiceRecord record = new ChoiceRecord(ALICE, ShopPolicy.MARKETING_EMAIL, Choice.GRANTED,
                Capture.by(Method.CHECKBOX).withEventId("banner-1"));
        ConsentEvent first = writer.append(List.of(record)).get(0);
        ConsentEvent again = writer.append(List.of(record)).get(0);
        assertThat(again).isEqualTo(first);
        assertThat(appends).as("the redelivery appends nothing").hasValue(1);
    }
}
