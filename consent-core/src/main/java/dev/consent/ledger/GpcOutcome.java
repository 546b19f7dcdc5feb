package dev.consent.ledger;

import dev.consent.policy.PurposeId;

import java.util.List;
import java.util.Map;

/**
 * What a Global Privacy Control signal did, per purpose flagged for sale, sharing or targeted
 * advertising, and the ledger events it added. A repeated signal with nothing new to say adds none.
 */
public record GpcOutcome(Map<PurposeId, Effect> effects, List<ConsentEvent> recorded) {

    /** The effect of the signal on one purpose. */
    public enum Effect {
        /**
         * No explicit choice existed, or, where the policy declares jurisdictions and the subject's makes the signal
         * binding ({@link dev.consent.policy.GpcRule#BINDING}), a grant made before the signal did (11 CCR
         * &sect; 7025(c)(3)): the subject is now opted out by GPC.
         */
        APPLIED,
        /**
         * An explicit opt-in stands and wins over the signal (the policy declares no jurisdictions, or the subject's
         * makes the signal advisory); the signal is on record.
         */
        OVERRIDDEN,
        /** An explicit refusal already stood. */
        ALREADY_REFUSED,
        /**
         * No explicit choice existed, and the subject's jurisdiction makes the signal advisory
         * ({@link dev.consent.policy.GpcRule#ADVISORY}): the signal is on record and decides nothing there.
         */
        ADVISORY
    }

    /**
     * Copies both, so that the outcome cannot change after it is returned.
     *
     * @param effects the effect per purpose the signal applies to
     * @param recorded the events the signal added, in the order they were appended; empty for a repeated signal
     */
    public GpcOutcome {
        effects = Map.copyOf(effects);
        recorded = List.copyOf(recorded);
    }
}
