/**
 * Marketing email done right, on the consent ledger and without a table of its own: double opt-in
 * ({@link dev.consent.email.DoubleOptIn}; German case law on &sect; 7(2) UWG) and one-click unsubscribe
 * ({@link dev.consent.email.OneClickUnsubscribe}; RFC 8058, RFC 2369). Every confirmation and unsubscribe is an
 * ordinary event in the subject's hash chain, with a deterministic event id so that a replay is recorded once; the
 * tokens are stateless HMAC-SHA256 values under a rotating {@link dev.consent.email.EmailKeys key ring}, verified
 * without a store lookup. docs/email.md describes the rules, the token format, the headers and what is stored.
 */
package dev.consent.email;
