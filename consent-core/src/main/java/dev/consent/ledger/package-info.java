/**
 * The consent ledger: {@link dev.consent.ledger.ConsentEvent}s (grants, denials, withdrawals, objections,
 * restrictions) with their {@link dev.consent.ledger.Evidence}, chained per subject by SHA-256 so that
 * {@link dev.consent.ledger.ConsentChain#verify} names the first altered, removed or reordered event (GDPR Art. 7(1):
 * the controller shall be able to demonstrate consent).
 *
 * <p>Events are values: immutable records validated when built. Client-controlled values (ids, notice texts, user
 * agents, IP addresses) are checked for length and form, and IP addresses are minimised by
 * {@link dev.consent.ledger.IpMinimizer} before they are stored (GDPR Art. 5(1)(c)).
 */
package dev.consent.ledger;
