package dev.consent;

import dev.consent.internal.ConsentFold;
import dev.consent.internal.Ledger;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.SubjectLocation;
import dev.consent.policy.Jurisdiction;
import dev.consent.policy.JurisdictionId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of decisions under jurisdictions, over random ledgers (grants, refusals, objections, GPC signals, ages,
 * restrictions and locations) and instants:
 * <ol>
 *   <li>a jurisdiction that changes nothing (every purpose on its own mechanism, GPC binding) decides every purpose
 *       exactly as the same policy without jurisdictions, except that a binding signal beats a grant made before it
 *       (11 CCR &sect; 7025(c)(3));</li>
 *   <li>the strictest rules are the strictest: what a subject of unknown jurisdiction is allowed, a subject of every
 *       declared jurisdiction is allowed too, on the same ledger;</li>
 *   <li>every reason a jurisdiction gives is produced.</li>
 * </ol>
 */
class JurisdictionDecisionPropertyTest {
    private static final long SEED = Long.getLong("jurisdiction.seed", 20251203L);
    private static final int LEDGERS = 3_000;
    private static final SubjectId OWNER = SubjectId.of("s");
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final String[] REGIONS = {"US-CA", "US-VA", "DE", "FR", "JP", "US-TX"};

    private final Policy rules = JurisdictionPolicies.withJurisdictions();
    private final Policy plain = JurisdictionPolicies.withoutJurisdictions();
    private final Policy neutral = PolicyJson.read(JurisdictionPolicies.BASE.formatted(
            ",\"jurisdictionRules\":[{\"id\":\"ALL\",\"title\":\"Everywhere\",\"fallback\":true,\"gpc\":\"BINDING\"}]"));

    @Test
    void decisionsUnderJurisdictionsKeepTheirProperties() {
        Random random = new Random(SEED);
        Set<Reason> produced = EnumSet.noneOf(Reason.class);
        int grantsBeaten = 0;
        for (int n = 0; n < LEDGERS; n++) {
            List<ChoiceFact> facts = history(random);
            Ledger ledger = Ledger.of(OWNER, facts);
            Ledger unlocated = Ledger.of(OWNER, facts.stream()
                    .filter(f -> f.choice() != Choice.LOCATION_RECORDED).toList());
            Instant at = T0.plusSeconds(random.nextInt(40) * 3600L);
            for (Purpose p : plain.purposes()) {
                Decision without = ConsentFold.decide(ledger, plain, p.id(), at);
                Decision same = ConsentFold.decide(ledger, neutral, p.id(), at);
                String seen = "seed " + SEED + " ledger " + n + " " + p.id() + " at " + at + ": " + facts;
                if (same.reason() == Reason.GPC_OPT_OUT && without.reason() != Reason.GPC_OPT_OUT) {
                    // 11 CCR § 7025(c)(3): where jurisdictions are declared and the signal binds, it also beats the
                    // grant made before it that decides without them
                    ChoiceFact grant = facts.stream().filter(f -> without.decidingEvent()
                            .filter(r -> r.sequence() == f.sequence()).isPresent()).findFirst().orElseThrow(
                                    () -> new AssertionError(seen + ": no deciding event without jurisdictions"));
                    assertThat(grant.choice()).as(seen).isEqualTo(Choice.GRANTED);
                    ChoiceFact signal = facts.stream().filter(f -> same.decidingEvent()
                            .filter(r -> r.sequence() == f.sequence()).isPresent()).findFirst().orElseThrow();
                    assertThat(signal.gpc() || signal.choice() == Choice.GPC_OVERRIDDEN).as(seen).isTrue();
                    assertThat(signal.sequence()).as(seen).isGreaterThan(grant.sequence());
                    grantsBeaten++;
                } else {
                    assertThat(same.reason()).as(seen).isEqualTo(without.reason());
                    assertThat(same.decidingEvent()).as(seen).isEqualTo(without.decidingEvent());
                }
                assertThat(same.jurisdiction().orElseThrow()).isIn(JurisdictionId.of("ALL"), JurisdictionId.UNKNOWN);

                Decision unknown = ConsentFold.decide(unlocated, rules, p.id(), at);
                assertThat(unknown.jurisdiction()).contains(JurisdictionId.UNKNOWN);
                produced.add(unknown.reason());
                for (Jurisdiction j : rules.jurisdictionRules().orElseThrow().all()) {
                    String region = j.regions().isEmpty() ? "BR" : j.regions().iterator().next();
                    Decision there = ConsentFold.decide(locatedFirst(unlocated, facts, region), rules, p.id(), at);
                    assertThat(there.jurisdiction()).contains(j.id());
                    produced.add(there.reason());
                    if (unknown.allowed()) {
                        assertThat(there.allowed()).as(seen + " allowed when unknown (" + unknown.reason()
                                + ") but not in " + j.id() + " (" + there.reason() + ")").isTrue();
                    }
                }
                produced.add(ConsentFold.decide(ledger, rules, p.id(), at).reason());
            }
        }
        assertThat(grantsBeaten).as("seed " + SEED + ": no binding signal after a grant was ever decided").isPositive();
        assertThat(produced).as("seed " + SEED + ": reasons never produced").contains(
                Reason.JURISDICTION_OPT_IN_REQUIRED, Reason.JURISDICTION_OPT_OUT, Reason.JURISDICTION_NOTICE_ONLY,
                Reason.GPC_OPT_OUT, Reason.GRANTED, Reason.DENIED, Reason.NO_RECORD);
    }

