package dev.consent.email;

import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;

/**
 * One recipient of a campaign: the subject whose consent decides, and the address the mail goes to, which the
 * suppression list is checked for.
 *
 * @param subject the subject
 * @param address the address
 */
public record Recipient(SubjectId subject, EmailAddress address) {
    /**
     * @param subject the subject
     * @param address the address
     * @throws dev.consent.InvalidValueException when a component is null
     */
    public Recipient {
        Checks.required("subject", subject);
        Checks.required("address", address);
    }

    /** Names the subject, never the address. */
    @Override
    public String toString() {
        return "Recipient[" + subject + "]";
    }
}
