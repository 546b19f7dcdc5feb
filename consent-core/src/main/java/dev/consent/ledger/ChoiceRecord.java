package dev.consent.ledger;

import dev.consent.internal.Checks;
import dev.consent.policy.PurposeId;

/**
 * One choice to record: who, for which purpose, what, and how it was captured. An age declaration is not a choice
 * about a purpose and is refused here ({@code ConsentService.declareAge} records it).
 */
public record ChoiceRecord(SubjectId subject, PurposeId purpose, Choice choice, Capture capture) {
    /**
     * Checks the choice before anything is recorded.
     *
     * @param subject whose choice it is
     * @param purpose the purpose chosen for
     * @param choice what was chosen; never {@link Choice#AGE_DECLARED}
     * @param capture how it was captured
     * @throws dev.consent.InvalidValueException naming the field that is null, or {@code choice} when it is an age
     *         declaration
     */
    public ChoiceRecord {
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        Checks.required("choice", choice);
        Checks.required("capture", capture);
        if (choice == Choice.AGE_DECLARED) {
            throw new dev.consent.InvalidValueException("choice", choice,
                    "is recorded through ConsentService.declareAge, which checks the declaration");
        }
    }
}