    /** The ledger's facts without locations, and one location in {@code region} before all of them. */
    private static Ledger locatedFirst(Ledger unused, List<ChoiceFact> facts, String region) {
        List<ChoiceFact> out = new ArrayList<>();
        long sequence = 1;
        out.add(location(sequence++, region, T0.minusSeconds(3600)));
        for (ChoiceFact f : facts) {
            if (f.choice() != Choice.LOCATION_RECORDED) {
                out.add(new ChoiceFact(f.subject(), sequence++, f.purpose(), f.choice(), f.occurredAt(),
                        f.recordedAt(), f.expiresAt(), f.consentVersion(), f.declaredAge(), f.gpc(), f.guardian()));
            }
        }
        return Ledger.of(OWNER, out);
    }

    private static ChoiceFact location(long sequence, String region, Instant at) {
        return new ChoiceFact(OWNER, sequence, SubjectLocation.of(region, SubjectLocation.Source.DECLARED).purposeId(),
                Choice.LOCATION_RECORDED, at, at, Optional.empty(), 1, OptionalInt.empty(), false, false);
    }

    /** Up to eight events an hour or more apart, in the order they were recorded. */
    private List<ChoiceFact> history(Random random) {
        List<ChoiceFact> facts = new ArrayList<>();
        int n = random.nextInt(9);
        Instant t = T0;
        List<Purpose> choosable = plain.purposes().stream()
                .filter(p -> p.basis() == LegalBasis.CONSENT || p.basis() == LegalBasis.LEGITIMATE_INTERESTS).toList();
        for (int i = 1; i <= n; i++) {
            t = t.plusSeconds(3600L * (1 + random.nextInt(6)));
            int kind = random.nextInt(10);
            Purpose p = choosable.get(random.nextInt(choosable.size()));
            PurposeId id = p.id();
            boolean consent = p.basis() == LegalBasis.CONSENT;
            ChoiceFact f = switch (kind) {
                case 0, 1, 2 -> new ChoiceFact(OWNER, i, id, consent ? Choice.GRANTED : Choice.GRANTED, t, t,
                        Optional.empty(), 1, random.nextInt(4) == 0 ? OptionalInt.of(10 + random.nextInt(20))
                        : OptionalInt.empty(), false, false);
                case 3 -> new ChoiceFact(OWNER, i, id, consent ? Choice.DENIED : Choice.OBJECTED, t, t,
                        Optional.empty(), 1, OptionalInt.empty(), false, false);
                case 4 -> new ChoiceFact(OWNER, i, id, consent ? Choice.WITHDRAWN : Choice.OBJECTED, t, t,
                        Optional.empty(), 1, OptionalInt.empty(), false, false);
                case 5 -> new ChoiceFact(OWNER, i, PurposeId.of("ads.targeted"), Choice.DENIED, t, t,
                        Optional.empty(), 1, OptionalInt.empty(), true, false);
                case 6 -> new ChoiceFact(OWNER, i, PurposeId.of("analytics"), Choice.OBJECTED, t, t,
                        Optional.empty(), 1, OptionalInt.empty(), true, false);
                case 7 -> new ChoiceFact(OWNER, i, dev.consent.ledger.AgeDeclaration.PURPOSE, Choice.AGE_DECLARED, t,
                        t, Optional.empty(), 1, OptionalInt.of(10 + random.nextInt(20)), false, false);
                default -> location(i, REGIONS[random.nextInt(REGIONS.length)], t);
            };
            facts.add(f);
        }
        return facts;
    }
}
