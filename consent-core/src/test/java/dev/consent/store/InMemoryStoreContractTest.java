package dev.consent.store;

/** The in-memory store honours the whole store contract. */
class InMemoryStoreContractTest extends ConsentStoreContract {
    @Override
    protected ConsentStore createStore() {
        return new InMemoryStore();
    }

    @Override
    protected void truncateChangeFeed(boolean restartPositions) {
        InMemoryTampering.truncateChanges((InMemoryStore) store, restartPositions);
    }
}
