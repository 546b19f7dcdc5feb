package dev.consent.store;

import dev.consent.testing.MutableClock;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;

/**
 * The {@link RetentionStore} SPI's default methods honour the contract: a store that implements only the abstract
 * methods (here the in-memory store's, through a proxy), as a store written before a default method was added does,
 * passes the whole retention store contract.
 */
class DefaultMethodsRetentionStoreContractTest extends RetentionStoreContract {
    private final MutableClock leaseClock = MutableClock.at("2026-11-30T08:00:00Z");

    @Override
    protected RetentionStore createRetentionStore() {
        InMemoryRetentionStore delegate = new InMemoryRetentionStore(leaseClock);
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (RetentionStore) Proxy.newProxyInstance(RetentionStore.class.getClassLoader(),
                new Class<?>[] {RetentionStore.class}, handler);
    }

    @Override
    protected void passLeaseTime(Duration d) {
        leaseClock.advance(d);
    }
}
