package dev.consent.store;

/** The in-memory store honours the processing store contract. */
class InMemoryProcessingStoreContractTest extends ProcessingStoreContract {
    @Override
    protected ProcessingStore createProcessingStore() {
        return new InMemoryStore();
    }
}
