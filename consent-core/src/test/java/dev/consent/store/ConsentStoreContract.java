package dev.consent.store;

import dev.consent.ConflictException;
import dev.consent.ConsentService;
import dev.consent.JurisdictionPolicies;
import dev.consent.ledger.SubjectLocation;
import dev.consent.Reason;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.LedgerInstants;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PurposeId;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The behaviour every {@link ConsentStore} must have. Each implementation's test extends this class and
 * supplies a fresh, empty store per test. Published in consent-core's test-jar.
 */
public abstract class ConsentStoreContract {
    private static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456Z");

    protected ConsentStore store;
    protected MutableClock clock;

    /** A new, empty store. Called before every test. */
    protected abstract ConsentStore createStore();

    /**
     * Empties the store's change feed behind its back, as an operator's {@code TRUNCATE} would; with
     * {@code restartPositions}, new entries start again from position 1, as after {@code TRUNCATE ... RESTART
     * IDENTITY} or a restore from a backup taken when the feed was empty.
     */
    protected abstract void truncateChangeFeed(boolean restartPositions) throws Exception;

    @BeforeEach
    void freshStore() {
        store = createStore();
        clock = new MutableClock(T0);
    }

    protected ConsentService service() {
        return ConsentService.builder().policy(ShopPolicy.v1()).store(store).clock(clock).build();
    }

    private static NewConsentEvent draft(String subject, PurposeId purpose, Choice choice, Instant at) {
        return new NewConsentEvent(EventId.random(), SubjectId.of(subject), purpose, 1, "1", choice, at, at,
                Optional.empty(), Method.CHECKBOX, Actor.SUBJECT, OptionalInt.empty(), Evidence.NONE);
    }

    private static List<ConsentEvent> chain(List<NewConsentEvent> drafts, long firstSequence, String previousHash) {
        List<ConsentEvent> out = new ArrayList<>();
        long seq = firstSequence;
        String prev = previousHash;
        for (NewConsentEvent d : drafts) {
            ConsentEvent e = ConsentEvent.chain(d, seq++, prev);
            prev = e.hash();
            out.add(e);
        }
        return out;
    }

    @Test
    void eventsReadBackExactlyAsAppended() {
        NewConsentEvent full = new NewConsentEvent(EventId.of("evt-1"), SubjectId.of("cust-1"),
                ShopPolicy.MARKETING_SMS, 3, "2024.1", Choice.GRANTED, T0, T0.plusMillis(1500),
                Optional.of(Instant.parse("2026-03-01T10:15:30.000001Z")), Method.WEB_FORM, Actor.GUARDIAN,
                OptionalInt.of(15),
                new Evidence("signup-v3", Evidence.hashOf("I agree to SMS offers"), "de-DE",
                        "Mozilla/5.0 (X11; Linux x86_64) \u202eevil\u202c", "203.0.113.0/24", "double-opt-in:9f8e"));
        NewConsentEvent bare = draft("cust-1", ShopPolicy.MARKETING, Choice.WITHDRAWN, T0.plusSeconds(60));
        List<ConsentEvent> events = chain(List.of(full, bare), 1, ConsentChain.GENESIS);

        assertThat(store.append(events).appended()).isTrue();

        assertThat(store.events(SubjectId.of("cust-1"), 0, 100)).containsExactlyElementsOf(events);
        assertThat(store.findEvents(List.of(EventId.of("evt-1"), EventId.of("nope"))))
                .containsOnlyKeys(EventId.of("evt-1")).containsValue(events.get(0));
        assertThat(store.heads(List.of(SubjectId.of("cust-1"), SubjectId.of("nobody"))))
                .containsExactly(Map.entry(SubjectId.of("cust-1"),
                        new ChainHead(SubjectId.of("cust-1"), 2, events.get(1).hash())));
        assertThat(ConsentChain.verify(SubjectId.of("cust-1"), events.iterator(),
                Optional.of(store.heads(List.of(SubjectId.of("cust-1"))).get(SubjectId.of("cust-1")))).intact()).isTrue();
    }

    @Test
    void aSubjectsLocationsAreStoredReadAsFactsAndDecideUnderTheirJurisdiction() {
        SubjectId carol = SubjectId.of("carol");
        try (ConsentService consents = ConsentService.builder().policy(JurisdictionPolicies.withJurisdictions())
                .store(store).clock(clock).build()) {
            ConsentEvent inCalifornia = consents.recordLocation(carol,
                    SubjectLocation.of("US-CA", SubjectLocation.Source.BILLING_COUNTRY),
                    Capture.by(Method.WEB_FORM).withEvidence(new Evidence(null, null, null, null, null, "address book #3")));
            Instant whileInCalifornia = clock.instant();
            assertThat(consents.checkUncached(carol, JurisdictionPolicies.ADS).reason())
                    .isEqualTo(dev.consent.Reason.JURISDICTION_OPT_OUT);
            clock.advance(java.time.Duration.ofDays(30));
            ConsentEvent inGermany = consents.recordLocation(carol,
                    SubjectLocation.of("DE", SubjectLocation.Source.DECLARED), Capture.by(Method.ACCOUNT_SETTINGS));

            assertThat(store.events(carol, 0, 10)).containsExactly(inCalifornia, inGermany);
            assertThat(store.decisionFacts(List.of(carol)).get(carol))
                    .containsExactlyInAnyOrder(ChoiceFact.of(inCalifornia), ChoiceFact.of(inGermany));
            assertThat(SubjectLocation.of(store.events(carol, 0, 10).get(1)))
                    .isEqualTo(SubjectLocation.of("DE", SubjectLocation.Source.DECLARED));
            dev.consent.Decision now = consents.checkUncached(carol, JurisdictionPolicies.ADS);
            assertThat(now.reason()).isEqualTo(dev.consent.Reason.NO_RECORD);
            assertThat(now.jurisdiction()).contains(dev.consent.policy.JurisdictionId.of("EEA"));
            assertThat(consents.check(carol, JurisdictionPolicies.ADS, whileInCalifornia).jurisdiction())
                    .contains(dev.consent.policy.JurisdictionId.of("US-CA"));
            assertThat(consents.verify(carol).intact()).isTrue();
        }
    }

    @Test
    void hostileStringsAreStoredVerbatim() {
        List<String> subjects = List.of("'; DROP TABLE events; --", "Robert\"); DELETE FROM heads;--",
                "\u05e9\u05dc\u05d5\u05dd \u202eabc", "zero\u200bwidth\ufeff", "emoji-\ud83d\ude00-\ud83c\udf89",
                "percent_%_and_underscore", "back\\slash", "x".repeat(SubjectId.MAX_LENGTH));
        List<ConsentEvent> all = new ArrayList<>();
        for (String s : subjects) {
            NewConsentEvent d = new NewConsentEvent(EventId.of("id-" + s.hashCode()), SubjectId.of(s),
                    ShopPolicy.MARKETING_EMAIL, 1, "v'1", Choice.GRANTED, T0, T0, Optional.empty(), Method.API,
                    Actor.AGENT, OptionalInt.empty(),
                    new Evidence("n'otice", null, "ar-EG", s, null, "ref \"quoted\" ' -- /* */"));
            all.addAll(chain(List.of(d), 1, ConsentChain.GENESIS));
        }
        assertThat(store.append(all).appended()).isTrue();
        for (ConsentEvent e : all) {
            assertThat(store.events(e.subject(), 0, 10)).containsExactly(e);
        }
        assertThat(store.decisionFacts(all.stream().map(ConsentEvent::subject).toList())).hasSize(subjects.size());
    }

