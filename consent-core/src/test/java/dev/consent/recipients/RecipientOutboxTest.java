package dev.consent.recipients;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Recipient;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.CapturedLogs;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RecipientsPolicy;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The recipients' outbox beyond the store contract: fail closed without an outbox, a linked visitor's consent counts
 * as a disclosure, nothing personal in logs, and the values and settings it refuses (GDPR Art. 19; seed
 * 001_f688c41ce3130c59.txt, section 4.2).
 */
class RecipientOutboxTest {
    private static final SubjectId JANE = SubjectId.of("jane.doe@example.com");
    private final MutableClock clock = MutableClock.at("2025-06-04T08:00:00Z");

    /** A ledger-only store: the consent store SPI of the in-memory store, without its outbox. */
    private static ConsentStore ledgerOnly(InMemoryStore real) {
        return (ConsentStore) Proxy.newProxyInstance(ConsentStore.class.getClassLoader(),
                new Class<?>[] {ConsentStore.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aStoreWithoutAnOutboxRefusesAChangeRecipientsMustBeToldOfAndWritesNothing() {
        InMemoryStore real = new InMemoryStore();
        try (ConsentService consents = ConsentService.builder().policy(RecipientsPolicy.policy())
                .store(ledgerOnly(real)).clock(clock).build()) {
            consents.grant(JANE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));

            assertThatThrownBy(() -> consents.withdraw(JANE, RecipientsPolicy.NEWSLETTER,
                    Capture.by(Method.UNSUBSCRIBE_LINK))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("GDPR Art. 19").hasMessageContaining("nothing was written");

            assertThat(real.events(JANE, 0, 10)).hasSize(1);
            assertThat(consents.withdraw(SubjectId.of("bob"), RecipientsPolicy.ADS, Capture.by(Method.CHECKBOX)))
                    .as("a change nobody is to be told of is written as before").isNotNull();
        }
    }

    @Test
    void aConsentGivenAsALinkedVisitorCountsAsADisclosure() {
        InMemoryStore store = new InMemoryStore();
        try (ConsentService consents = ConsentService.builder().policy(RecipientsPolicy.policy()).store(store)
                .clock(clock).build()) {
            SubjectId visitor = dev.consent.ledger.VisitorId.of("visitor-1").subject();
            consents.grant(visitor, RecipientsPolicy.ADS, Capture.by(Method.COOKIE_BANNER));
            consents.link(dev.consent.ledger.VisitorId.from(visitor).orElseThrow(), JANE);

            consents.restrict(JANE, Capture.by(Method.RIGHTS_REQUEST));

            assertThat(store.notices(JANE)).extracting(e -> e.notice().recipientId()).contains("adnet");
        }
    }

    @Test
    void aFailingNotifierLogsNeitherTheSubjectNorItsMessage() {
        CapturedLogs.clear();
        InMemoryStore store = new InMemoryStore();
        try (ConsentService consents = ConsentService.builder().policy(RecipientsPolicy.policy()).store(store)
                .clock(clock).build()) {
            consents.grant(JANE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.CHECKBOX));
            consents.withdraw(JANE, RecipientsPolicy.NEWSLETTER, Capture.by(Method.UNSUBSCRIBE_LINK));
        }
        RecipientDispatcher dispatcher = RecipientDispatcher.builder().store(store).clock(clock).notifier(n -> {
            throw new IllegalStateException("bounce from " + n.subject().value());
        }).build();

        assertThat(dispatcher.deliver(10, Duration.ofMinutes(1)).failed()).isEqualTo(1);

        List<CapturedLogs.Line> lines = CapturedLogs.lines().stream()
                .filter(l -> l.level().toInt() >= Level.INFO.toInt()).toList();
        assertThat(lines).anySatisfy(l -> assertThat(l.message()).contains("mailer", "IllegalStateException"));
        assertThat(lines).allSatisfy(l -> assertThat(l.message()).doesNotContain("jane").doesNotContain("bounce"));
        assertThat(dispatcher.notices(JANE).get(0).lastFailure()).contains("java.lang.IllegalStateException");
    }

    @Test
    void aRectificationNamesDeclaredCategoriesOnly() {
        InMemoryStore store = new InMemoryStore();
        try (ConsentService consents = ConsentService.builder().policy(RecipientsPolicy.policy()).store(store)
                .clock(clock).build()) {
            RightsService rights = RightsService.builder().consents(consents).store(store).build();
            RightsRequest r = rights.receive(JANE, RequestType.RECTIFICATION, "form");
            rights.verifyIdentity(r.id(), "dpo", "session");

            assertThatThrownBy(() -> rights.rectify(r.id(), "dpo", List.of(CategoryId.of("contact.fax"))))
                    .isInstanceOfSatisfying(InvalidValueException.class,
                            e -> assertThat(e.field()).isEqualTo("categories"));
            assertThatThrownBy(() -> rights.rectify(r.id(), "dpo", List.of()))
                    .isInstanceOf(InvalidValueException.class);
            assertThat(store.notices(JANE)).isEmpty();
            assertThat(rights.request(r.id()).status().isOpen()).isTrue();
        }
    }

    @Test
    void settingsAndValuesOutsideTheirRulesAreRefused() {
        InMemoryStore store = new InMemoryStore();
        RecipientNotifier nobody = n -> { };
        assertThatThrownBy(() -> RecipientDispatcher.builder().notifier(nobody).build())
                .isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> RecipientDispatcher.builder().store(store).notifier(nobody)
                .retryBackoff(Duration.ZERO, Duration.ofMinutes(1)).build()).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> RecipientDispatcher.builder().store(store).notifier(nobody)
                .retryBackoff(Duration.ofMinutes(2), Duration.ofMinutes(1)).build())
                .isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> RecipientDispatcher.builder().store(store).notifier(nobody).batchSize(0).build())
                .isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> RecipientDispatcher.builder().store(store).notifier(nobody).lease(Duration.ZERO)
                .build()).isInstanceOf(InvalidValueException.class);
        RecipientDispatcher d = RecipientDispatcher.builder().store(store).notifier(nobody).build();
        assertThatThrownBy(() -> d.deliver(0, Duration.ofMinutes(1))).isInstanceOf(InvalidValueException.class);
        assertThat(d.backoff(1)).isEqualTo(Duration.ofMinutes(1));
        assertThat(d.backoff(5)).isEqualTo(Duration.ofMinutes(16));
        assertThat(d.backoff(64)).as("capped, never overflowing").isEqualTo(Duration.ofHours(6));

        String id = RecipientNotice.idOf(NoticeAction.ERASURE, "payments", List.of("request:r"));
        TreeSet<CategoryId> none = new TreeSet<>();
        assertThatThrownBy(() -> new RecipientNotice(id, JANE, "payments", "PayCo", Recipient.Role.PROCESSOR,
                NoticeAction.ERASURE, new TreeSet<>(), none, Optional.empty(), clock.instant(), clock.instant()))
                .isInstanceOfSatisfying(InvalidValueException.class,
                        e -> assertThat(e.field()).isEqualTo("notice.categories"));
        assertThatThrownBy(() -> new RecipientNotice("not-a-digest", JANE, "payments", "PayCo",
                Recipient.Role.PROCESSOR, NoticeAction.ERASURE, new TreeSet<>(),
                new TreeSet<>(Set.of(CategoryId.of("order.record"))), Optional.empty(), clock.instant(),
                clock.instant())).isInstanceOf(InvalidValueException.class);
        RecipientNotice n = new RecipientNotice(id, JANE, "payments", "PayCo", Recipient.Role.PROCESSOR,
                NoticeAction.ERASURE, new TreeSet<>(), new TreeSet<>(Set.of(CategoryId.of("order.record"))),
                Optional.empty(), clock.instant(), clock.instant());
        assertThat(n.toString()).doesNotContain("jane");
        assertThat(RecipientNotification.of(n, 1).toString()).doesNotContain("jane");
        assertThat(id).isEqualTo(RecipientNotice.idOf(NoticeAction.ERASURE, "payments", List.of("request:r")))
                .isNotEqualTo(RecipientNotice.idOf(NoticeAction.RESTRICTION, "payments", List.of("request:r")));
    }
}
