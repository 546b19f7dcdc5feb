package dev.consent;

import dev.consent.store.ConsentStore;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * Test support (in consent-core's test-jar): reading a service's change feed at a moment the test chooses, and a
 * view of a store that pushes nothing, so that the service reads the feed only then.
 */
public final class FeedPolling {
    private FeedPolling() {
    }

    /** Reads the service's change feed now, on this thread, as its poller does. */
    public static void pollNow(ConsentService service) {
        service.pollChanges();
    }

    /**
     * {@code store}, except that {@link ConsentStore#onChanges} pushes nothing: a service built on it reads the feed
     * only when its poll interval passes or {@link #pollNow} is called.
     */
    public static ConsentStore withoutPush(ConsentStore store) {
        return (ConsentStore) Proxy.newProxyInstance(FeedPolling.class.getClassLoader(),
                new Class<?>[] {ConsentStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("onChanges")) {
                        return (AutoCloseable) () -> {
                        };
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