    @Test
    void appendIsAllOrNothing() {
        List<ConsentEvent> first = chain(List.of(draft("a", ShopPolicy.MARKETING, Choice.GRANTED, T0)), 1,
                ConsentChain.GENESIS);
        assertThat(store.append(first).appended()).isTrue();
        ConsentStore.FeedCursor position = store.changeCursor();

        // b is new and fine; a's event claims sequence 1 again: the whole batch must be refused
        List<ConsentEvent> batch = new ArrayList<>();
        batch.addAll(chain(List.of(draft("b", ShopPolicy.MARKETING, Choice.GRANTED, T0)), 1, ConsentChain.GENESIS));
        batch.addAll(chain(List.of(draft("a", ShopPolicy.MARKETING, Choice.DENIED, T0)), 1, ConsentChain.GENESIS));
        ConsentStore.AppendResult result = store.append(batch);

        assertThat(result.appended()).isFalse();
        assertThat(result.headConflicts()).containsExactly(SubjectId.of("a"));
        assertThat(store.events(SubjectId.of("b"), 0, 10)).isEmpty();
        assertThat(store.heads(List.of(SubjectId.of("b")))).isEmpty();
        assertThat(store.findEvents(List.of(batch.get(0).id()))).isEmpty();
        assertThat(store.events(SubjectId.of("a"), 0, 10)).containsExactlyElementsOf(first);
        assertThat(store.changeCursor()).isEqualTo(position);
    }

    @Test
    void anEventIdIsStoredOnce() {
        NewConsentEvent d = draft("a", ShopPolicy.MARKETING, Choice.GRANTED, T0);
        assertThat(store.append(chain(List.of(d), 1, ConsentChain.GENESIS)).appended()).isTrue();
        ConsentEvent head = store.events(SubjectId.of("a"), 0, 1).get(0);

        ConsentStore.AppendResult again = store.append(chain(List.of(d), 2, head.hash()));

        assertThat(again.appended()).isFalse();
        assertThat(again.duplicateIds()).containsExactly(d.id());
        assertThat(store.events(SubjectId.of("a"), 0, 10)).hasSize(1);
    }

    @Test
    void aChainContinuesOnlyFromItsHead() {
        List<ConsentEvent> first = chain(List.of(draft("a", ShopPolicy.MARKETING, Choice.GRANTED, T0),
                draft("a", ShopPolicy.MARKETING, Choice.WITHDRAWN, T0.plusSeconds(1))), 1, ConsentChain.GENESIS);
        assertThat(store.append(first).appended()).isTrue();

        List<ConsentEvent> skipping = chain(List.of(draft("a", ShopPolicy.MARKETING, Choice.GRANTED, T0)), 4,
                first.get(1).hash());
        List<ConsentEvent> stale = chain(List.of(draft("a", ShopPolicy.MARKETING, Choice.GRANTED, T0)), 2,
                first.get(0).hash());
        assertThat(store.append(skipping).headConflicts()).containsExactly(SubjectId.of("a"));
        assertThat(store.append(stale).headConflicts()).containsExactly(SubjectId.of("a"));

        List<ConsentEvent> next = chain(List.of(draft("a", ShopPolicy.MARKETING, Choice.GRANTED, T0)), 3,
                first.get(1).hash());
        assertThat(store.append(next).appended()).isTrue();
        assertThat(store.events(SubjectId.of("a"), 0, 10)).extracting(ConsentEvent::sequence).containsExactly(1L, 2L, 3L);
    }

    @Test
    void eventsArePagedInSequenceOrder() {
        List<NewConsentEvent> drafts = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            drafts.add(draft("a", ShopPolicy.MARKETING, i % 2 == 0 ? Choice.GRANTED : Choice.WITHDRAWN,
                    T0.plusSeconds(25 - i))); // occurred-at deliberately descending: pages follow sequence
        }
        assertThat(store.append(chain(drafts, 1, ConsentChain.GENESIS)).appended()).isTrue();

