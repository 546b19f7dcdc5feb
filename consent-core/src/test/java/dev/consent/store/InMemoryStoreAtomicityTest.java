package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Recipient;
import dev.consent.recipients.NoticeAction;
import dev.consent.recipients.RecipientNotice;
import dev.consent.rights.RequestStatus;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.testing.RecipientsPolicy;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The in-memory store is composed of one store per SPI, yet a notice is still written in the same step as the append
 * or request save that caused it (seed 001, section 4.2; GDPR Art. 19): writers racing for one chain head or one new
 * request leave exactly the winner's notices, and a write refused before it starts leaves nothing.
 */
class InMemoryStoreAtomicityTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456Z");
    private static final SubjectId ALICE = SubjectId.of("alice");
    private static final int WRITERS = 8;

    private final InMemoryStore store = new InMemoryStore();

    private static RecipientNotice notice(String cause, Optional<String> requestId) {
        return new RecipientNotice(RecipientNotice.idOf(NoticeAction.WITHDRAWAL, "mailer", List.of(cause)), ALICE,
                "mailer", "MailWave (email service provider)", Recipient.Role.PROCESSOR, NoticeAction.WITHDRAWAL,
                new TreeSet<>(Set.of(RecipientsPolicy.NEWSLETTER)), new TreeSet<>(Set.of(CategoryId.of("contact.email"))),
                requestId, T0, T0);
    }

    private static ConsentEvent withdrawal(String id) {
        return ConsentEvent.chain(new NewConsentEvent(EventId.of(id), ALICE, RecipientsPolicy.NEWSLETTER, 1, "1",
                Choice.WITHDRAWN, T0, T0, Optional.empty(), Method.UNSUBSCRIBE_LINK, Actor.SUBJECT,
                OptionalInt.empty(), Evidence.NONE), 1, ConsentChain.GENESIS);
    }

    private static RightsRequest request(String via) {
        return new RightsRequest("req-1", ALICE, RequestType.ERASURE, RequestStatus.RECEIVED, T0, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                List.of(new RightsRequest.Transition(RequestStatus.RECEIVED, T0, "subject", "received via " + via)), 0);
    }

    /** Runs {@code WRITERS} writes released together; their answers in writer order. */
    private static List<Boolean> race(List<Callable<Boolean>> writes) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writes.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> answers = new ArrayList<>();
            for (Callable<Boolean> w : writes) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return w.call();
                }));
            }
            go.countDown();
            List<Boolean> out = new ArrayList<>();
            for (Future<Boolean> a : answers) {
                out.add(a.get(30, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void appendsRacingForOneHeadLeaveExactlyTheWinnersEventAndNotice() throws Exception {
        List<Callable<Boolean>> writes = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            ConsentEvent e = withdrawal("evt-" + i);
            RecipientNotice n = notice("evt-" + i, Optional.empty());
            writes.add(() -> store.append(List.of(e), List.of(n)).appended());
        }
        List<Boolean> answers = race(writes);

        assertThat(answers).containsOnlyOnce(true);
        int winner = answers.indexOf(true);
        assertThat(store.events(ALICE, 0, 10)).extracting(ConsentEvent::id).containsExactly(EventId.of("evt-" + winner));
        assertThat(store.notices(ALICE)).extracting(e -> e.notice().id())
                .containsExactly(notice("evt-" + winner, Optional.empty()).id());
        assertThat(store.readChanges(ConsentStore.FeedCursor.START, 10).changes()).hasSize(1);
    }

    @Test
    void requestSavesRacingForOneNewRequestLeaveExactlyTheWinnersNotice() throws Exception {
        List<Callable<Boolean>> writes = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            RightsRequest r = request("channel-" + i);
            RecipientNotice n = notice("request:req-1/" + i, Optional.of("req-1"));
            writes.add(() -> store.saveRequest(r, List.of(n)));
        }
        List<Boolean> answers = race(writes);

        assertThat(answers).containsOnlyOnce(true);
        int winner = answers.indexOf(true);
        assertThat(store.request("req-1")).contains(request("channel-" + winner).nextVersion());
        assertThat(store.notices(ALICE)).extracting(e -> e.notice().id())
                .containsExactly(notice("request:req-1/" + winner, Optional.of("req-1")).id());
    }

    @Test
    void aWriteWhoseNoticesAreInvalidWritesNothing() {
        List<RecipientNotice> withNull = Arrays.asList(notice("evt-1", Optional.empty()), null);
        assertThatThrownBy(() -> store.append(List.of(withdrawal("evt-1")), withNull))
                .isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> store.saveRequest(request("mail"), withNull)).isInstanceOf(InvalidValueException.class);

        assertThat(store.events(ALICE, 0, 10)).isEmpty();
        assertThat(store.request("req-1")).isEmpty();
        assertThat(store.notices(ALICE)).isEmpty();
        assertThat(store.changeCursor()).isEqualTo(ConsentStore.FeedCursor.START);
    }
}
