/**
 * Marketing email done right: double opt-in ({@link dev.consent.email.DoubleOptIn}; German case law on &sect; 7(2)
 * UWG) and one-click unsubscribe ({@link dev.consent.email.OneClickUnsubscribe}; RFC 8058, RFC 2369) on the consent
 * ledger, without a table of their own: every confirmation and unsubscribe is an ordinary event in the subject's hash
 * chain, with a deterministic event id so that a replay is recorded once; the tokens are stateless and opaque
 * (AES-256-GCM of their fields under keys derived from a rotating {@link dev.consent.email.EmailKeys key ring}, so no
 * personal data is readable in a link), opened without a store lookup. Beside them, in the
 * store's {@link dev.consent.store.EmailStore}: a suppression list of keyed hashes of normalised addresses that
 * survives erasure ({@link dev.consent.email.Suppression}, consulted by {@link dev.consent.email.ConsentImport} and
 * {@link dev.consent.email.CampaignFilter}, filled by {@link dev.consent.email.EmailErasure}; GDPR Art. 21(3), Art.
 * 17(3)(b)), and per campaign the decision each recipient was included on ({@link dev.consent.email.CampaignFilter};
 * GDPR Art. 7(1), Art. 5(2)). docs/email.md describes the rules, the token format, the headers, the normalisation and
 * what is stored.
 */
package dev.consent.email;
