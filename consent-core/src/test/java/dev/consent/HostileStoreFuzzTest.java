package dev.consent;

import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.Capture;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A store that answers with whatever a damaged database, a buggy store implementation or another writer could give
 * back: decision facts with instants from {@link Instant#MIN} to {@link Instant#MAX} (across the nanosecond limit of
 * 2262 and the end of 9999), sequences up to 2^40, any consent version and age, unknown purposes, GPC grants, facts
 * of subjects nobody asked for, nulls where lists belong, and every kind of runtime exception. Every check
 * ({@code check}, {@code checkUncached}, {@code check at}, {@code checkAll}, {@code allowed}) must answer or throw one of
 * its documented exceptions; so must {@code withdrawAll} and {@code applyGpc}, which decide on the same facts. And
 * an "allowed" on consent must rest on a grant the store really returned, in force at the instant asked about.
 *
 * <p>Seeded: {@code -Dconsent.fuzz.seed=N} (default 20250612) and {@code -Dconsent.fuzz.rounds=N} (default 3,000).
 * Before the fix this found {@link ArithmeticException} (instants after 2262), {@link IllegalStateException}
 * (sequences beyond 2^40) and {@link NullPointerException} (null lists and arguments) escaping checks.
 */
class HostileStoreFuzzTest {
    private static final long SEED = Long.getLong("consent.fuzz.seed", 20250612L);
    private static final int ROUNDS = Integer.getInteger("consent.fuzz.rounds", 3_000);
    private static final Instant NOW = Instant.parse("2025-06-12T09:30:00Z");
    private static final Policy POLICY = ShopPolicy.v1();
    private static final List<PurposeId> PURPOSES = POLICY.purposes().stream().map(Purpose::id).toList();

    /** The instants that break arithmetic: the ends of Instant, of nanoseconds since 1970, of the ledger's range. */
    private static final List<Instant> EDGES = List.of(Instant.MIN, Instant.MAX, Instant.EPOCH,
            Instant.EPOCH.minusNanos(1), Instant.parse("1900-01-01T00:00:00Z"), Instant.parse("0001-01-01T00:00:00Z"),
            Instant.ofEpochSecond(0, Long.MAX_VALUE), Instant.ofEpochSecond(0, Long.MAX_VALUE).plusNanos(1),
            Instant.ofEpochSecond(0, Long.MIN_VALUE), Instant.ofEpochSecond(0, Long.MIN_VALUE).minusNanos(1),
            Instant.parse("2300-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.999999Z"),
            Instant.parse("9999-12-31T23:59:59.999999999Z"), Instant.parse("+10000-01-01T00:00:00Z"),
            Instant.ofEpochSecond(Long.MAX_VALUE / 1_000_000), Instant.ofEpochSecond(-Long.MAX_VALUE / 1_000_000),
            NOW, NOW.minusNanos(1), NOW.plusNanos(1), NOW.minusSeconds(3600), NOW.plusSeconds(3600));

    /** What the store does on the next read. */
    enum Mode {
        FACTS, THROW, NULL_MAP, MISSING_KEY, NULL_LIST, NULL_ELEMENT
    }

