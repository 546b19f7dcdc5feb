package dev.consent;

import dev.consent.internal.Checks;
import dev.consent.ledger.EventRef;
import dev.consent.policy.JurisdictionId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.util.Optional;

/**
 * The answer to "may we process this subject's data for this purpose at this instant?": allowed or
 * not, why, on which legal basis, under which policy version, and the deciding event.
 *
 * @param decidingEvent the ledger event the answer rests on (a grant, a withdrawal, a restriction, ...); absent when
 *     no event decided it, e.g. {@link Reason#NO_RECORD} or a basis other than consent with nothing recorded
 * @param at the instant the answer is for
 * @param policyVersion the version of the policy in force at {@code at}, under which the answer was given
 * @param jurisdiction the jurisdiction whose rules the answer applied ({@code docs/jurisdictions.md}):
 *     {@link JurisdictionId#UNKNOWN} for the strictest rules, when the subject's jurisdiction was not known at
 *     {@code at}; empty when the policy declares no jurisdictions
 */
public record Decision(boolean allowed, Reason reason, PurposeId purpose, LegalBasis basis,
        Optional<EventRef> decidingEvent, Instant at, String policyVersion, Optional<JurisdictionId> jurisdiction) {

    /**
     * @param allowed whether processing may go ahead; must agree with {@code reason}
     * @param reason why, e.g. {@link Reason#GRANTED} or {@link Reason#WITHDRAWN}
     * @param purpose the purpose asked about
     * @param basis the purpose's legal basis (GDPR Art. 6(1)) in the policy in force at {@code at}
     * @param decidingEvent the ledger event the answer rests on, if any
     * @param at the instant the answer is for
     * @param policyVersion the version of the policy in force at {@code at}
     * @param jurisdiction the jurisdiction whose rules the answer applied, empty where the policy declares none
     * @throws InvalidValueException when {@code reason} or {@code jurisdiction} is null or {@code allowed} disagrees
     *     with {@link Reason#allows()}
     */
    public Decision {
        Checks.required("reason", reason);
        Checks.required("jurisdiction", jurisdiction);
        if (allowed != reason.allows()) {
            throw new InvalidValueException("allowed", allowed, "must be " + reason.allows() + " for reason " + reason);
        }
    }

    /**
     * An answer under a policy that declares no jurisdictions.
     *
     * @param allowed whether processing may go ahead; must agree with {@code reason}
     * @param reason why
     * @param purpose the purpose asked about
     * @param basis the purpose's legal basis in the policy in force at {@code at}
     * @param decidingEvent the ledger event the answer rests on, if any
     * @param at the instant the answer is for
     * @param policyVersion the version of the policy in force at {@code at}
     * @throws InvalidValueException when {@code reason} is null or {@code allowed} disagrees with {@link
     *     Reason#allows()}
     */
    public Decision(boolean allowed, Reason reason, PurposeId purpose, LegalBasis basis,
            Optional<EventRef> decidingEvent, Instant at, String policyVersion) {
        this(allowed, reason, purpose, basis, decidingEvent, at, policyVersion, Optional.empty());
    }

    /**
     * @return the negation of {@link #allowed()}: true when processing must not go ahead
     */
    public boolean denied() {
        return !allowed;
    }

    /**
     * One readable line, e.g. {@code marketing.email: denied (WITHDRAWN, event #4) under policy 3}.
     *
     * @return the line, naming purpose, answer, reason, event, basis, policy version, jurisdiction (where the policy
     *     declares jurisdictions) and instant, never the subject
     */
    public String explain() {
        return purpose + ": " + (allowed ? "allowed" : "denied") + " (" + reason
                + decidingEvent.map(r -> ", event " + r).orElse("") + ") on basis " + basis + " under policy version "
                + policyVersion + jurisdiction.map(j -> " in jurisdiction " + j).orElse("") + " at " + at;
    }
}
