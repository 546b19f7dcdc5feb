package dev.consent.email;

import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.internal.Checks;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The proof that one subject was included in one campaign, and on which decision: the answer to "was it allowed when
 * we sent it?" (GDPR Art. 7(1): the controller can demonstrate the consent; Art. 5(2)). Recorded by {@link
 * CampaignFilter#filter} for every recipient it includes, never for one it leaves out.
 *
 * @param campaign the campaign
 * @param subject the recipient
 * @param purpose the purpose the campaign was checked against
 * @param basis the purpose's legal basis then
 * @param reason why the subject was allowed; always a reason that {@linkplain Reason#allows() allows}
 * @param policyVersion the version of the policy in force when the campaign was filtered
 * @param consentVersion the consent version of the event the decision rested on, if one did
 * @param decidingEvent the consent event the decision rested on (a grant, its confirmation), if one did
 * @param at when the subject was checked and included, whole microseconds
 */
public record CampaignRecipient(CampaignId campaign, SubjectId subject, PurposeId purpose, LegalBasis basis,
        Reason reason, String policyVersion, OptionalInt consentVersion, Optional<EventRef> decidingEvent, Instant at) {

    /**
     * Checks the rules of the class description.
     *
     * @param campaign the campaign
     * @param subject the recipient
     * @param purpose the purpose
     * @param basis the legal basis
     * @param reason why allowed
     * @param policyVersion the policy version
     * @param consentVersion the deciding event's consent version, if any
     * @param decidingEvent the deciding event, if any
     * @param at when
     * @throws InvalidValueException naming the field that is missing or breaks its rule
     */
    public CampaignRecipient {
        Checks.required("campaign", campaign);
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        Checks.required("basis", basis);
        Checks.required("reason", reason);
        if (!reason.allows()) {
            throw new InvalidValueException("reason", reason, "must allow processing: only included recipients are"
                    + " recorded");
        }
        Checks.text("policyVersion", policyVersion, 50);
        Checks.required("consentVersion", consentVersion);
        if (consentVersion.isPresent() && consentVersion.getAsInt() < 1) {
            throw new InvalidValueException("consentVersion", consentVersion.getAsInt(), "must be 1 or more");
        }
        Checks.required("decidingEvent", decidingEvent);
        if (decidingEvent.isPresent() != consentVersion.isPresent()) {
            throw new InvalidValueException("consentVersion", consentVersion, "is present exactly when a deciding"
                    + " event is");
        }
        Checks.required("at", at);
        if (!at.truncatedTo(ChronoUnit.MICROS).equals(at)) {
            throw new InvalidValueException("at", at, "must be whole microseconds, as stores keep it");
        }
    }

    /** Names the campaign and the decision, never the subject. */
    @Override
    public String toString() {
        return "campaign " + campaign + " recipient (" + purpose + ": " + reason + " on basis " + basis + " under policy "
                + policyVersion + consentVersion.stream().mapToObj(v -> ", consent version " + v).findFirst()
                .orElse("") + " at " + at + ")";
    }
}