    @Test
    void checksThrowOnlyTheirDocumentedExceptionsWhateverTheStoreHolds() {
        Random rnd = new Random(SEED);
        HostileStore store = new HostileStore();
        Map<String, Integer> outcomes = new TreeMap<>();
        try (ConsentService service = ConsentService.builder().policy(POLICY).store(store)
                .clock(new MutableClock(NOW)).cacheSize(rnd.nextBoolean() ? 0 : 1_000).build()) {
            for (int round = 0; round < ROUNDS; round++) {
                long roundSeed = rnd.nextLong();
                Random r = new Random(roundSeed);
                SubjectId subject = SubjectId.of("s" + round);
                store.prepare(r, subject);
                PurposeId purpose = PURPOSES.get(r.nextInt(PURPOSES.size()));
                Supplier<String> where = () -> "seed " + SEED + ", round seed " + roundSeed + ", purpose " + purpose
                        + ", store " + store.describe();
                int call = r.nextInt(8);
                Instant at = call == 2 ? EDGES.get(r.nextInt(EDGES.size())) : NOW;
                try {
                    Object answer = switch (call) {
                        case 0 -> service.check(subject, purpose);
                        case 1 -> service.checkUncached(subject, purpose);
                        case 2 -> service.check(subject, purpose, at);
                        case 3 -> service.checkAll(List.of(subject, SubjectId.of("other-" + round)), purpose)
                                .get(subject);
                        case 4 -> service.filterAllowed(List.of(subject), purpose);
                        case 5 -> service.withdrawAll(subject, Capture.by(Method.RIGHTS_REQUEST));
                        case 6 -> service.applyGpc(subject, GpcSignal.received());
                        default -> service.check(subject, PurposeId.of("not.declared"));
                    };
                    if (answer instanceof Decision d) {
                        soundIfAllowed(d, store.served(subject), at, where);
                        if (d.allowed() && d.basis() == LegalBasis.CONSENT) {
                            outcomes.merge("allowedOnConsent", 1, Integer::sum);
                        }
                    }
                    outcomes.merge("answered", 1, Integer::sum);
                } catch (ConsentException e) {
                    Set<Class<?>> documented = switch (call) {
                        case 2 -> Set.of(StoreException.class, InvalidValueException.class,
                                EvidencePrunedException.class);
                        case 5, 6 -> Set.of(StoreException.class, InvalidValueException.class, ConflictException.class);
                        case 7 -> Set.of(UnknownPurposeException.class);
                        default -> Set.of(StoreException.class);
                    };
                    if (!documented.contains(e.getClass())) {
                        fail("call " + call + " threw an undocumented " + e + "; " + where.get(), e);
                    }
                    if (e instanceof InvalidValueException invalid && call == 2) {
                        assertThat(invalid.field()).as(where.get()).isEqualTo("at");
                    }
                    outcomes.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                } catch (RuntimeException e) {
                    fail("call " + call + " let " + e + " escape; " + where.get(), e);
                }
                service.invalidateCache();
            }
        }
        System.out.println("[reliability] HostileStoreFuzzTest seed=" + SEED + " rounds=" + ROUNDS + " " + outcomes);
        assertThat(outcomes).containsKeys("answered", "StoreException", "InvalidValueException",
                "EvidencePrunedException", "UnknownPurposeException");
    }

    /**
     * An allowed consent decision rests on a non-GPC grant for the purpose that the store returned, made at or
     * before the instant asked about, under the purpose's current version, not expired by then. (A hostile store
     * may return two facts with one subject and sequence; one of them must be such a grant.)
     */
    private static void soundIfAllowed(Decision d, List<ChoiceFact> served, Instant at, Supplier<String> where) {
        if (!d.allowed() || d.basis() != LegalBasis.CONSENT) {
            return;
        }
        assertThat(d.decidingEvent()).as(where.get()).isPresent();
        EventRef ref = d.decidingEvent().get();
        int current = POLICY.purpose(d.purpose()).consentVersion();
        boolean sound = served.stream().anyMatch(f -> f != null && f.ref().equals(ref)
                && f.choice() == Choice.GRANTED && !f.gpc() && f.purpose().equals(d.purpose())
                && !f.occurredAt().isAfter(at) && f.consentVersion() == current
                && f.expiresAt().map(e -> e.isAfter(at)).orElse(true));
        assertThat(sound).as("allowed on %s, which is no grant in force among the served facts; %s", ref, where.get())
                .isTrue();
    }

    /** An in-memory store whose consent reads are replaced by hostile answers, one scenario per round. */
    static final class HostileStore implements ConsentStore {
        private final InMemoryStore delegate = new InMemoryStore();
        private Mode mode;
        private RuntimeException failure;
        private final Map<SubjectId, List<ChoiceFact>> facts = new HashMap<>();
        private List<dev.consent.ledger.VisitorId> visitors = List.of();
        private Optional<ChainCheckpoint> checkpoint = Optional.empty();
        private boolean failVisitors;

        void prepare(Random r, SubjectId subject) {
            facts.clear();
            Mode[] modes = Mode.values();
            mode = r.nextInt(3) > 0 ? Mode.FACTS : modes[r.nextInt(modes.length)];
            RuntimeException[] failures = {new IllegalStateException("boom"), new NullPointerException(),
                    new ArithmeticException("long overflow"), new UncheckedIOException(new java.io.IOException("io")),
                    new ConcurrentModificationException(), new IllegalArgumentException("bad"),
                    new InvalidValueException("row", "x", "is damaged"), new ConflictException("odd"),
                    new StoreException("decisionFacts", "down"), new UnsupportedOperationException()};
            failure = failures[r.nextInt(failures.length)];
            dev.consent.ledger.VisitorId visitorId = dev.consent.ledger.VisitorId.of(subject.value() + "-visitor");
            SubjectId visitor = visitorId.subject();
            List<ChoiceFact> list = new ArrayList<>();
            int n = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(r.nextBoolean() ? 6 : 40);
            for (int i = 0; i < n; i++) {
                list.add(fact(r, r.nextInt(4) == 0 ? visitor : subject));
            }
            facts.put(subject, list);
            visitors = r.nextInt(5) == 0 ? Arrays.asList(visitorId, null) : List.of(visitorId);
            failVisitors = r.nextInt(20) == 0;
            checkpoint = r.nextInt(10) == 0 ? Optional.of(new ChainCheckpoint(subject, 1, "a".repeat(64),
                    NOW, EDGES.get(r.nextInt(EDGES.size())), "b".repeat(64))) : Optional.empty();
        }

