package dev.consent.store;

import dev.consent.ConsentService;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Changing any field of any stored event, deleting or reordering events: verify names the first broken one. */
class TamperEvidenceTest {
    private static final SubjectId ALICE = SubjectId.of("alice");

    private final InMemoryStore store = new InMemoryStore();
    private final MutableClock clock = MutableClock.at("2025-05-05T12:00:00Z");
    private final ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock)
            .build();

    private void recordFive() {
        Evidence evidence = Evidence.builder().notice("signup-v2", "Yes, send me offers").locale("de-DE")
                .userAgent("Firefox").ip("192.0.2.44").reference("mail-123").build();
        consents.grant(ALICE, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX).withEvidence(evidence));
        clock.advance(Duration.ofDays(1));
        consents.grant(ALICE, ShopPolicy.MARKETING_SMS, Capture.by(Method.CHECKBOX).withEvidence(evidence));
        clock.advance(Duration.ofDays(1));
        consents.grant(ALICE, ShopPolicy.LOYALTY, Capture.by(Method.PAPER).withActor(Actor.GUARDIAN).withDeclaredAge(15)
                .withEvidence(evidence));
        clock.advance(Duration.ofDays(1));
        consents.withdraw(ALICE, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK).withEvidence(evidence));
        clock.advance(Duration.ofDays(1));
        consents.object(ALICE, ShopPolicy.FRAUD, Capture.by(Method.WEB_FORM).withEvidence(evidence));
        assertThat(consents.verify(ALICE).intact()).isTrue();
        assertThat(consents.verify(ALICE).eventsChecked()).isEqualTo(5);
    }

    static Stream<Arguments> fieldChanges() {
        Instant other = Instant.parse("2020-01-01T00:00:00Z");
        List<Object[]> changes = List.of(
                new Object[] {"id", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.id = EventId.of("forged"))},
                new Object[] {"subject", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.subject = SubjectId.of("mallory"))},
                new Object[] {"sequence", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.sequence = 99)},
                new Object[] {"purpose", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.purpose = ShopPolicy.ADS)},
                new Object[] {"consentVersion", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.consentVersion = 7)},
                new Object[] {"policyVersion", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.policyVersion = "0")},
                new Object[] {"choice", (UnaryOperator<ConsentEvent>) e -> with(e,
                        b -> b.choice = b.choice == Choice.GRANTED ? Choice.DENIED : Choice.GRANTED)},
                new Object[] {"occurredAt", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.occurredAt = other)},
                new Object[] {"recordedAt", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.recordedAt = other)},
                new Object[] {"expiresAt", (UnaryOperator<ConsentEvent>) e -> with(e,
                        b -> b.expiresAt = Optional.of(other.plusSeconds(1)))},
                new Object[] {"method", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.method = Method.IMPORT)},
                new Object[] {"actor", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.actor = Actor.AGENT)},
                new Object[] {"declaredAge", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.declaredAge = OptionalInt.of(40))},
                new Object[] {"evidence.noticeId", (UnaryOperator<ConsentEvent>) e -> with(e,
                        b -> b.evidence = new Evidence("other", b.evidence.noticeHash(), b.evidence.locale(),
                                b.evidence.userAgent(), b.evidence.ip(), b.evidence.reference()))},
                new Object[] {"evidence.noticeHash", (UnaryOperator<ConsentEvent>) e -> with(e,
                        b -> b.evidence = new Evidence(b.evidence.noticeId(), Evidence.hashOf("other text"),
                                b.evidence.locale(), b.evidence.userAgent(), b.evidence.ip(), b.evidence.reference()))},
                new Object[] {"evidence.locale", (UnaryOperator<ConsentEvent>) e -> with(e,
                        b -> b.evidence = new Evidence(b.evidence.noticeId(), b.evidence.noticeHash(), "en",
                                b.evidence.userAgent(), b.evidence.ip(), b.evidence.reference()))},
                new Object[] {"evidence.userAgent", (UnaryOperator<ConsentEvent>) e -> with(e,
                        b -> b.evidence = new Evidence(b.evidence.noticeId(), b.evidence.noticeHash(),
                                b.evidence.locale(), "curl", b.evidence.ip(), b.evidence.reference()))},
                new Object[] {"evidence.ip", (UnaryOperator<ConsentEvent>) e -> with(e,
                        b -> b.evidence = new Evidence(b.evidence.noticeId(), b.evidence.noticeHash(),
                                b.evidence.locale(), b.evidence.userAgent(), "10.0.0.0/24", b.evidence.reference()))},
                new Object[] {"evidence.reference", (UnaryOperator<ConsentEvent>) e -> with(e,
                        b -> b.evidence = new Evidence(b.evidence.noticeId(), b.evidence.noticeHash(),
                                b.evidence.locale(), b.evidence.userAgent(), b.evidence.ip(), null))},
                new Object[] {"previousHash", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.previousHash = "f".repeat(64))},
                new Object[] {"hash", (UnaryOperator<ConsentEvent>) e -> with(e, b -> b.hash = "e".repeat(64))});
        return changes.stream().flatMap(c -> Stream.of(1, 3, 5).map(seq -> Arguments.of(c[0], seq, c[1])));
    }

    @ParameterizedTest(name = "{0} of event #{1}")
    @MethodSource("fieldChanges")
    void changingAnyFieldBreaksTheChainAtThatEvent(String field, long sequence, UnaryOperator<ConsentEvent> change) {
        recordFive();
        InMemoryTampering.replaceEvent(store, ALICE, sequence, change);

        ChainVerification v = consents.verify(ALICE);

        assertThat(v.intact()).as(field).isFalse();
        assertThat(v.firstBreak()).get().extracting(ChainVerification.Break::sequence).isEqualTo(sequence);
        assertThat(v.eventsChecked()).isEqualTo(sequence - 1);
    }

    @Test
    void aDeletedEventIsReported() {
        recordFive();
        InMemoryTampering.deleteEvent(store, ALICE, 3);
        ChainVerification v = consents.verify(ALICE);
        assertThat(v.firstBreak()).get().satisfies(b -> {
            assertThat(b.sequence()).isEqualTo(3);
            assertThat(b.problem()).contains("missing");
        });
    }

    @Test
    void aDeletedLastEventIsReportedAgainstTheChainHead() {
        recordFive();
        InMemoryTampering.deleteEvent(store, ALICE, 5);
        ChainVerification v = consents.verify(ALICE);
        assertThat(v.firstBreak()).get().satisfies(b -> {
            assertThat(b.sequence()).isEqualTo(5);
            assertThat(b.problem()).contains("head");
        });
    }

    @Test
    void reorderedEventsAreReported() {
        recordFive();
        List<ConsentEvent> events = consents.history(ALICE);
        ConsentEvent second = events.get(1);
        ConsentEvent third = events.get(2);
        // swap the contents of #2 and #3, keeping their positions: a rewrite of history
        InMemoryTampering.replaceEvent(store, ALICE, 2, e -> with(third, b -> b.sequence = 2));
        InMemoryTampering.replaceEvent(store, ALICE, 3, e -> with(second, b -> b.sequence = 3));
        assertThat(consents.verify(ALICE).firstBreak()).get().extracting(ChainVerification.Break::sequence).isEqualTo(2L);
    }

    @Test
    void aRecomputedForgeryStillBreaksAtTheNextLink() {
        recordFive();
        // a forger who rehashes the changed event cannot fix the link from the event after it
        InMemoryTampering.replaceEvent(store, ALICE, 2, e -> {
            ConsentEvent forged = with(e, b -> b.method = Method.IMPORT);
            return ConsentEvent.chain(forged.content(), 2, e.previousHash());
        });
        assertThat(consents.verify(ALICE).firstBreak()).get().extracting(ChainVerification.Break::sequence).isEqualTo(3L);
    }

    /** Mutable copy of an event's fields, to build tampered versions without validation shortcuts. */
    private static final class Fields {
        EventId id;
        SubjectId subject;
        long sequence;
        PurposeId purpose;
        int consentVersion;
        String policyVersion;
        Choice choice;
        Instant occurredAt;
        Instant recordedAt;
        Optional<Instant> expiresAt;
        Method method;
        Actor actor;
        OptionalInt declaredAge;
        Evidence evidence;
        String previousHash;
        String hash;
    }

    private static ConsentEvent with(ConsentEvent e, java.util.function.Consumer<Fields> change) {
        Fields b = new Fields();
        b.id = e.id();
        b.subject = e.subject();
        b.sequence = e.sequence();
        b.purpose = e.purpose();
        b.consentVersion = e.consentVersion();
        b.policyVersion = e.policyVersion();
        b.choice = e.choice();
        b.occurredAt = e.occurredAt();
        b.recordedAt = e.recordedAt();
        b.expiresAt = e.expiresAt();
        b.method = e.method();
        b.actor = e.actor();
        b.declaredAge = e.declaredAge();
        b.evidence = e.evidence();
        b.previousHash = e.previousHash();
        b.hash = e.hash();
        change.accept(b);
        return new ConsentEvent(b.id, b.subject, b.sequence, b.purpose, b.consentVersion, b.policyVersion, b.choice,
                b.occurredAt, b.recordedAt, b.expiresAt, b.method, b.actor, b.declaredAge, b.evidence, b.previousHash,
                b.hash);
    }
}
