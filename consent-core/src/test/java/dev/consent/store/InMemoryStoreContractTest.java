package dev.consent.store;

/** The in-memory store honours the whole store contract. */
class InMemoryStoreContractTest extends ConsentStoreContract {
    @Override
    protected ConsentStore createStore() {
        return new TruncatableStore();
    }

    @Override
    protected void truncateChangeFeed(boolean restartPositions) {
        ((TruncatableStore) store).tamperTruncateChanges(restartPositions);
    }

    /** Lets the contract empty the change feed behind the store's back. */
    private static final class TruncatableStore extends InMemoryStore {
    }
}