        private static ChoiceFact fact(Random r, SubjectId subject) {
            long sequence = switch (r.nextInt(5)) {
                case 0 -> ConsentEvent.MAX_SEQUENCE - r.nextInt(3);
                case 1 -> 1 + r.nextInt(3);
                default -> 1 + r.nextInt(100);
            };
            PurposeId purpose = r.nextInt(10) == 0 ? PurposeId.of("retired.p" + r.nextInt(3))
                    : PURPOSES.get(r.nextInt(PURPOSES.size()));
            Choice choice = Choice.values()[r.nextInt(Choice.values().length)];
            Instant occurred = instant(r);
            Optional<Instant> expires = r.nextInt(3) == 0 ? Optional.of(instant(r)) : Optional.empty();
            int version = switch (r.nextInt(4)) {
                case 0 -> Integer.MAX_VALUE - r.nextInt(2);
                case 1 -> (1 << 24) - 1 + r.nextInt(3);
                default -> r.nextInt(4) == 0 ? 2 : 1; // mostly plausible, so that some grants stand
            };
            OptionalInt age = switch (r.nextInt(4)) {
                case 0 -> OptionalInt.empty();
                case 1 -> OptionalInt.of(r.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE);
                default -> OptionalInt.of(r.nextInt(200) - 20);
            };
            return new ChoiceFact(subject, sequence, purpose, choice, occurred, instant(r), expires, version, age,
                    r.nextInt(6) == 0, r.nextInt(6) == 0);
        }

        private static Instant instant(Random r) {
            return switch (r.nextInt(4)) {
                case 0 -> EDGES.get(r.nextInt(EDGES.size()));
                case 1 -> Instant.ofEpochSecond(r.nextLong() % Instant.MAX.getEpochSecond(), r.nextInt(1_000_000_000));
                default -> NOW.plusMillis(r.nextInt(7_200_000) - 3_600_000L);
            };
        }

        List<ChoiceFact> served(SubjectId subject) {
            return facts.getOrDefault(subject, List.of());
        }

        String describe() {
            return mode + (mode == Mode.THROW ? " " + failure : "") + " facts=" + facts.values();
        }

        @Override
        public Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects) {
            switch (mode) {
                case THROW:
                    throw failure;
                case NULL_MAP:
                    return null;
                case MISSING_KEY:
                    return Map.of();
                default:
                    break;
            }
            Map<SubjectId, List<ChoiceFact>> out = new HashMap<>();
            for (SubjectId s : subjects) {
                List<ChoiceFact> list = new ArrayList<>(facts.getOrDefault(s, List.of()));
                if (mode == Mode.NULL_ELEMENT) {
                    list.add(null);
                }
                out.put(s, mode == Mode.NULL_LIST ? null : list);
            }
            return out;
        }

        @Override
        public List<dev.consent.ledger.VisitorId> visitorsOf(SubjectId customer) {
            if (failVisitors) {
                throw failure;
            }
            return visitors;
        }

        @Override
        public Optional<ChainCheckpoint> checkpoint(SubjectId subject) {
            return checkpoint;
        }

        @Override
        public Map<SubjectId, ChainHead> heads(Collection<SubjectId> subjects) {
            return delegate.heads(subjects);
        }

        @Override
        public AppendResult append(List<ConsentEvent> events) {
            return delegate.append(events);
        }

        @Override
        public Map<EventId, ConsentEvent> findEvents(Collection<EventId> ids) {
            return delegate.findEvents(ids);
        }

        @Override
        public List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit) {
            return delegate.events(subject, afterSequence, limit);
        }

        @Override
        public LinkResult link(dev.consent.ledger.VisitorId visitor, SubjectId customer, Instant linkedAt) {
            return delegate.link(visitor, customer, linkedAt);
        }

        @Override
        public Optional<SubjectId> customerOf(dev.consent.ledger.VisitorId visitor) {
            return delegate.customerOf(visitor);
        }

        @Override
        public boolean prune(ChainCheckpoint cp) {
            return delegate.prune(cp);
        }

        @Override
        public FeedCursor changeCursor() {
            return delegate.changeCursor();
        }

        @Override
        public ChangeRead readChanges(FeedCursor cursor, int limit) {
            return delegate.readChanges(cursor, limit);
        }

        @Override
        public long pruneChanges(Instant writtenBefore) {
            return delegate.pruneChanges(writtenBefore);
        }

        @Override
        public long eraseChanges(SubjectId subject, Instant writtenBefore) {
            return delegate.eraseChanges(subject, writtenBefore);
        }
    }
}
