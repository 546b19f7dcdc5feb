package dev.consent.store;

/** The in-memory store honours the whole retention store contract. */
class InMemoryRetentionStoreContractTest extends RetentionStoreContract {
    @Override
    protected RetentionStore createRetentionStore() {
        return new InMemoryStore();
    }
}
