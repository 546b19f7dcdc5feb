package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link StoreException} promises that a write whose commit outcome is unknown can be retried with the same event
 * id: the retry returns the stored event if the first attempt did commit. A capture that leaves occurred-at to
 * the time of recording (the default) gets a new one on the retry, which must not make the retry a "different
 * choice". (No database needed: the store commits and then reports the connection lost.)
 */
class RetryAfterUnknownCommitTest {
    private static final SubjectId ALICE = SubjectId.of("alice");

    @Test
    void retryingARecordWhoseCommitOutcomeWasUnknownReturnsTheStoredEvent() {
        InMemoryStore memory = new InMemoryStore();
        AtomicBoolean loseNextCommit = new AtomicBoolean();
        ConsentStore store = (ConsentStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConsentStore.class}, (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(memory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("append") && loseNextCommit.compareAndSet(true, false)) {
                        throw new StoreException("append", "the commit failed, so whether it took effect is unknown; "
                                + "read back before retrying: test: connection lost after the commit");
                    }
                    return result;
                });
        MutableClock clock = MutableClock.at("2025-05-05T12:00:00Z");
        ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock).build();
        // marketing.sms has a one-year consent lifetime, so the expiry is derived from occurred-at too
        ChoiceRecord grant = new ChoiceRecord(ALICE, ShopPolicy.MARKETING_SMS, Choice.GRANTED,
                Capture.by(Method.CHECKBOX).withEventId("signup-42"));

        loseNextCommit.set(true);
        assertThatThrownBy(() -> consents.record(List.of(grant))).isInstanceOf(StoreException.class)
                .hasMessageContaining("unknown");
        clock.advance(Duration.ofMillis(1500)); // the retry comes a little later

        List<ConsentEvent> retried = consents.record(List.of(grant));

        assertThat(consents.history(ALICE)).hasSize(1).containsExactlyElementsOf(retried);
        assertThat(retried.get(0).occurredAt()).isEqualTo(clock.instant().minusMillis(1500));
        // a different choice under the same id is still refused
        assertThatThrownBy(() -> consents.record(List.of(new ChoiceRecord(ALICE, ShopPolicy.MARKETING_SMS,
                Choice.WITHDRAWN, Capture.by(Method.CHECKBOX).withEventId("signup-42")))))
                .isInstanceOf(ConflictException.class);
    }
}
