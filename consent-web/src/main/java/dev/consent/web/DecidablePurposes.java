package dev.consent.web;

import dev.consent.Decision;
import dev.consent.policy.Jurisdiction;
import dev.consent.policy.JurisdictionId;
import dev.consent.policy.Mechanism;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;

import java.util.List;
import java.util.Optional;

/**
 * The purposes a subject can decide in the banner and preference centre: every purpose of the policy in force whose
 * mechanism offers a choice (opt-in or opt-out; a notice-only purpose has nothing to decide), in the policy's order.
 * Both the listing and the recording of choices ask this one place, so what can be recorded is exactly what is
 * offered.
 *
 * <p>Where the policy declares jurisdictions ({@code docs/jurisdictions.md}), the subject's jurisdiction now (from the
 * locations recorded on their chain; unknown meaning the strictest rules the policy declares) gives each purpose its
 * mechanism there, and says whether Global Privacy Control binds: a purpose that is notice only in the subject's
 * jurisdiction is not offered, and the GPC flag is set only where the signal is a binding opt-out (CCPA
 * § 1798.135(e) and 11 CCR § 7025; Colorado's Rule 5). Without jurisdictions, each purpose's own mechanism, and GPC
 * binds for the purposes flagged for sale or sharing.
 */
final class DecidablePurposes {
    /** A purpose offered, with its mechanism in the subject's jurisdiction and whether GPC opts the subject out. */
    record Offered(Purpose purpose, Mechanism mechanism, boolean gpcOptOut) {
    }

    /** What one subject is offered now, and under which jurisdiction (empty when the policy declares none). */
    record Scope(Optional<JurisdictionId> jurisdiction, List<Offered> offered) {
        List<Purpose> purposes() {
            return offered.stream().map(Offered::purpose).toList();
        }
    }

    private DecidablePurposes() {
    }

    /**
     * What the subject is offered under {@code policy}, in the jurisdiction a check of theirs applied: every decision
     * names it ({@link Decision#jurisdiction()}), so the subject's ledger is read once, through the consent service's
     * cache, for the offer and the decisions alike. A jurisdiction the policy does not declare (a check made under
     * another policy version) or {@link JurisdictionId#UNKNOWN} gets the strictest rules the policy declares, as an
     * unknown location does.
     *
     * @param policy the policy in force
     * @param decision a decision for the subject under that policy, of any purpose
     */
    static Scope of(Policy policy, Decision decision) {
        Optional<Jurisdiction> jurisdiction = policy.jurisdictionRules().map(rules -> decision.jurisdiction()
                .filter(id -> !id.equals(rules.strictest().id())).flatMap(rules::find).orElse(rules.strictest()));
        boolean gpcBinds = jurisdiction.map(Jurisdiction::gpcBinds).orElse(true);
        List<Offered> offered = policy.purposes().stream()
                .map(p -> new Offered(p, jurisdiction.map(j -> j.mechanismOf(p)).orElse(p.mechanism()),
                        gpcBinds && p.saleOrSharing()))
                .filter(o -> o.mechanism() != Mechanism.NOTICE_ONLY).toList();
        return new Scope(jurisdiction.map(Jurisdiction::id), offered);
    }
}
