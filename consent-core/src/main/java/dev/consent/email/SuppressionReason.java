package dev.consent.email;

/** Why an address is on the suppression list; kept with the entry, so the list says why it may not be mailed. */
public enum SuppressionReason {
    /**
     * The subject was erased (GDPR Art. 17). The entry keeps the erasure effective against the address coming back
     * through an import or a form somebody else filled in; it holds no address, only a keyed hash.
     */
    ERASURE,
    /**
     * The subject asked never to be contacted for marketing: an objection to direct marketing, after which the data
     * must no longer be processed for it (GDPR Art. 21(2) and (3)).
     */
    NEVER_CONTACT
}
