/**
 * The storage SPI the services persist through: {@link dev.consent.store.ConsentStore} (events, chain heads,
 * visitor links, the change feed), {@link dev.consent.store.RetentionStore} (items and their due index, claims,
 * holds, the disposal audit, tombstones), {@link dev.consent.store.RightsStore} (rights requests) and
 * {@link dev.consent.store.ReceiptStore} (signed consent receipts, each issued once).
 *
 * <p>Expected conflicts (a moved chain head, an id already stored, a lost claim) are answered with values; failures
 * throw. {@link dev.consent.store.InMemoryStore} is a complete implementation for tests and single-process use;
 * {@code consent-jdbc} is the durable one. One contract test suite, published in consent-core's test jar, runs
 * against every implementation.
 */
package dev.consent.store;
