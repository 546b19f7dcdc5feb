package dev.consent.processing;

import dev.consent.Decision;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link ProcessingLog#useAll} recorded for a campaign: the subjects it may process (each one logged under
 * {@code batch}, with the decision it was included on) and those it must leave out, with the decision that excluded
 * them. The proof, per campaign, of who was included on which decision (GDPR Art. 7(1) and 5(2)).
 *
 * @param batch the id every entry of this bulk use carries
 * @param purpose the purpose checked
 * @param use what was done, as logged
 * @param included the subjects logged, in the order given (duplicates once)
 * @param excluded the subjects refused, in the order given, with the refusing decision; nothing was logged for them
 */
public record CampaignUse(String batch, PurposeId purpose, String use, List<SubjectId> included,
        Map<SubjectId, Decision> excluded) {

    /**
     * Checks the batch id and the use, and copies both lists so that they cannot change after they are returned
     * (the excluded subjects keep their order).
     *
     * @param batch the id every entry of this bulk use carries
     * @param purpose the purpose checked
     * @param use what was done, as logged
     * @param included the subjects logged
     * @param excluded the subjects refused, with the refusing decision
     * @throws dev.consent.InvalidValueException naming the field that is missing or breaks its rule
     */
    public CampaignUse {
        Checks.text("batch", batch, ProcessingEntry.MAX_ID_LENGTH);
        Checks.required("purpose", purpose);
        Checks.text("use", use, ProcessingEntry.MAX_USE_LENGTH);
        included = List.copyOf(Checks.required("included", included));
        excluded = Collections.unmodifiableMap(new LinkedHashMap<>(Checks.required("excluded", excluded)));
    }
}
