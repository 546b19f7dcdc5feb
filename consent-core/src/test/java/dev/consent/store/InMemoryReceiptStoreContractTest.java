package dev.consent.store;

/** The in-memory store honours the receipt store contract. */
class InMemoryReceiptStoreContractTest extends ReceiptStoreContract {
    @Override
    protected ReceiptStore createReceiptStore() {
        return new InMemoryStore();
    }
}
