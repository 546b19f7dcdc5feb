package dev.consent.ledger;

import dev.consent.internal.Checks;
import dev.consent.policy.PurposeId;

/** One choice to record: who, for which purpose, what, and how it was captured. */
public record ChoiceRecord(SubjectId subject, PurposeId purpose, Choice choice, Capture capture) {
    public ChoiceRecord {
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        Checks.required("choice", choice);
        Checks.required("capture", capture);
    }
}
