package dev.consent.internal;

import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Method;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;

import java.time.Instant;
import java.time.Period;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Finds how much of a subject's chain the ledger's retention rule lets go: the longest prefix (in sequence
 * order) of events each of which no longer decides anything and has not for at least the kept period.
 *
 * <p>An event is superseded for a purpose once a later event takes its place in {@link ConsentFold}'s choice
 * for that purpose: a later explicit choice for an explicit one, a later restriction event for a restriction,
 * any explicit choice for a GPC signal. "Later" is the fold's order (occurred-at; at the same instant a refusal
 * after a grant; then sequence), except that a grant recorded before a refusal never supersedes it, and a refusal
 * recorded after a grant supersedes it from the grant's own occurred-at (the fold's rule 2). It matters to every purpose beneath the one it names if it is a
 * refusal or a restriction. It may go when it is superseded for every purpose it matters to, and the last of
 * those supersessions lies {@code keep} in the past.
 */
public final class LedgerPruning {
    private LedgerPruning() {
    }

    /** The last prunable sequence and the horizon (the latest supersession among the pruned), if any. */
    public record Prefix(long sequence, String hash, Instant horizon) {
    }

    public static Optional<Prefix> prunablePrefix(List<ConsentEvent> chain, Policy policy, Instant now, Period keep) {
        List<ConsentEvent> byOccurrence = new ArrayList<>(chain);
        // the fold's order (Ledger.ORDER): at the same instant a refusal comes after a grant
        byOccurrence.sort(Comparator.comparing(ConsentEvent::occurredAt)
                .thenComparingInt((ConsentEvent e) -> e.choice() == Choice.GRANTED ? 0 : 1)
                .thenComparingLong(ConsentEvent::sequence));
        Instant limit = now.atZone(policy.zone()).minus(keep).toInstant();
        Prefix prefix = null;
        Instant horizon = Instant.MIN;
        for (ConsentEvent e : chain) { // sequence order
            Optional<Instant> superseded = supersededAt(e, byOccurrence, policy);
            if (superseded.isEmpty() || superseded.get().isAfter(limit)) {
                break;
            }
            if (superseded.get().isAfter(horizon)) {
                horizon = superseded.get();
            }
            prefix = new Prefix(e.sequence(), e.hash(), horizon);
        }
        return Optional.ofNullable(prefix);
    }

    private static Optional<Instant> supersededAt(ConsentEvent e, List<ConsentEvent> byOccurrence, Policy policy) {
        if (policy.findPurpose(e.purpose()).isEmpty()) {
            return Optional.empty(); // a purpose the policy no longer knows: keep the evidence, decide nothing here
        }
        Instant latest = Instant.MIN;
        boolean mattered = false;
        int at = byOccurrence.indexOf(e);
        for (Purpose p : policy.purposes()) {
            List<Purpose> lineage = policy.lineage(p.id());
            boolean inLineage = lineage.stream().anyMatch(x -> x.id().equals(e.purpose()));
            if (!inLineage || !(e.purpose().equals(p.id()) || e.choice().isRefusal() || e.choice().isRestriction())) {
                continue;
            }
            mattered = true;
            Instant when = null;
            for (int i = 0; i < byOccurrence.size() && when == null; i++) {
                ConsentEvent f = byOccurrence.get(i);
                if (f == e || !candidate(f, p, lineage)) {
                    continue;
                }
                boolean after = i > at;
                if (e.choice().isRestriction()) {
                    if (after && f.choice().isRestriction()) {
                        when = f.occurredAt();
                    }
                } else if (e.method() != Method.GPC) {
                    if (after && !f.choice().isRestriction() && f.method() != Method.GPC
                            && !(f.choice() == Choice.GRANTED && e.choice().isRefusal()
                                    && f.sequence() < e.sequence())) {
                        when = f.occurredAt();
                    } else if (!after && e.choice() == Choice.GRANTED && f.choice().isRefusal()
                            && f.method() != Method.GPC && f.sequence() > e.sequence()) {
                        // a refusal recorded after this grant, made before it: the grant never decides once both
                        // count, i.e. from its own occurred-at
                        when = e.occurredAt();
                    }
                } else if (!f.choice().isRestriction() && (f.method() != Method.GPC || after)) {
                    // a GPC signal stops mattering once any explicit choice exists, or a later signal repeats it
                    when = after ? f.occurredAt() : e.occurredAt();
                }
            }
            if (when == null) {
                return Optional.empty();
            }
            if (when.isAfter(latest)) {
                latest = when;
            }
        }
        return mattered ? Optional.of(latest) : Optional.empty();
    }

    private static boolean candidate(ConsentEvent f, Purpose p, List<Purpose> lineage) {
        boolean inLineage = lineage.stream().anyMatch(x -> x.id().equals(f.purpose()));
        return inLineage && (f.purpose().equals(p.id()) || f.choice().isRefusal() || f.choice().isRestriction());
    }
}
