package dev.consent.email;

import dev.consent.store.InMemoryStore;

/** The suppression list and campaign proof on the in-memory store. */
class InMemoryEmailListStoreContractTest extends EmailListStoreContract<InMemoryStore> {
    @Override
    protected InMemoryStore createStore() {
        return new InMemoryStore();
    }
}
