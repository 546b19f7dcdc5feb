package dev.consent.store;

/** The in-memory store honours the rights store contract. */
class InMemoryRightsStoreContractTest extends RightsStoreContract {
    @Override
    protected RightsStore createRightsStore() {
        return new InMemoryStore();
    }
}
