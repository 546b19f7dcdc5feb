/**
 * The storage SPI the services persist through: {@link dev.consent.store.ConsentStore} (events, chain heads, visitor
 * links, the change feed), {@link dev.consent.store.RetentionStore} (items and their due index, claims, holds, the
 * disposal audit, tombstones), {@link dev.consent.store.RightsStore} (rights requests),
 * {@link dev.consent.store.OutboxStore} (the recipients' outbox), {@link dev.consent.store.ProcessingStore} (the
 * processing log), {@link dev.consent.store.ReceiptStore} (signed consent receipts, each issued once) and
 * {@link dev.consent.store.EmailStore} (the email suppression list and campaign recipients), with the
 * records only storage needs (claims, finished attempts, cursors).
 *
 * <p>One way to do each thing: every method is abstract, except {@link dev.consent.store.ConsentStore#onChanges}
 * whose default (no push; polling bounds staleness) is correct for any store. No parameter is optional: a listing
 * has a method that starts at the beginning ({@code allItems(limit)}) and one that reads on after a position
 * ({@code allItemsAfter(after, limit)}).
 *
 * <p>One rule for optimistic saves ({@link dev.consent.store.RetentionStore#saveItem},
 * {@link dev.consent.store.RightsStore#saveRequest}, and the finishes that save an item): the value saved carries the
 * version it was read at, 0 for a value never stored (no stored row has version 0); the store writes it only if the
 * stored version is still that one (or, for 0, nothing is stored under its key) and stores it with the version one
 * higher.
 *
 * <p>Expected conflicts (a moved chain head, an id already stored, a lost claim) are answered with values; failures
 * throw. {@link dev.consent.store.InMemoryStore} is a complete implementation for tests and single-process use
 * (composed of one in-memory store per SPI); {@code consent-jdbc} is the durable one. One contract test suite per SPI,
 * published in consent-core's test jar, runs against every implementation.
 */
package dev.consent.store;
