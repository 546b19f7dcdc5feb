package dev.consent.internal;

import dev.consent.ConsentException;
import dev.consent.StoreException;

import java.util.function.Supplier;

/**
 * Calls a store on behalf of a service, failing closed: a {@link ConsentException} the store throws (already naming
 * what went wrong) passes through unchanged, and any other runtime exception is wrapped in a {@link StoreException}
 * naming the operation, so that a service never answers from a store read that did not complete.
 */
public final class StoreCalls {
    private StoreCalls() {
    }

    /**
     * The result of {@code call}.
     *
     * @param operation the store method called, named in the {@link StoreException}
     * @throws ConsentException as the store threw it
     * @throws StoreException wrapping any other runtime exception of the store
     */
    public static <T> T read(String operation, Supplier<T> call) {
        try {
            return call.get();
        } catch (ConsentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoreException(operation, e);
        }
    }
}
