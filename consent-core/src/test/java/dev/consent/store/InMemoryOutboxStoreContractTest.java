package dev.consent.store;

/** The in-memory store honours the outbox contract. */
class InMemoryOutboxStoreContractTest extends OutboxStoreContract {
    @Override
    protected OutboxStore createOutboxStore() {
        return new InMemoryStore();
    }
}
