package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;
import dev.consent.policy.PurposeId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ConsentService#allows} answers exactly {@code check(..).allowed()} at the same clock reading: for random
 * histories (grants expiring at sub-millisecond instants, refusals, double opt-in confirmations) under two policy
 * versions, at instants right around every instant a decision may turn (a microsecond and a nanosecond either side,
 * so often inside the same millisecond as the turn), each ledger re-cached (its answers' window re-anchored) at random
 * instants. One service asks {@code allows}, another on the same store and clock asks {@code check}; they must agree
 * on every answer, on every exception, and on the statistics they count. The test requires that answers turned while
 * a ledger stayed cached, also within the millisecond it was cached in, so that {@code allows} answering from a
 * stale window (or from the millisecond's start only) fails it.
 */
class AllowsPropertyTest {
    private static final long SEED = Long.getLong("consent.allows.seed", 0xA110_2026L);
    private static final int SUBJECTS = Integer.getInteger("consent.allows.subjects", 120);
    /** Ten seconds before policy v2 takes effect (2025-01-01T00:00 Europe/Berlin). */
    private static final Instant T = Instant.parse("2024-12-31T22:59:50Z");
    private static final List<Policy> POLICIES = List.of(ShopPolicy.v1WithConfirmation(Duration.ofMinutes(5)),
            ShopPolicy.v2WithServiceMinimumAgeAndConfirmation(18, Duration.ofMinutes(7), Duration.ofMinutes(6)));
    /** Asked at every instant: SMS is declared by v2 only, the last by no version (both services must throw). */
    private static final List<PurposeId> ASKED = List.of(ShopPolicy.MARKETING_EMAIL, ShopPolicy.MARKETING_SMS,
            ShopPolicy.MARKETING, ShopPolicy.ADS, ShopPolicy.ANALYTICS, PurposeId.of("never.declared"));
    private static final List<PurposeId> CHOSEN = List.of(ShopPolicy.MARKETING_EMAIL, ShopPolicy.MARKETING_SMS,
            ShopPolicy.MARKETING, ShopPolicy.ADS, ShopPolicy.ANALYTICS);

    @Test
    void allowsEqualsCheckAtTheSameInstant() {
        Random random = new Random(SEED);
        InMemoryStore store = new InMemoryStore();
        MutableClock clock = new MutableClock(T);
        ConsentService allowing = service(store, clock);
        ConsentService checking = service(store, clock);
        int turnedWhileCached = 0;
        int turnedInAnchorMillisecond = 0;
        int answers = 0;
        for (int s = 0; s < SUBJECTS; s++) {
            SubjectId subject = SubjectId.of("subject-" + s);
            TreeSet<Instant> turns = record(allowing, clock, subject, random);
            TreeSet<Instant> instants = new TreeSet<>();
            for (Instant turn : turns) {
                for (long nanos : new long[] {-1_000, -1, 0, 1, 1_000, 400_000}) {
                    instants.add(turn.plusNanos(nanos));
                }
            }
            for (int k = 0; k < 5; k++) {
                instants.add(T.plusNanos((long) (random.nextDouble() * 900e9) - 60_000_000_000L));
            }
            Instant anchor = null;
            boolean[] anchorAnswers = new boolean[ASKED.size()];
            for (Instant at : instants) {
                clock.set(at);
                if (anchor == null || random.nextInt(3) == 0) { // re-cache the ledger: its answers' window starts here
                    allowing.checkUncached(subject, ShopPolicy.ADS);
                    checking.checkUncached(subject, ShopPolicy.ADS);
                    anchor = at;
                }
                for (int p = 0; p < ASKED.size(); p++) {
                    PurposeId purpose = ASKED.get(p);
                    String where = "seed " + SEED + " " + subject + " " + purpose + " at " + at + " cached at "
                            + anchor + ", turns " + turns;
                    Object expected = outcome(() -> checking.check(subject, purpose).allowed());
                    Object actual = outcome(() -> allowing.allows(subject, purpose));
                    assertEquals(expected, actual, where);
                    if (!(actual instanceof Boolean b)) {
                        continue;
                    }
                    answers++;
                    if (at.equals(anchor)) {
                        anchorAnswers[p] = b;
                    } else if (anchorAnswers[p] != b) {
                        turnedWhileCached++;
                        if (at.toEpochMilli() == anchor.toEpochMilli()) {
                            turnedInAnchorMillisecond++;
                        }
                    }
                }
            }
        }
        assertEquals(checking.statistics().checks(), allowing.statistics().checks(), "seed " + SEED);
        assertEquals(checking.statistics().checkFailures(), allowing.statistics().checkFailures(), "seed " + SEED);
        assertTrue(answers > SUBJECTS * 50, "seed " + SEED + ": only " + answers + " answers");
        assertTrue(turnedWhileCached > SUBJECTS / 2, "seed " + SEED + ": answers turned while cached only "
                + turnedWhileCached + " times: a stale window would go unnoticed");
        assertTrue(turnedInAnchorMillisecond > 5, "seed " + SEED + ": answers turned within the millisecond the "
                + "ledger was cached in only " + turnedInAnchorMillisecond + " times");
    }

    private static ConsentService service(InMemoryStore store, MutableClock clock) {
        return ConsentService.builder().policyVersions(PolicyVersions.of(POLICIES)).store(store).clock(clock).recordStatistics(true).build();
    }

    /**
     * Records up to six random choices of {@code subject}, made at sub-millisecond instants around {@link #T}; returns
     * the instants at which a decision may turn (occurred-at, expiry, confirmation deadline, v2 taking effect).
     */
    private static TreeSet<Instant> record(ConsentService service, MutableClock clock, SubjectId subject,
            Random random) {
        TreeSet<Instant> turns = new TreeSet<>();
        turns.add(POLICIES.get(1).effectiveInstant());
        clock.set(T.plusSeconds(60));
        List<ChoiceRecord> records = new ArrayList<>();
        int n = 1 + random.nextInt(6);
        for (int k = 0; k < n; k++) {
            Instant occurred = T.minusSeconds(20).plusNanos(random.nextInt(40_000_000) * 1_000L);
            PurposeId purpose = CHOSEN.get(random.nextInt(CHOSEN.size()));
            Capture capture = Capture.by(Method.CHECKBOX).at(occurred);
            Choice choice = switch (random.nextInt(6)) {
                case 0, 1 -> Choice.GRANTED;
                case 2 -> Choice.DENIED;
                case 3 -> Choice.WITHDRAWN;
                default -> Choice.CONFIRMED;
            };
            if (choice == Choice.GRANTED && random.nextBoolean()) {
                Instant expiry = occurred.plusNanos(1_000L + random.nextInt(30_000_000) * 1_000L);
                capture = capture.expiringAt(expiry);
                turns.add(expiry);
            }
            if (choice == Choice.CONFIRMED) {
                purpose = random.nextBoolean() ? ShopPolicy.MARKETING_EMAIL : ShopPolicy.MARKETING_SMS;
            }
            turns.add(occurred);
            for (Duration window : List.of(Duration.ofMinutes(5), Duration.ofMinutes(6), Duration.ofMinutes(7))) {
                turns.add(occurred.plus(window));
            }
            records.add(new ChoiceRecord(subject, purpose, choice, capture));
        }
        for (ChoiceRecord r : records) {
            try {
                service.record(List.of(r));
            } catch (InvalidValueException | ConflictException e) {
                // a choice the policy refuses (a confirmation under a version without double opt-in): not recorded
            }
        }
        return turns;
    }

    /** The answer, or the class of the exception thrown. */
    private static Object outcome(java.util.function.BooleanSupplier call) {
        try {
            return call.getAsBoolean();
        } catch (RuntimeException e) {
            return e.getClass();
        }
    }
}
