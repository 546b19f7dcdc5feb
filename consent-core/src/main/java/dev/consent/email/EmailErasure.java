package dev.consent.email;

import dev.consent.StoreException;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;

import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * What erasing a subject does to its email: every address the host knows for it is put on the {@linkplain Suppression
 * suppression list} (reason {@link SuppressionReason#ERASURE}), as a keyed hash, before the host's data is erased, so
 * the address cannot come back through an import or a form somebody else filled in; and the subject's campaign
 * records are deleted. Given to {@link dev.consent.rights.RightsService.Builder#emailErasure}, which runs it first in
 * every erasure. Thread-safe when the address lookup is.
 */
public final class EmailErasure {
    private final Suppression suppression;
    private final Function<SubjectId, ? extends Collection<EmailAddress>> addresses;

    /**
     * @param suppression the list the addresses are put on
     * @param addresses the host's lookup of a subject's email addresses (its customer table), asked before anything
     *     is erased; an empty collection when it knows none
     * @throws dev.consent.InvalidValueException when an argument is null
     */
    public EmailErasure(Suppression suppression, Function<SubjectId, ? extends Collection<EmailAddress>> addresses) {
        this.suppression = Checks.required("suppression", suppression);
        this.addresses = Checks.required("addresses", addresses);
    }

    /**
     * Suppresses the subject's addresses and forgets its campaign records.
     *
     * @param subject the subject being erased
     * @return how many addresses were put on the list now (those on it already are not counted)
     * @throws StoreException when the lookup fails or the store cannot be written: the erasure must not go ahead
     *     without its suppression, or the address could be re-subscribed
     */
    public int erase(SubjectId subject) {
        Checks.required("subject", subject);
        Collection<EmailAddress> known;
        try {
            known = List.copyOf(Checks.required("addresses", addresses.apply(subject)));
        } catch (RuntimeException e) {
            throw new StoreException("emailErasure", "the host's address lookup failed; nothing was erased yet", e);
        }
        int added = 0;
        for (EmailAddress a : known) {
            added += suppression.suppress(a, SuppressionReason.ERASURE) ? 1 : 0;
        }
        suppression.store().forgetRecipient(subject);
        return added;
    }
}
