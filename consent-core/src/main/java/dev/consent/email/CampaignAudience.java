package dev.consent.email;

import dev.consent.Decision;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link CampaignFilter#filter} decided for a campaign: whom to mail (each recorded with the decision it was
 * included on), whom the decision left out, and whom the suppression list left out although the decision allowed them.
 *
 * @param campaign the campaign
 * @param purpose the purpose checked
 * @param included the recipients to mail, in the order given
 * @param refused the subjects the decision did not allow, with that decision, in the order given
 * @param suppressed the subjects allowed by the decision whose address is on the suppression list, in the order given
 */
public record CampaignAudience(CampaignId campaign, PurposeId purpose, List<Recipient> included,
        Map<SubjectId, Decision> refused, List<SubjectId> suppressed) {
    /**
     * Copies the collections.
     *
     * @param campaign the campaign
     * @param purpose the purpose
     * @param included the recipients to mail
     * @param refused the refused subjects with their decisions
     * @param suppressed the suppressed subjects
     * @throws dev.consent.InvalidValueException when a component is null
     */
    public CampaignAudience {
        Checks.required("campaign", campaign);
        Checks.required("purpose", purpose);
        included = List.copyOf(Checks.required("included", included));
        refused = Collections.unmodifiableMap(new LinkedHashMap<>(Checks.required("refused", refused)));
        suppressed = List.copyOf(Checks.required("suppressed", suppressed));
    }
}
