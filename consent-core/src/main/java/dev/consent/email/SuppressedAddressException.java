package dev.consent.email;

import dev.consent.ConsentException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;

/**
 * A grant through an import was refused because the address is on the {@linkplain Suppression suppression list}:
 * it was erased or its owner asked never to be contacted, and only the owner's own confirmed opt-in takes it off
 * ({@link DoubleOptIn}). Nothing was written. The message names the subject and purpose, never the address.
 */
public final class SuppressedAddressException extends ConsentException {
    private static final long serialVersionUID = 1L;

    /**
     * @param subject the subject the import named
     * @param purpose the purpose it would have granted
     */
    public SuppressedAddressException(SubjectId subject, PurposeId purpose) {
        super("import of " + purpose + " for subject " + subject + " refused: the address is on the suppression list"
                + " (erased, or its owner asked never to be contacted); only the owner's own confirmed opt-in"
                + " (double opt-in) takes it off");
    }
}
