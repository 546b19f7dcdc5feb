package dev.consent.internal;

import dev.consent.Decision;
import dev.consent.JurisdictionPolicies;
import dev.consent.ledger.AgeDeclaration;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.SubjectLocation;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The answers a cached ledger holds ({@link ConsentFold#answered}) are the fold's own answers: for random ledgers
 * (grants, refusals, restrictions, GPC, confirmations, expiries, declared ages, locations, a linked visitor's chain,
 * parent purposes), every declared purpose and many instants, {@link ConsentFold#decideCached} on the answered ledger
 * equals {@link ConsentFold#decide} on the plain one. The instants include the answers' window's ends and the
 * microsecond either side of each, and of every instant at which a decision may turn (occurred-at, expiry,
 * confirmation deadline, a policy version taking effect); the test checks that answers were given at both ends of the
 * window and that decisions did turn right at its ends, so a window one microsecond too long fails it.
 */
class AnsweredDecisionPropertyTest {
    private static final long SEED = Long.getLong("consent.answers.seed", 0xA45E_2026L);
    private static final int LEDGERS = Integer.getInteger("consent.answers.ledgers", 1_500);
    private static final SubjectId OWNER = SubjectId.of("owner");
    private static final SubjectId VISITOR = VisitorId.of("v1").subject();
    /** A few seconds before ShopPolicy v2 takes effect (2025-01-01T00:00 Europe/Berlin). */
    private static final Instant T = Instant.parse("2024-12-31T22:59:50Z");
    private static final Duration EMAIL_WINDOW_V1 = Duration.ofMinutes(5);
    private static final Duration EMAIL_WINDOW_V2 = Duration.ofMinutes(7);
    private static final Duration SMS_WINDOW_V2 = Duration.ofMinutes(6);
    private static final String[] REGIONS = {"US-CA", "US-VA", "DE", "JP"};

    private final List<PolicyVersions> versionSets = List.of(
            PolicyVersions.of(List.of(ShopPolicy.v1WithConfirmation(EMAIL_WINDOW_V1),
                    ShopPolicy.v2WithServiceMinimumAgeAndConfirmation(18, EMAIL_WINDOW_V2, SMS_WINDOW_V2))),
            PolicyVersions.of(JurisdictionPolicies.withJurisdictions()),
            PolicyVersions.of(ShopPolicy.v1()));

    @Test
    void answersEqualTheFoldAtEveryInstantAroundTheirWindow() {
        Random random = new Random(SEED);
        int answeredChecks = 0;
        int turnedAtUntil = 0;
        int turnedAtFrom = 0;
        int withoutAnswers = 0;
        for (int n = 0; n < LEDGERS; n++) {
            PolicyVersions versions = versionSets.get(random.nextInt(versionSets.size()));
            List<PurposeId> ids = new ArrayList<>(versions.purposeIdsNewestFirst());
            int declared = ids.size();
            ids.add(AgeDeclaration.PURPOSE);
            ids.add(SubjectLocation.PURPOSE);
            Ledger.PurposeTable table = Ledger.PurposeTable.of(ids, declared); // as ConsentServiceAssembly has it
            List<ChoiceFact> facts = history(random, versions);
            Ledger ledger = Ledger.of(OWNER, facts, table);
            TreeSet<Long> turns = turns(ledger, versions);
            Instant t0 = pickNow(random, turns);
            Ledger answered = ConsentFold.answered(ledger, versions, t0);
            long from = answered.answersFrom();
            long until = answered.answersUntil();
            String where = "seed " + SEED + " ledger " + n + " now " + t0 + " window [" + from + ", " + until + ") "
                    + facts;
            if (from > until) {
                withoutAnswers++;
                assertTrue(facts.stream().anyMatch(f -> f.choice() == Choice.AGE_DECLARED
                        && AgeDeclaration.birthDateOf(f.purpose()).isPresent()),
                        () -> "no answers held without a birth date: " + where);
            } else {
                assertTrue(from <= Ledger.micros(t0) && Ledger.micros(t0) < until, where);
                assertTrue(answered.answersHold(t0), where);
            }
            TreeSet<Long> instants = new TreeSet<>();
            for (long t : turns) {
                instants.add(t - 1);
                instants.add(t);
                instants.add(t + 1);
            }
            instants.add(Ledger.micros(t0));
            if (from <= until) {
                for (long t : new long[] {from - 1, from, from + 1, until - 1, until, until + 1}) {
                    instants.add(t);
                }
            }
            for (long micros : instants) {
                if (micros < Ledger.micros(T.minusSeconds(86_400 * 400L))
                        || micros > Ledger.micros(T.plusSeconds(86_400 * 400L))) {
                    continue; // the saturated ends of "never expires" and of the first version's reach
                }
                Instant at = instant(micros, random);
                Policy policy = versions.at(at);
                for (Purpose p : policy.purposes()) {
                    Decision expected = ConsentFold.decide(ledger, policy, p.id(), at);
                    // a fresh id, not the policy's instance: the answer is found by value
                    PurposeId asked = PurposeId.of(p.id().value());
                    Decision actual = ConsentFold.decideCached(answered, policy, asked, at);
                    assertEquals(expected, actual, () -> p.id() + " at " + at + " (" + micros + "): " + where);
                    if (answered.answer(micros, asked) != 0) {
                        answeredChecks++;
                    }
                }
            }
            if (from <= until) {
                // the window's ends are exact: answered just inside, not outside, and (often) a decision turns there
                Policy policy = versions.at(t0);
                for (Purpose p : policy.purposes()) {
                    assertEquals(0, answered.answer(until, p.id()), where);
                    assertEquals(0, answered.answer(from - 1, p.id()), where);
                }
                boolean anyAnswer = policy.purposes().stream().anyMatch(p -> answered.answer(from, p.id()) != 0
                        && answered.answer(until - 1, p.id()) != 0);
                assertTrue(anyAnswer || policy.purposes().stream().allMatch(p -> answered.answer(
                        Ledger.micros(t0), p.id()) == 0), () -> "answers held at now but not at the ends: " + where);
                if (until < Long.MAX_VALUE && turnsAt(ledger, versions, until)) {
                    turnedAtUntil++;
                }
                if (from > Long.MIN_VALUE && turnsAt(ledger, versions, from)) {
                    turnedAtFrom++;
                }
            }
        }
        assertTrue(answeredChecks > LEDGERS * 20, "seed " + SEED + ": only " + answeredChecks + " answered checks");
        assertTrue(turnedAtUntil > LEDGERS / 10, "seed " + SEED + ": a decision turned at the window's end only "
                + turnedAtUntil + " times: a window one microsecond too long would go unnoticed");
        assertTrue(turnedAtFrom > LEDGERS / 10, "seed " + SEED + ": a decision turned at the window's start only "
                + turnedAtFrom + " times");
        assertTrue(withoutAnswers > 0, "seed " + SEED + ": no ledger with a birth date, held without answers");
        assertFalse(withoutAnswers > LEDGERS / 2, "seed " + SEED + ": most ledgers held no answers");
    }

    /** Whether some purpose's decision (but for its instant) differs at {@code micros} from the microsecond before. */
    private static boolean turnsAt(Ledger ledger, PolicyVersions versions, long micros) {
        Instant at = instant(micros, null);
        Instant before = instant(micros - 1, null);
        Policy policy = versions.at(at);
        Policy policyBefore = versions.at(before);
        if (policy != policyBefore) {
            return true;
        }
        for (Purpose p : policy.purposes()) {
            Decision now = ConsentFold.decide(ledger, policy, p.id(), at);
            Decision then = ConsentFold.decide(ledger, policy, p.id(), before);
            if (now.reason() != then.reason() || !now.decidingEvent().equals(then.decidingEvent())
                    || !now.jurisdiction().equals(then.jurisdiction())) {
                return true;
            }
        }
        return false;
    }

    /** Every instant at which, by the ledger and the policies, a decision might turn: the test's own list. */
    private static TreeSet<Long> turns(Ledger ledger, PolicyVersions versions) {
        TreeSet<Long> out = new TreeSet<>();
        for (int i = 0; i < ledger.size(); i++) {
            out.add(ledger.occurredMicros(i));
            Choice c = ledger.choice(i);
            if (c != Choice.AGE_DECLARED && c != Choice.LOCATION_RECORDED
                    && ledger.expiresMicros(i) != Long.MAX_VALUE) {
                out.add(ledger.expiresMicros(i));
            }
            for (Policy p : versions.all()) {
                Optional<Purpose> purpose = p.findPurpose(ledger.purpose(i));
                if (purpose.isPresent() && purpose.get().confirmationWindow().isPresent()) {
                    out.add(ledger.occurredMicros(i) + purpose.get().confirmationWindow().get().toNanos() / 1_000);
                }
            }
        }
        for (Policy p : versions.all()) {
            out.add(Ledger.micros(p.effectiveInstant()));
        }
        return out;
    }

    /** "Now" for the answers: a random instant, or right at, before or after an instant where a decision may turn. */
    private static Instant pickNow(Random random, TreeSet<Long> turns) {
        List<Long> list = new ArrayList<>(turns);
        if (list.isEmpty() || random.nextInt(4) == 0) {
            return T.plusMillis(random.nextInt(900_000) - 200_000).plusNanos(random.nextInt(1_000_000));
        }
        long t = list.get(random.nextInt(list.size())) + random.nextInt(3) - 1;
        return instant(t, random);
    }

    /** The instant of a microsecond count, with random nanoseconds below it when {@code random} is given. */
    private static Instant instant(long micros, Random random) {
        Instant at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
        return random == null ? at : at.plusNanos(random.nextInt(1_000));
    }

    /** Up to ten facts on the policies' purposes (parents included), of the owner and a linked visitor. */
    private static List<ChoiceFact> history(Random random, PolicyVersions versions) {
        List<PurposeId> purposes = new ArrayList<>(versions.purposeIdsNewestFirst());
        boolean jurisdictions = versions.all().get(0).jurisdictionRules().isPresent();
        int n = random.nextInt(11);
        long[] sequences = {0, 0};
        List<ChoiceFact> out = new ArrayList<>();
        Instant recorded = T.minusSeconds(20);
        for (int k = 0; k < n; k++) {
            int who = random.nextInt(5) == 0 ? 1 : 0;
            SubjectId subject = who == 0 ? OWNER : VISITOR;
            long sequence = ++sequences[who];
            // occurred-at on a coarse grid (ties), sometimes the microsecond of another fact
            Instant occurred = T.plusSeconds(20L * (random.nextInt(36) - 8));
            if (!out.isEmpty() && random.nextInt(5) == 0) {
                occurred = out.get(random.nextInt(out.size())).occurredAt();
            }
            recorded = recorded.plusMillis(random.nextInt(3) * 1_000L);
            int kind = random.nextInt(jurisdictions ? 11 : 10);
            PurposeId purpose = purposes.get(random.nextInt(purposes.size()));
            Choice choice;
            OptionalInt age = random.nextInt(3) == 0 ? OptionalInt.of(10 + random.nextInt(15)) : OptionalInt.empty();
            Optional<Instant> expires = Optional.empty();
            switch (kind) {
                case 0, 1, 2 -> {
                    choice = Choice.GRANTED;
                    if (random.nextInt(3) == 0) {
                        expires = Optional.of(occurred.plusSeconds(1 + random.nextInt(600)));
                    }
                }
                case 3 -> choice = Choice.DENIED;
                case 4 -> choice = Choice.WITHDRAWN;
                case 5 -> choice = random.nextBoolean() ? Choice.RESTRICTED : Choice.RESTRICTION_LIFTED;
                case 6 -> choice = Choice.OBJECTED;
                case 7 -> {
                    choice = Choice.CONFIRMED;
                    purpose = random.nextBoolean() ? ShopPolicy.MARKETING_EMAIL : purpose;
                }
                case 8 -> {
                    choice = Choice.AGE_DECLARED;
                    if (random.nextInt(6) == 0) {
                        purpose = AgeDeclaration.bornOn(LocalDate.of(2007, 1, 1).plusDays(random.nextInt(10)))
                                .purposeId();
                        age = OptionalInt.empty();
                    } else {
                        purpose = AgeDeclaration.PURPOSE;
                        age = OptionalInt.of(12 + random.nextInt(12));
                    }
                }
                case 9 -> choice = random.nextBoolean() ? Choice.GRANTED : Choice.GPC_OVERRIDDEN;
                default -> {
                    choice = Choice.LOCATION_RECORDED;
                    purpose = SubjectLocation.of(REGIONS[random.nextInt(REGIONS.length)],
                            SubjectLocation.Source.DECLARED).purposeId();
                    age = OptionalInt.empty();
                }
            }
            boolean gpc = kind == 9 || (choice == Choice.DENIED && random.nextInt(4) == 0);
            int version = 1 + (random.nextInt(4) == 0 ? 1 : 0);
            out.add(new ChoiceFact(subject, sequence, purpose, choice, occurred, recorded, expires, version, age, gpc,
                    random.nextInt(6) == 0));
        }
        return out;
    }
}