        assertThat(store.events(SubjectId.of("a"), 0, 10)).extracting(ConsentEvent::sequence)
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(store.events(SubjectId.of("a"), 20, 10)).extracting(ConsentEvent::sequence)
                .containsExactly(21L, 22L, 23L, 24L, 25L);
        assertThat(store.events(SubjectId.of("a"), 25, 10)).isEmpty();
        assertThat(store.events(SubjectId.of("b"), 0, 10)).isEmpty();
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> store.events(SubjectId.of("a"), 0, 0)).isInstanceOf(dev.consent.InvalidValueException.class)
                .hasMessageContaining("limit");
        assertThatThrownBy(() -> store.readChanges(ConsentStore.FeedCursor.START, -1))
                .isInstanceOf(dev.consent.InvalidValueException.class);
    }

    @Test
    void linksAreIdempotentAndExclusive() {
        VisitorId visitor = VisitorId.of("1");
        SubjectId alice = SubjectId.of("alice");
        assertThat(store.link(visitor, alice, T0)).isEqualTo(ConsentStore.LinkResult.LINKED);
        assertThat(store.link(visitor, alice, T0.plusSeconds(5))).isEqualTo(ConsentStore.LinkResult.ALREADY_LINKED);
        assertThat(store.link(visitor, SubjectId.of("bob"), T0)).isEqualTo(ConsentStore.LinkResult.LINKED_ELSEWHERE);
        assertThat(store.customerOf(visitor)).contains(alice);
        assertThat(store.customerOf(VisitorId.of("alice"))).isEmpty();
        assertThat(store.visitorsOf(alice)).containsExactly(visitor);
        assertThat(store.visitorsOf(SubjectId.of("bob"))).isEmpty();
    }

    /**
     * The store keeps visitors and customers apart itself, whoever calls it: a customer in the visitor namespace (a
     * visitor's own subject id, which would chain visitors or link a visitor to itself) is refused before anything
     * is written.
     */
    @Test
    void aCustomerInTheVisitorNamespaceIsRefusedAndNothingIsWritten() {
        ConsentStore.FeedCursor start = store.changeCursor();
        VisitorId visitor = VisitorId.of("1");
        for (SubjectId customer : List.of(visitor.subject(), VisitorId.of("2").subject(), SubjectId.of("visitor:"))) {
            assertThatThrownBy(() -> store.link(visitor, customer, T0))
                    .isInstanceOf(dev.consent.InvalidValueException.class)
                    .hasMessageStartingWith("customer: <redacted");
        }
        assertThat(store.customerOf(visitor)).isEmpty();
        assertThat(store.visitorsOf(visitor.subject())).isEmpty();
        assertThat(store.changeCursor()).isEqualTo(start);
    }

    /**
     * Issue 12: a visitor id is whatever the client puts in its cookie. Before visitors had their own namespace,
     * linking "visitor" customer-42 to customer-666 made customer 42's own events count for 666 (and appear in
     * 666's access export), and made 42 a visitor that could no longer link a cookie of its own.
     */
    @Test
    void aVisitorIdThatSpellsACustomersIdNeverReachesThatCustomersLedger() {
        SubjectId victim = SubjectId.of("customer-42");
        SubjectId attacker = SubjectId.of("customer-666");
        List<ConsentEvent> victims = chain(List.of(draft("customer-42", ShopPolicy.ADS, Choice.GRANTED, T0)), 1,
                ConsentChain.GENESIS);
        assertThat(store.append(victims).appended()).isTrue();

        assertThat(store.link(VisitorId.of("customer-42"), attacker, T0)).isEqualTo(ConsentStore.LinkResult.LINKED);

                assertThat(store.decisionFacts(List.of(attacker)).get(attacker)).isEmpty();
        assertThat(store.link(VisitorId.of("b81c"), victim, T0)).isEqualTo(ConsentStore.LinkResult.LINKED);
        assertThat(store.visitorsOf(victim)).containsExactly(VisitorId.of("b81c"));
        assertThat(store.decisionFacts(List.of(victim)).get(victim)).containsExactly(ChoiceFact.of(victims.get(0)));
    }

    @Test
    void decisionFactsIncludeLinkedVisitorsKeyedByCustomer() {
        List<ConsentEvent> visitorEvents = chain(List.of(draft("visitor:1", ShopPolicy.ADS, Choice.DENIED, T0)), 1,
                ConsentChain.GENESIS);
        List<ConsentEvent> aliceEvents = chain(List.of(draft("alice", ShopPolicy.MARKETING, Choice.GRANTED, T0)), 1,
                ConsentChain.GENESIS);
        store.append(visitorEvents);
        store.append(aliceEvents);
        store.link(VisitorId.of("1"), SubjectId.of("alice"), T0);

        Map<SubjectId, List<ChoiceFact>> found = store.decisionFacts(
                List.of(SubjectId.of("alice"), SubjectId.of("nobody"), SubjectId.of("visitor:1")));

        assertThat(found.get(SubjectId.of("alice"))).containsExactlyInAnyOrder(ChoiceFact.of(visitorEvents.get(0)),
                ChoiceFact.of(aliceEvents.get(0)));
        assertThat(found.get(SubjectId.of("nobody"))).isEmpty();
        assertThat(found.get(SubjectId.of("visitor:1"))).containsExactly(ChoiceFact.of(visitorEvents.get(0)));
    }

    private static NewConsentEvent fact(String subject, PurposeId purpose, Choice choice, Instant at, int version,
            Optional<Instant> expiresAt, Method method, Actor actor, OptionalInt age) {
        return new NewConsentEvent(EventId.random(), SubjectId.of(subject), purpose, version, "2024.1", choice, at,
                at.plusMillis(250), expiresAt, method, actor, age,
                new Evidence("notice-7", Evidence.hashOf("notice text"), "de-DE", "agent", "203.0.113.0/24", "ref"));
    }

    @Test
    void decisionFactsAreTheFactsOfTheDecisionEvents() {
        Instant later = T0.plusSeconds(3_600);
        // alice: several purposes, an expiring grant, a GPC opt-out, a guardian's grant with a declared age, a
        // consent version above 1; two visitors linked to her, one of them with a GPC signal of its own
        List<ConsentEvent> alice = chain(List.of(
                fact("alice", ShopPolicy.MARKETING_EMAIL, Choice.GRANTED, T0, 2,
                        Optional.of(Instant.parse("2026-03-01T10:15:30.000001Z")), Method.WEB_FORM, Actor.SUBJECT,
                        OptionalInt.of(42)),
                fact("alice", ShopPolicy.ADS, Choice.DENIED, T0.plusSeconds(1), 1, Optional.empty(), Method.GPC,
                        Actor.SYSTEM, OptionalInt.empty()),
                fact("alice", ShopPolicy.CAMERA, Choice.GRANTED, T0.plusSeconds(2), 1, Optional.empty(),
                        Method.DEVICE_PERMISSION, Actor.GUARDIAN, OptionalInt.of(12)),
                fact("alice", ShopPolicy.MARKETING, Choice.WITHDRAWN, later, 1, Optional.empty(),
                        Method.UNSUBSCRIBE_LINK, Actor.SUBJECT, OptionalInt.empty()),
                fact("alice", ShopPolicy.ANALYTICS, Choice.RESTRICTED, later, 1, Optional.empty(),
                        Method.RIGHTS_REQUEST, Actor.AGENT, OptionalInt.empty())), 1, ConsentChain.GENESIS);
        List<ConsentEvent> visitor1 = chain(List.of(
                fact("visitor:1", ShopPolicy.ANALYTICS, Choice.GRANTED, T0.minusSeconds(60), 1, Optional.empty(),
                        Method.COOKIE_BANNER, Actor.SUBJECT, OptionalInt.empty()),
                fact("visitor:1", ShopPolicy.ADS, Choice.OBJECTED, T0.minusSeconds(30), 1, Optional.empty(),
                        Method.GPC, Actor.SYSTEM, OptionalInt.empty())), 1, ConsentChain.GENESIS);
        List<ConsentEvent> visitor2 = chain(List.of(
                fact("visitor:2", ShopPolicy.MARKETING_SMS, Choice.GRANTED, T0, 1,
                        Optional.of(later), Method.CHECKBOX, Actor.SUBJECT, OptionalInt.of(0))), 1,
                ConsentChain.GENESIS);
        // carol has no events of her own, only a linked visitor's; dan's visitor has none at all
        List<ConsentEvent> visitor3 = chain(List.of(
                fact("visitor:3", ShopPolicy.ANALYTICS, Choice.DENIED, T0, 1, Optional.empty(), Method.COOKIE_BANNER,
                        Actor.SUBJECT, OptionalInt.empty())), 1, ConsentChain.GENESIS);
        // erin's chain is pruned: only what is left of it decides
        List<ConsentEvent> erin = chain(List.of(
                fact("erin", ShopPolicy.MARKETING, Choice.GRANTED, T0, 1, Optional.empty(), Method.CHECKBOX,
                        Actor.SUBJECT, OptionalInt.empty()),
                fact("erin", ShopPolicy.MARKETING, Choice.DENIED, T0.plusSeconds(1), 1, Optional.empty(),
                        Method.CHECKBOX, Actor.SUBJECT, OptionalInt.empty())), 1, ConsentChain.GENESIS);
        List<ConsentEvent> all = new ArrayList<>();
        List.of(alice, visitor1, visitor2, visitor3, erin).forEach(all::addAll);
        // enough subjects, some with linked visitors, to span several chunks of a set-based read
        List<SubjectId> asked = new ArrayList<>(List.of(SubjectId.of("alice"), SubjectId.of("visitor:1"),
                SubjectId.of("visitor:2"), SubjectId.of("carol"), SubjectId.of("dan"), SubjectId.of("erin"),
                SubjectId.of("nobody"), SubjectId.of("alice")));
        for (int i = 0; i < 1_200; i++) {
            all.addAll(chain(List.of(fact("bulk-" + i, ShopPolicy.MARKETING_EMAIL, Choice.GRANTED, T0, 1 + i % 3,
                    Optional.empty(), Method.CHECKBOX, i % 5 == 0 ? Actor.GUARDIAN : Actor.SUBJECT,
                    i % 2 == 0 ? OptionalInt.of(i % 100) : OptionalInt.empty())), 1, ConsentChain.GENESIS));
            if (i % 7 == 0) {
                all.addAll(chain(List.of(fact("visitor:bulk-" + i, ShopPolicy.ADS, Choice.DENIED, T0, 1,
                        Optional.empty(), Method.GPC, Actor.SYSTEM, OptionalInt.empty())), 1, ConsentChain.GENESIS));
            }
            asked.add(SubjectId.of("bulk-" + i));
        }
        assertThat(store.append(all).appended()).isTrue();
        store.link(VisitorId.of("1"), SubjectId.of("alice"), T0);
        store.link(VisitorId.of("2"), SubjectId.of("alice"), T0);
        store.link(VisitorId.of("3"), SubjectId.of("carol"), T0);
        store.link(VisitorId.of("4"), SubjectId.of("dan"), T0);
        for (int i = 0; i < 1_200; i += 7) {
            store.link(VisitorId.of("bulk-" + i), SubjectId.of("bulk-" + i), T0);
        }
        byte[] key = "contract-test-key-16".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(store.prune(ChainCheckpoint.sign(SubjectId.of("erin"), 1, erin.get(0).hash(), T0.plusSeconds(5),
                T0, key))).isTrue();

        Map<SubjectId, List<ChoiceFact>> facts = store.decisionFacts(asked);

        assertThat(facts.keySet()).containsExactlyInAnyOrderElementsOf(new HashSet<>(asked));
        for (SubjectId s : new HashSet<>(asked)) {
            assertThat(facts.get(s)).as("facts of %s", s).containsExactlyInAnyOrderElementsOf(decidingEvents(s).stream()
                    .map(ChoiceFact::of).toList());
        }
        assertThat(facts.get(SubjectId.of("alice"))).hasSize(8).contains(ChoiceFact.of(visitor1.get(1)),
                ChoiceFact.of(visitor2.get(0)), ChoiceFact.of(alice.get(2)));
        assertThat(facts.get(SubjectId.of("alice"))).filteredOn(ChoiceFact::gpc).hasSize(2);
        assertThat(facts.get(SubjectId.of("alice"))).filteredOn(ChoiceFact::guardian).singleElement()
                .satisfies(f -> assertThat(f.declaredAge()).hasValue(12));
        assertThat(facts.get(SubjectId.of("visitor:1"))).containsExactlyInAnyOrderElementsOf(
                visitor1.stream().map(ChoiceFact::of).toList());
        assertThat(facts.get(SubjectId.of("carol"))).containsExactly(ChoiceFact.of(visitor3.get(0)));
        assertThat(facts.get(SubjectId.of("dan"))).isEmpty();
        assertThat(facts.get(SubjectId.of("nobody"))).isEmpty();
        assertThat(facts.get(SubjectId.of("erin"))).containsExactly(ChoiceFact.of(erin.get(1)));
        assertThat(facts.get(SubjectId.of("bulk-7"))).hasSize(2);
        assertThat(store.decisionFacts(List.of())).isEmpty();
        assertThat(store.decisionFacts(List.of(SubjectId.of("alice")))).containsOnlyKeys(SubjectId.of("alice"))
                .extractingByKey(SubjectId.of("alice")).asList().hasSize(8);
        // one subject at a time (stores may ask for a single subject differently): the same answers
        for (String one : List.of("alice", "visitor:1", "carol", "dan", "erin", "nobody", "bulk-7")) {
            SubjectId s = SubjectId.of(one);
            assertThat(store.decisionFacts(List.of(s)).get(s)).as("facts of %s alone", s)
                    .containsExactlyInAnyOrderElementsOf(facts.get(s));
        }
    }

    @Test
    void decisionFactsAnswerThousandsOfSubjects() {
        List<ConsentEvent> all = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            all.addAll(chain(List.of(draft("s" + i, ShopPolicy.MARKETING, Choice.GRANTED, T0)), 1, ConsentChain.GENESIS));
        }
        assertThat(store.append(all).appended()).isTrue();
        List<SubjectId> asked = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            asked.add(SubjectId.of("s" + i));
        }
        Map<SubjectId, List<ChoiceFact>> found = store.decisionFacts(asked);
        for (int i = 0; i < 3_000; i++) {
            assertThat(found.get(SubjectId.of("s" + i))).hasSize(i < 2_500 ? 1 : 0);
        }
    }

    @Test
    void theChangeFeedNamesEveryChangedSubjectInOrder() {
        ConsentStore.FeedCursor start = store.changeCursor();
        store.link(VisitorId.of("1"), SubjectId.of("alice"), T0);
        ConsentStore.AppendResult r = store.append(
                chain(List.of(draft("visitor:1", ShopPolicy.ADS, Choice.DENIED, T0)), 1, ConsentChain.GENESIS));
        store.append(chain(List.of(draft("bob", ShopPolicy.ADS, Choice.DENIED, T0)), 1, ConsentChain.GENESIS));

        assertThat(r.changedSubjects()).containsExactlyInAnyOrder(SubjectId.of("visitor:1"), SubjectId.of("alice"));
        List<ConsentStore.Change> changes = store.readChanges(start, 100).changes();
        assertThat(changes).extracting(ConsentStore.Change::subject).containsExactlyInAnyOrder(SubjectId.of("alice"),
                SubjectId.of("visitor:1"), SubjectId.of("alice"), SubjectId.of("bob"));
        assertThat(changes.get(0).subject()).isEqualTo(SubjectId.of("alice"));
        assertThat(changes.get(changes.size() - 1).subject()).isEqualTo(SubjectId.of("bob"));
        assertThat(changes).extracting(ConsentStore.Change::position).isSorted().doesNotHaveDuplicates()
                .allMatch(p -> p > start.position());
        assertThat(store.changeCursor().position()).isEqualTo(changes.get(changes.size() - 1).position());
        assertThat(store.readChanges(start, 2).changes()).containsExactlyElementsOf(changes.subList(0, 2));
        assertThat(store.readChanges(store.changeCursor(), 100).changes()).isEmpty();
    }

    /**
     * The events that decide {@code subject}'s consents, read by the store's plain reads: its own events and those of
     * the visitors linked to it (what {@link ConsentStore#decisionFacts} must answer, one fact per event).
     */
    private List<ConsentEvent> decidingEvents(SubjectId subject) {
        List<ConsentEvent> out = new ArrayList<>(store.events(subject, 0, 10_000));
        for (VisitorId v : store.visitorsOf(subject)) {
            out.addAll(store.events(v.subject(), 0, 10_000));
        }
        return out;
    }

    /** Appends one event to the subject's chain, after its current head. */
    private void appendNext(String subject, Choice choice, Instant at) {
        SubjectId s = SubjectId.of(subject);
        ChainHead head = store.heads(List.of(s)).get(s);
        assertThat(store.append(chain(List.of(draft(subject, ShopPolicy.ADS, choice, at)),
                head == null ? 1 : head.sequence() + 1, head == null ? ConsentChain.GENESIS : head.hash())).appended())
                .isTrue();
    }

    private List<SubjectId> feedSubjects() {
        return store.readChanges(ConsentStore.FeedCursor.START, 1_000).changes().stream()
                .map(ConsentStore.Change::subject).toList();
    }

    @Test
    void aCursorFollowsTheFeedPageByPage() {
        assertThat(store.changeCursor()).isEqualTo(ConsentStore.FeedCursor.START);
        assertThat(store.readChanges(ConsentStore.FeedCursor.START, 10))
                .isEqualTo(ConsentStore.ChangeRead.continued(List.of(), ConsentStore.FeedCursor.START));
        appendNext("a", Choice.GRANTED, T0);
        appendNext("b", Choice.GRANTED, T0);
        appendNext("c", Choice.GRANTED, T0);
        List<ConsentStore.Change> all = store.readChanges(ConsentStore.FeedCursor.START, 10).changes();

        ConsentStore.ChangeRead first = store.readChanges(ConsentStore.FeedCursor.START, 2);
        assertThat(first.continuous()).isTrue();
        assertThat(first.changes()).containsExactlyElementsOf(all.subList(0, 2));
        assertThat(first.next().position()).isEqualTo(all.get(1).position());
        ConsentStore.ChangeRead rest = store.readChanges(first.next(), 2);
        assertThat(rest.continuous()).isTrue();
        assertThat(rest.changes()).containsExactly(all.get(2));
        assertThat(rest.next()).isEqualTo(store.changeCursor());
        assertThat(store.readChanges(rest.next(), 2))
                .isEqualTo(ConsentStore.ChangeRead.continued(List.of(), rest.next()));
        assertThatThrownBy(() -> store.readChanges(rest.next(), 0)).isInstanceOf(dev.consent.InvalidValueException.class);
    }

    @Test
    void aCursorWhoseEntryWasTruncatedAwayIsLost() throws Exception {
        appendNext("a", Choice.GRANTED, T0);
        ConsentStore.FeedCursor at = store.changeCursor();
        truncateChangeFeed(false);
        assertThat(store.readChanges(at, 10)).isEqualTo(ConsentStore.ChangeRead.lost(ConsentStore.FeedCursor.START));

        appendNext("b", Choice.GRANTED, T0);
        ConsentStore.ChangeRead lost = store.readChanges(at, 10);
        assertThat(lost.continuous()).isFalse();
        assertThat(lost.changes()).isEmpty();
        assertThat(lost.next()).isEqualTo(store.changeCursor());
        assertThat(store.readChanges(lost.next(), 10).continuous()).isTrue();
        assertThat(store.readChanges(ConsentStore.FeedCursor.START, 10).changes()).extracting(ConsentStore.Change::subject)
                .containsExactly(SubjectId.of("b"));
    }

    /**
     * Positions went back (a restore, a restarted sequence) and forward again past the cursor before it was read:
     * another entry stands at the cursor's position, and only its stamp tells it apart.
     */
    @Test
    void aCursorIsLostWhenPositionsRestartAndPassIt() throws Exception {
        truncateChangeFeed(true);
        appendNext("a", Choice.GRANTED, T0);
        appendNext("b", Choice.GRANTED, T0);
        appendNext("c", Choice.GRANTED, T0);
        ConsentStore.FeedCursor at = store.changeCursor();

        truncateChangeFeed(true);
        for (String s : List.of("d", "e", "f", "g")) {
            appendNext(s, Choice.GRANTED, T0);
        }
        assertThat(store.changeCursor().position()).as("positions passed the cursor").isGreaterThan(at.position());
        ConsentStore.ChangeRead read = store.readChanges(at, 10);
        assertThat(read.continuous()).isFalse();
        assertThat(read.next()).isEqualTo(store.changeCursor());
    }

    @Test
    void pruningRemovesAnOldPrefixButNeverTheNewestEntry() {
        List<ConsentStore.FeedCursor> cursors = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            appendNext("s" + i, Choice.GRANTED, T0.plus(Duration.ofHours(i)));
            cursors.add(store.changeCursor());
        }
        assertThat(store.pruneChanges(T0)).as("nothing was written before T0").isZero();

        assertThat(store.pruneChanges(T0.plus(Duration.ofMinutes(90)))).isEqualTo(2);
        assertThat(feedSubjects()).containsExactly(SubjectId.of("s2"), SubjectId.of("s3"));
        assertThat(store.readChanges(cursors.get(0), 10).continuous()).as("a reader inside the pruned prefix").isFalse();
        assertThat(store.readChanges(cursors.get(1), 10).continuous()).isFalse();
        assertThat(store.readChanges(cursors.get(2), 10).changes()).extracting(ConsentStore.Change::subject)
                .containsExactly(SubjectId.of("s3"));

        assertThat(store.pruneChanges(T0.plus(Duration.ofDays(10)))).as("all old: the newest stays").isEqualTo(1);
        assertThat(feedSubjects()).containsExactly(SubjectId.of("s3"));
        assertThat(store.readChanges(cursors.get(3), 10))
                .isEqualTo(ConsentStore.ChangeRead.continued(List.of(), cursors.get(3)));
        assertThat(store.pruneChanges(T0.plus(Duration.ofDays(10)))).isZero();

        // only a prefix goes: an old entry written after a young one waits for it
        appendNext("young", Choice.GRANTED, T0.plus(Duration.ofDays(20)));
        appendNext("late", Choice.GRANTED, T0);
        assertThat(store.pruneChanges(T0.plus(Duration.ofDays(10)))).isEqualTo(1);
        assertThat(feedSubjects()).containsExactly(SubjectId.of("young"), SubjectId.of("late"));
        long next = store.changeCursor().position();
        appendNext("after", Choice.GRANTED, T0);
        assertThat(store.changeCursor().position()).as("positions continue after pruning").isGreaterThan(next);
    }

    @Test
    void erasingASubjectFromTheFeedRemovesItsOldEntriesAndCountsTheRest() {
        SubjectId alice = SubjectId.of("alice");
        appendNext("alice", Choice.GRANTED, T0);
        appendNext("bob", Choice.GRANTED, T0.plusSeconds(60));
        appendNext("alice", Choice.WITHDRAWN, T0.plus(Duration.ofHours(2)));
        ConsentStore.FeedCursor newest = store.changeCursor();

        assertThat(store.eraseChanges(alice, T0.plus(Duration.ofHours(1))))
                .as("the withdrawal is younger than the bound: it stays").isEqualTo(1);
        assertThat(feedSubjects()).containsExactly(alice);
        assertThat(store.eraseChanges(alice, T0.plus(Duration.ofHours(3)))).as("old enough now, newest or not").isZero();
        assertThat(feedSubjects()).isEmpty();
        assertThat(store.readChanges(newest, 10).continuous()).as("a reader at the erased entry notices").isFalse();
        assertThat(store.eraseChanges(SubjectId.of("bob"), T0.plus(Duration.ofHours(3)))).isZero();

        appendNext("carol", Choice.GRANTED, T0);
        assertThat(store.eraseChanges(alice, T0.plus(Duration.ofHours(3)))).as("another's newest entry stays").isZero();
        assertThat(feedSubjects()).containsExactly(SubjectId.of("carol"));
    }

    /** Node A reads the feed only when the test says so (nothing pushed, poll interval ten minutes). */
    private ConsentService nodeReadingTheFeedOnDemand() {
        return ConsentService.builder().policy(ShopPolicy.v1()).store(dev.consent.FeedPolling.withoutPush(store))
                .clock(clock).changeFeedPollInterval(Duration.ofMinutes(10)).build();
    }

    @Test
    void aNodeWhoseLastReadEntryWasTruncatedAwayDropsItsCache() throws Exception {
        SubjectId alice = SubjectId.of("alice");
        SubjectId bob = SubjectId.of("bob");
        try (ConsentService a = nodeReadingTheFeedOnDemand(); ConsentService b = service()) {
            b.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            b.grant(bob, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            dev.consent.FeedPolling.pollNow(a);
            assertThat(a.check(alice, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue(); // cached on A
            assertThat(a.check(bob, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();

            b.withdraw(alice, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            truncateChangeFeed(false); // the withdrawal's entry goes with the rest
            dev.consent.FeedPolling.pollNow(a);
            assertThat(a.check(alice, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);

            assertThat(a.check(bob, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue(); // cached again
            b.withdraw(bob, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            dev.consent.FeedPolling.pollNow(a);
            assertThat(a.check(bob, ShopPolicy.MARKETING_EMAIL).reason()).as("A follows the feed again")
                    .isEqualTo(Reason.WITHDRAWN);
        }
    }

    @Test
    void aNodeNoticesFeedPositionsThatRestartedAndPassedItsCursor() throws Exception {
        SubjectId alice = SubjectId.of("alice");
        truncateChangeFeed(true);
        try (ConsentService a = nodeReadingTheFeedOnDemand(); ConsentService b = service()) {
            for (String s : List.of("alice", "bob", "carol")) {
                b.grant(SubjectId.of(s), ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            }
            dev.consent.FeedPolling.pollNow(a);
            assertThat(a.check(alice, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue(); // cached on A

            truncateChangeFeed(true); // e.g. a restore from a backup: positions go back...
            b.withdraw(alice, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            for (String s : List.of("dave", "erin", "frank")) { // ...and forward past A's before A reads again
                b.grant(SubjectId.of(s), ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            }
            dev.consent.FeedPolling.pollNow(a);
            assertThat(a.check(alice, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
        }
    }

    @Test
    void aNodeBehindThePrunedPartOfTheFeedDropsItsCache() {
        SubjectId alice = SubjectId.of("alice");
        try (ConsentService a = nodeReadingTheFeedOnDemand(); ConsentService b = service()) {
            b.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            dev.consent.FeedPolling.pollNow(a);
            assertThat(a.check(alice, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue(); // cached on A

            clock.advance(Duration.ofMinutes(1));
            b.withdraw(alice, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            clock.advance(Duration.ofDays(2));
            b.grant(SubjectId.of("bob"), ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(b.pruneChangeFeed(Duration.ofDays(1))).as("alice's grant and withdrawal").isEqualTo(2);

            dev.consent.FeedPolling.pollNow(a);
            assertThat(a.check(alice, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);

            assertThatThrownBy(() -> a.pruneChangeFeed(Duration.ofMinutes(29)))
                    .isInstanceOf(dev.consent.InvalidValueException.class).hasMessageContaining("staleness bound");
            assertThatThrownBy(() -> b.pruneChangeFeed(Duration.ZERO))
                    .isInstanceOf(dev.consent.InvalidValueException.class).hasMessageContaining("olderThan");
            assertThat(a.eraseFromChangeFeed(SubjectId.of("bob"), Duration.ofDays(1)))
                    .as("bob's grant is younger than a day").isEqualTo(1);
            clock.advance(Duration.ofDays(1)); // bob's grant is now exactly a day old: not older than a day
            assertThat(a.eraseFromChangeFeed(SubjectId.of("bob"), Duration.ofDays(1))).isEqualTo(1);
            clock.advance(Duration.ofSeconds(1));
            assertThat(a.eraseFromChangeFeed(SubjectId.of("bob"), Duration.ofDays(1))).isZero();
        }
    }

    @Test
    void pruningReplacesAPrefixWithItsCheckpoint() {
        List<ConsentEvent> events = chain(List.of(draft("a", ShopPolicy.MARKETING, Choice.GRANTED, T0),
                draft("a", ShopPolicy.MARKETING, Choice.WITHDRAWN, T0.plusSeconds(1)),
                draft("a", ShopPolicy.MARKETING, Choice.GRANTED, T0.plusSeconds(2))), 1, ConsentChain.GENESIS);
        store.append(events);
        byte[] key = "contract-test-key-16".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        SubjectId a = SubjectId.of("a");

        ChainCheckpoint wrongHash = ChainCheckpoint.sign(a, 2, events.get(0).hash(), T0, T0, key);
        assertThat(store.prune(wrongHash)).isFalse();
        assertThat(store.events(a, 0, 10)).hasSize(3);

        ChainCheckpoint cp = ChainCheckpoint.sign(a, 2, events.get(1).hash(), T0.plusSeconds(5), T0.plusSeconds(2), key);
        assertThat(store.prune(cp)).isTrue();
        assertThat(store.checkpoint(a)).contains(cp);
        assertThat(store.events(a, 0, 10)).containsExactly(events.get(2));
        assertThat(store.findEvents(List.of(events.get(0).id()))).isEmpty();
        assertThat(store.heads(List.of(a)).get(a).sequence()).isEqualTo(3);
        assertThat(store.decisionFacts(List.of(a)).get(a)).containsExactly(ChoiceFact.of(events.get(2)));
        assertThat(store.prune(ChainCheckpoint.sign(a, 1, events.get(0).hash(), T0, T0, key)))
                .as("a checkpoint never moves back").isFalse();
        assertThat(store.checkpoint(SubjectId.of("b"))).isEmpty();
        assertThat(ConsentChain.verify(a, store.events(a, 0, 10).iterator(),
                Optional.of(store.heads(List.of(a)).get(a)), store.checkpoint(a), key).intact()).isTrue();
    }

    @Test
    void serviceDecidesFromStoredEvents() {
        try (ConsentService consents = service()) {
            SubjectId alice = SubjectId.of("alice");
            consents.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX)
                    .withEvidence(Evidence.builder().notice("signup", "Send me offers").ip("198.51.100.77").build()));
            clock.advance(Duration.ofMinutes(1));
            assertThat(consents.checkUncached(alice, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();
            consents.withdraw(alice, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));

            assertThat(consents.checkUncached(alice, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
            assertThat(consents.check(alice, ShopPolicy.MARKETING_EMAIL, T0.plusSeconds(30)).allowed()).isTrue();
            assertThat(consents.history(alice).get(0).evidence().ip()).isEqualTo("198.51.100.0/24");
            assertThat(consents.verify(alice).intact()).isTrue();
        }
    }

    /** Cal. Code Regs. tit. 11, § 7025(c)(3): an overridden GPC signal reads back as such from every store. */
    @Test
    void anOverriddenGpcSignalReadsBackAsOverridden() {
        try (ConsentService consents = service()) {
            SubjectId alice = SubjectId.of("alice");
            consents.grant(alice, ShopPolicy.ADS, Capture.by(Method.ACCOUNT_SETTINGS));
            clock.advance(Duration.ofMinutes(1));
            consents.applyGpc(alice, GpcSignal.received());

            assertThat(consents.history(alice)).filteredOn(e -> e.purpose().equals(ShopPolicy.ADS))
                    .extracting(ConsentEvent::choice).containsExactly(Choice.GRANTED, Choice.GPC_OVERRIDDEN);
            assertThat(consents.checkUncached(alice, ShopPolicy.ADS).reason()).isEqualTo(Reason.GRANTED);
            assertThat(consents.verify(alice).intact()).isTrue();
        }
    }

    @Test
    void aDuplicateDeliveryIsRecordedOnce() {
        try (ConsentService consents = service()) {
            SubjectId alice = SubjectId.of("alice");
            Capture fromApp = Capture.by(Method.DEVICE_PERMISSION).withEventId("app-42").at(T0.minusSeconds(3600));
            ConsentEvent first = consents.grant(alice, ShopPolicy.CAMERA, fromApp.withDeclaredAge(30));
            clock.advance(Duration.ofMinutes(5));
            ConsentEvent again = consents.grant(alice, ShopPolicy.CAMERA, fromApp.withDeclaredAge(30));

            assertThat(again).isEqualTo(first);
            assertThat(consents.history(alice)).hasSize(1);
            assertThatThrownBy(() -> consents.deny(alice, ShopPolicy.CAMERA, fromApp))
                    .isInstanceOf(ConflictException.class).hasMessageStartingWith("eventId: <redacted: 6 chars")
                    .hasMessageNotContaining("app-42");
            assertThat(consents.history(alice)).hasSize(1);
        }
    }

    @Test
    void concurrentWritersOnTwoNodesNeverForkAChain() throws Exception {
        List<SubjectId> subjects = List.of(SubjectId.of("s1"), SubjectId.of("s2"), SubjectId.of("s3"));
        int threads = 8;
        int perThread = 25;
        List<ConsentEvent> returned = Collections.synchronizedList(new ArrayList<>());
        try (ConsentService nodeA = service(); ConsentService nodeB = service()) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                ConsentService node = t % 2 == 0 ? nodeA : nodeB;
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        SubjectId s = subjects.get((thread + i) % subjects.size());
                        Choice c = i % 2 == 0 ? Choice.GRANTED : Choice.WITHDRAWN;
                        returned.addAll(node.record(List.of(
                                new ChoiceRecord(s, ShopPolicy.MARKETING_EMAIL, c, Capture.by(Method.API)),
                                new ChoiceRecord(subjects.get(0), ShopPolicy.MARKETING_SMS, c, Capture.by(Method.API)))));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();

            long total = 0;
            Set<EventId> stored = new HashSet<>();
            for (SubjectId s : subjects) {
                assertThat(nodeA.verify(s).intact()).as("chain of %s", s).isTrue();
                List<ConsentEvent> history = nodeB.history(s);
                total += history.size();
                history.forEach(e -> stored.add(e.id()));
            }
            assertThat(total).isEqualTo((long) threads * perThread * 2);
            assertThat(returned).hasSize(threads * perThread * 2);
            assertThat(returned).allMatch(e -> stored.contains(e.id()));
        }
    }

    // ------------------------------------------------------------------ issue 12: decisions never fail open

    @Test
    void instantsAtTheEndsOfTheLedgerRangeReadBackExactly() {
        // 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z, the second a common way of writing "never"
        NewConsentEvent earliest = new NewConsentEvent(EventId.of("range-1"), SubjectId.of("ranges"),
                ShopPolicy.MARKETING_EMAIL, 1, "1", Choice.GRANTED, LedgerInstants.MIN, LedgerInstants.MIN,
                Optional.of(LedgerInstants.MAX), Method.IMPORT, Actor.SUBJECT, OptionalInt.empty(), Evidence.NONE);
        NewConsentEvent latest = new NewConsentEvent(EventId.of("range-2"), SubjectId.of("ranges"),
                ShopPolicy.MARKETING_SMS, 1, "1", Choice.WITHDRAWN, LedgerInstants.MAX, LedgerInstants.MAX,
                Optional.empty(), Method.IMPORT, Actor.SUBJECT, OptionalInt.empty(), Evidence.NONE);
        NewConsentEvent nanosOverflow = new NewConsentEvent(EventId.of("range-3"), SubjectId.of("ranges"),
                ShopPolicy.ADS, 1, "1", Choice.GRANTED, Instant.parse("2262-04-11T23:47:16.854776Z"),
                Instant.parse("2262-04-11T23:47:16.854776Z"), Optional.of(Instant.parse("2300-01-01T00:00:00Z")),
                Method.IMPORT, Actor.SUBJECT, OptionalInt.empty(), Evidence.NONE);
        List<ConsentEvent> events = chain(List.of(earliest, latest, nanosOverflow), 1, ConsentChain.GENESIS);
        assertThat(store.append(events).appended()).isTrue();

        SubjectId s = SubjectId.of("ranges");
        assertThat(store.events(s, 0, 10)).containsExactlyElementsOf(events);
        assertThat(store.findEvents(List.of(EventId.of("range-1"), EventId.of("range-2"))).values())
                .containsExactlyInAnyOrder(events.get(0), events.get(1));
        assertThat(store.decisionFacts(List.of(s)).get(s))
                .containsExactlyInAnyOrderElementsOf(events.stream().map(ChoiceFact::of).toList());
        assertThat(ConsentChain.verify(s, store.events(s, 0, 10).iterator(),
                Optional.of(store.heads(List.of(s)).get(s))).intact()).isTrue();
    }

    @Test
    void anEventOutsideTheLedgerRangeIsRefusedWhole() {
        ConsentEvent valid = chain(List.of(draft("out-of-range", ShopPolicy.MARKETING, Choice.GRANTED, T0)), 1,
                ConsentChain.GENESIS).get(0);
        ConsentEvent beforeEpoch = new ConsentEvent(valid.id(), valid.subject(), 1, valid.purpose(), 1, "1",
                Choice.GRANTED, Instant.parse("1969-12-31T23:59:59.999999Z"), T0, Optional.empty(), Method.IMPORT,
                Actor.SUBJECT, OptionalInt.empty(), Evidence.NONE, ConsentChain.GENESIS, valid.hash());
        ConsentEvent afterYear9999 = new ConsentEvent(EventId.of("out-2"), SubjectId.of("out-of-range-2"), 1,
                valid.purpose(), 1, "1", Choice.GRANTED, T0, T0, Optional.of(Instant.parse("+10000-01-01T00:00:00Z")),
                Method.IMPORT, Actor.SUBJECT, OptionalInt.empty(), Evidence.NONE, ConsentChain.GENESIS, valid.hash());
        ConsentEvent ok = chain(List.of(draft("in-range", ShopPolicy.MARKETING, Choice.GRANTED, T0)), 1,
                ConsentChain.GENESIS).get(0);

        assertThatThrownBy(() -> store.append(List.of(ok, beforeEpoch)))
                .isInstanceOfSatisfying(dev.consent.InvalidValueException.class,
                        e -> assertThat(e.field()).isEqualTo("occurredAt"));
        assertThatThrownBy(() -> store.append(List.of(afterYear9999, ok)))
                .isInstanceOfSatisfying(dev.consent.InvalidValueException.class,
                        e -> assertThat(e.field()).isEqualTo("expiresAt"));
        assertThat(store.heads(List.of(valid.subject(), afterYear9999.subject(), ok.subject()))).isEmpty();
        assertThat(store.findEvents(List.of(ok.id(), valid.id(), afterYear9999.id()))).isEmpty();
    }

    @Test
    void decisionFactsOfSomePurposesHoldEveryFactOfThemAndEveryAgeDeclaration() {
        List<ConsentEvent> visitor = chain(List.of(draft("visitor:v1", ShopPolicy.MARKETING, Choice.DENIED, T0),
                draft("visitor:v1", ShopPolicy.ADS, Choice.GRANTED, T0.plusSeconds(1))), 1, ConsentChain.GENESIS);
        List<ConsentEvent> alice = chain(List.of(draft("alice", ShopPolicy.MARKETING_EMAIL, Choice.GRANTED, T0),
                draft("alice", ShopPolicy.ANALYTICS, Choice.GRANTED, T0.plusSeconds(1)),
                fact("alice", ShopPolicy.LOYALTY, Choice.GRANTED, T0.plusSeconds(2), 1, Optional.empty(),
                        Method.CHECKBOX, Actor.SUBJECT, OptionalInt.of(17))), 1, ConsentChain.GENESIS);
        store.append(visitor);
        store.append(alice);
        store.link(VisitorId.of("v1"), SubjectId.of("alice"), T0);
        SubjectId a = SubjectId.of("alice");
        SubjectId nobody = SubjectId.of("nobody");
        Set<PurposeId> lineage = Set.of(ShopPolicy.MARKETING_EMAIL, ShopPolicy.MARKETING);

        Map<SubjectId, List<ChoiceFact>> narrowed = store.decisionFacts(List.of(a, nobody), lineage);

        assertThat(narrowed.get(nobody)).isEmpty();
        List<ChoiceFact> all = store.decisionFacts(List.of(a)).get(a);
        // at least the lineage's facts, own and linked, and the age declared on another purpose; nothing not stored
        assertThat(narrowed.get(a)).contains(ChoiceFact.of(alice.get(0)), ChoiceFact.of(visitor.get(0)),
                ChoiceFact.of(alice.get(2)));
        assertThat(all).containsAll(narrowed.get(a));
        assertThatThrownBy(() -> store.decisionFacts(List.of(a), Set.of()))
                .isInstanceOfSatisfying(dev.consent.InvalidValueException.class,
                        e -> assertThat(e.field()).isEqualTo("purposes"));
    }

    /**
     * A bulk decision reads only what the asked purpose's decision reads (its lineage and age declarations) and
     * decides it through the same fold as a check: on ledgers that exercise every rule that reads other events, the
     * two agree for every subject and purpose.
     */
    @Test
    void bulkDecisionsEqualChecksForEverySubjectAndPurpose() {
        SubjectId parentRefused = SubjectId.of("parent-refused");
        SubjectId restricted = SubjectId.of("restricted");
        SubjectId minor = SubjectId.of("minor");
        SubjectId born = SubjectId.of("born");
        SubjectId linked = SubjectId.of("linked");
        SubjectId visitor = VisitorId.of("phone").subject();
        SubjectId gpc = SubjectId.of("gpc");
        SubjectId plain = SubjectId.of("plain");
        List<SubjectId> all = List.of(parentRefused, restricted, minor, born, linked, visitor, gpc, plain,
                SubjectId.of("unknown"));
        try (ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1WithServiceMinimumAge(16))
                .store(store).clock(clock).build()) {
            Capture box = Capture.by(Method.CHECKBOX).withDeclaredAge(30);
            for (SubjectId s : List.of(parentRefused, restricted, linked, gpc, plain)) {
                consents.grant(s, ShopPolicy.MARKETING_EMAIL, box);
                consents.grant(s, ShopPolicy.ANALYTICS, Capture.by(Method.CHECKBOX));
            }
            clock.advance(Duration.ofMinutes(1));
            consents.deny(parentRefused, ShopPolicy.MARKETING, Capture.by(Method.ACCOUNT_SETTINGS));
            consents.restrict(restricted, Capture.by(Method.RIGHTS_REQUEST));
            consents.grant(minor, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX).withDeclaredAge(30));
            clock.advance(Duration.ofMinutes(1));
            // an age declared on another purpose's capture, and one declared on its own, decide every purpose
            consents.grant(minor, ShopPolicy.ANALYTICS, Capture.by(Method.CHECKBOX).withDeclaredAge(14));
            consents.grant(born, ShopPolicy.ANALYTICS, Capture.by(Method.CHECKBOX));
            consents.declareAge(born, dev.consent.ledger.AgeDeclaration.bornOn(java.time.LocalDate.of(2015, 1, 1)),
                    Capture.by(Method.ACCOUNT_SETTINGS));
            consents.deny(visitor, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.COOKIE_BANNER));
            consents.link(VisitorId.of("phone"), linked);
            consents.applyGpc(gpc, GpcSignal.received());
            clock.advance(Duration.ofMinutes(1));

            for (PurposeId purpose : ShopPolicy.v1().purposes().stream().map(p -> p.id()).toList()) {
                consents.invalidateCache(); // bulk decisions read the store, narrowed to the purpose
                Map<SubjectId, dev.consent.Decision> bulk = consents.checkAll(all, purpose);
                for (SubjectId s : all) {
                    dev.consent.Decision one = consents.checkUncached(s, purpose);
                    assertThat(bulk.get(s)).as(s + " for " + purpose).isEqualTo(one);
                }
            }
            assertThat(consents.checkAll(all, ShopPolicy.MARKETING_EMAIL).get(parentRefused).reason())
                    .isEqualTo(Reason.DENIED);
            assertThat(consents.checkAll(all, ShopPolicy.MARKETING_EMAIL).get(minor).reason())
                    .isEqualTo(Reason.UNDER_AGE);
            assertThat(consents.checkAll(all, ShopPolicy.ANALYTICS).get(born).reason()).isEqualTo(Reason.UNDER_AGE);
            assertThat(consents.checkAll(all, ShopPolicy.MARKETING_EMAIL).get(restricted).reason())
                    .isEqualTo(Reason.RESTRICTED);
            assertThat(consents.checkAll(all, ShopPolicy.MARKETING_EMAIL).get(linked).reason())
                    .isEqualTo(Reason.DENIED);
        }
    }

    /**
     * A recorded location decides the subject's jurisdiction, and with it the mechanism of every purpose: a bulk
     * decision, which reads only what the purpose's decision reads, must read locations as a check does (before, a
     * Californian's targeted advertising was decided in bulk under the strictest rules while a check allowed it).
     */
    @Test
    void bulkDecisionsFollowEachSubjectsRecordedLocation() {
        SubjectId californian = SubjectId.of("californian");
        SubjectId movedToGermany = SubjectId.of("moved");
        SubjectId viaVisitor = SubjectId.of("via-visitor");
        SubjectId unplaced = SubjectId.of("unplaced");
        List<SubjectId> all = List.of(californian, movedToGermany, viaVisitor, unplaced);
        dev.consent.policy.Policy policy = dev.consent.JurisdictionPolicies.withJurisdictions();
        try (ConsentService consents = ConsentService.builder().policy(policy).store(store).clock(clock).build()) {
            Capture settings = Capture.by(Method.ACCOUNT_SETTINGS);
            consents.recordLocation(californian, dev.consent.ledger.SubjectLocation.of("US-CA",
                    dev.consent.ledger.SubjectLocation.Source.BILLING_COUNTRY), settings);
            consents.recordLocation(movedToGermany, dev.consent.ledger.SubjectLocation.of("US-CA",
                    dev.consent.ledger.SubjectLocation.Source.BILLING_COUNTRY), settings);
            consents.recordLocation(VisitorId.of("tablet").subject(), dev.consent.ledger.SubjectLocation.of("US-CA",
                    dev.consent.ledger.SubjectLocation.Source.GEOLOCATION), settings);
            consents.link(VisitorId.of("tablet"), viaVisitor);
            clock.advance(Duration.ofMinutes(1));
            consents.recordLocation(movedToGermany, dev.consent.ledger.SubjectLocation.of("DE",
                    dev.consent.ledger.SubjectLocation.Source.DECLARED), settings);
            clock.advance(Duration.ofMinutes(1));

            for (PurposeId purpose : policy.purposes().stream().map(p -> p.id()).toList()) {
                consents.invalidateCache();
                Map<SubjectId, dev.consent.Decision> bulk = consents.checkAll(all, purpose);
                for (SubjectId s : all) {
                    assertThat(bulk.get(s)).as(s + " for " + purpose).isEqualTo(consents.checkUncached(s, purpose));
                }
            }
            consents.invalidateCache();
            Map<SubjectId, dev.consent.Decision> ads = consents.checkAll(all, dev.consent.JurisdictionPolicies.ADS);
            assertThat(ads.get(californian).allowed()).as("opt-out in California: allowed until refused").isTrue();
            assertThat(ads.get(movedToGermany).allowed()).as("opt-in in Germany").isFalse();
            assertThat(ads.get(unplaced).allowed()).as("the strictest rules").isFalse();
        }
    }

    @Test
    void checksAnswerForChoicesAndExpiriesUpToTheEndOf9999() {
        // Before issue 12 every check of such a subject threw ArithmeticException (microseconds counted through
        // nanoseconds, which end in 2262), and so did every bulk check and campaign filter that included it.
        SubjectId alice = SubjectId.of("alice");
        SubjectId visitor = dev.consent.ledger.VisitorId.of("alice-phone").subject();
        SubjectId bob = SubjectId.of("bob");
        try (ConsentService consents = service()) {
            consents.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX).expiringAt(LedgerInstants.MAX));
            consents.grant(bob, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            clock.set(Instant.parse("2300-01-01T00:00:00Z"));
            consents.deny(visitor, ShopPolicy.ADS, Capture.by(Method.COOKIE_BANNER));
            consents.link(dev.consent.ledger.VisitorId.from(visitor).orElseThrow(), alice);
            clock.advance(Duration.ofDays(1));

            assertThat(consents.check(alice, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.GRANTED);
            assertThat(consents.checkUncached(alice, ShopPolicy.ADS).reason()).isEqualTo(Reason.DENIED);
            assertThat(consents.checkAll(List.of(bob, alice), ShopPolicy.MARKETING_EMAIL).values())
                    .extracting(dev.consent.Decision::reason).containsExactly(Reason.GRANTED, Reason.GRANTED);
            assertThat(consents.filterAllowed(List.of(bob, alice, visitor), ShopPolicy.ADS)).isEmpty();
            assertThat(consents.filterAllowed(List.of(bob, alice, visitor), ShopPolicy.MARKETING_EMAIL))
                    .containsExactly(bob, alice);
            assertThat(consents.check(alice, ShopPolicy.MARKETING_EMAIL, LedgerInstants.MAX.minusNanos(1_000))
                    .reason()).isEqualTo(Reason.GRANTED);
            assertThat(consents.check(alice, ShopPolicy.MARKETING_EMAIL, LedgerInstants.MAX).reason())
                    .isEqualTo(Reason.EXPIRED);
            assertThatThrownBy(() -> consents.check(alice, ShopPolicy.MARKETING_EMAIL,
                    Instant.parse("+10000-01-01T00:00:00Z")))
                    .isInstanceOfSatisfying(dev.consent.InvalidValueException.class,
                            e -> assertThat(e.field()).isEqualTo("at"));
            assertThat(consents.withdrawAll(alice, Capture.by(Method.RIGHTS_REQUEST)))
                    .extracting(ConsentEvent::purpose).containsExactly(ShopPolicy.MARKETING_EMAIL);
            assertThat(consents.checkUncached(alice, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
        }
    }

    @Test
    void aRefusalRecordedAfterAGrantWinsOverItAcrossLinkedChains() {
        // the customer's phone runs 4 s fast; a second later the same person denies on a linked visitor's chain
        SubjectId customer = SubjectId.of("customer");
        SubjectId visitor = dev.consent.ledger.VisitorId.of("customer-browser").subject();
        try (ConsentService consents = service()) {
            consents.link(dev.consent.ledger.VisitorId.from(visitor).orElseThrow(), customer);
            consents.grant(customer, ShopPolicy.MARKETING_EMAIL,
                    Capture.by(Method.DEVICE_PERMISSION).at(T0.plusSeconds(4)));
            clock.advance(Duration.ofSeconds(1));
            ConsentEvent deny = consents.deny(visitor, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.COOKIE_BANNER));
            clock.advance(Duration.ofSeconds(10));

            assertThat(consents.checkUncached(customer, ShopPolicy.MARKETING_EMAIL).decidingEvent()).contains(deny.ref());
            assertThat(consents.check(customer, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.DENIED);
            assertThat(consents.filterAllowed(List.of(customer), ShopPolicy.MARKETING_EMAIL)).isEmpty();

            // a grant made and recorded after the denial wins, on either chain
            clock.advance(Duration.ofSeconds(1));
            ConsentEvent again = consents.grant(customer, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(consents.checkUncached(customer, ShopPolicy.MARKETING_EMAIL).decidingEvent()).contains(again.ref());
        }
    }

    @Test
    void aRefusalTiedWithAGrantAcrossLinkedChainsWins() {
        // ids chosen so that the old tie-break (sequence, then subject id) let the customer's grant win
        SubjectId customer = SubjectId.of("zz-customer");
        SubjectId visitor = dev.consent.ledger.VisitorId.of("aa-visitor").subject();
        Instant t = T0.minusSeconds(60);
        try (ConsentService consents = service()) {
            consents.record(List.of(
                    new ChoiceRecord(customer, ShopPolicy.ADS, Choice.GRANTED, Capture.by(Method.CHECKBOX).at(t)),
                    new ChoiceRecord(visitor, ShopPolicy.ADS, Choice.DENIED, Capture.by(Method.COOKIE_BANNER).at(t))));
            consents.link(dev.consent.ledger.VisitorId.from(visitor).orElseThrow(), customer);
            assertThat(consents.checkUncached(customer, ShopPolicy.ADS).reason()).isEqualTo(Reason.DENIED);
            assertThat(consents.check(customer, ShopPolicy.ADS, t).decidingEvent())
                    .contains(new dev.consent.ledger.EventRef(visitor, 1));
        }
    }
}
