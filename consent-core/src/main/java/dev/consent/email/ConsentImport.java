package dev.consent.email;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;

/**
 * Grants that come through an import (a CSV from another system, a list bought with a shop), checked against the
 * {@linkplain Suppression suppression list} first: an erased address, or one whose owner asked never to be
 * contacted, is not re-subscribed by somebody else's data. The grant is recorded with method {@link Method#IMPORT}; an
 * import of a purpose that {@linkplain dev.consent.policy.Purpose#requiresConfirmation() requires confirmation} is
 * pending until its owner confirms, as every grant of it is. Thread-safe.
 */
public final class ConsentImport {
    private final ConsentService consents;
    private final Suppression suppression;

    /**
     * @param consents the service the grants are recorded with
     * @param suppression the list every imported address is checked against
     * @throws InvalidValueException when an argument is null
     */
    public ConsentImport(ConsentService consents, Suppression suppression) {
        this.consents = Checks.required("consents", consents);
        this.suppression = Checks.required("suppression", suppression);
    }

    /**
     * Records an imported grant for {@code subject}, whose address is {@code address}, unless the address is
     * suppressed.
     *
     * @param subject the subject the import names
     * @param purpose the purpose granted
     * @param address the subject's address in the import
     * @param capture the import's capture: method {@link Method#IMPORT}, evidence saying where from
     * @return the grant
     * @throws SuppressedAddressException when the address is on the suppression list; nothing is written
     * @throws InvalidValueException when the capture's method is not {@code IMPORT}, or as {@link
     *     ConsentService#grant} does
     * @throws dev.consent.StoreException when the store cannot be read or written (nothing is granted)
     */
    public ConsentEvent grant(SubjectId subject, PurposeId purpose, EmailAddress address, Capture capture) {
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        Checks.required("address", address);
        if (Checks.required("capture", capture).method() != Method.IMPORT) {
            throw new InvalidValueException("capture.method", capture.method(), "must be IMPORT: grants through an"
                    + " import are recorded as imported");
        }
        consents.policy().purpose(purpose); // an unknown purpose throws before the store is read
        if (suppression.isSuppressed(address)) {
            throw new SuppressedAddressException(subject, purpose);
        }
        return consents.grant(subject, purpose, capture);
    }
}
