package dev.consent.signals;

import dev.consent.ledger.Choice;
import dev.consent.policy.PurposeId;

import java.util.List;

/**
 * A choice a signal string implies for one of the policy's purposes, and the signals it rests on. Immutable.
 *
 * <p>How it is derived (docs/signals.md): every signal the policy maps onto the purpose speaks for it, and the
 * purpose is refused when any of them refuses (DENIED on CONSENT, OBJECTED on LEGITIMATE_INTERESTS or PUBLIC_TASK);
 * otherwise GRANTED when at least one agrees; otherwise nothing is implied. A TCF bit agrees when set and refuses
 * when clear ("IAB Tech Lab - Consent string and vendor list formats v2", v2.2/v2.3); a vendor not in the Disclosed
 * Vendors segment refuses (v2.3: a vendor is disclosed only when listed). A GPP opt-out field refuses at 1 (Opted
 * Out) and at 2 (Did Not Opt Out) agrees only for a purpose on legitimate interests or public task, never as consent;
 * a GPP consent field refuses at 1 (No Consent) and agrees at 2 (Consent); 0 (Not Applicable) is silent.
 *
 * @param signals how each mapped signal spoke, e.g. {@code tcf purpose 4 consent: set}
 */
public record ImpliedChoice(PurposeId purpose, Choice choice, List<String> signals) {
    /**
     * Copies the signals, so that the choice cannot change after it is returned.
     *
     * @param purpose the policy's purpose
     * @param choice what the signals imply for it
     * @param signals how each mapped signal spoke
     */
    public ImpliedChoice {
        signals = List.copyOf(signals);
    }
}
