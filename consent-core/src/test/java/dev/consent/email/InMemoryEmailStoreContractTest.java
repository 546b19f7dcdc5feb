package dev.consent.email;

import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;

/** Double opt-in and one-click unsubscribe on the in-memory store. */
class InMemoryEmailStoreContractTest extends EmailStoreContract {
    @Override
    protected ConsentStore createStore() {
        return new InMemoryStore();
    }
}
