package dev.consent.store;

import dev.consent.testing.MutableClock;

import java.time.Duration;

/** The in-memory store honours the whole retention store contract. */
class InMemoryRetentionStoreContractTest extends RetentionStoreContract {
    /** The store's own clock, by which it judges leases; unrelated to the instants the tests pass as "now". */
    private final MutableClock leaseClock = MutableClock.at("2026-11-30T08:00:00Z");

    @Override
    protected RetentionStore createRetentionStore() {
        return new InMemoryStore(leaseClock);
    }

    @Override
    protected void passLeaseTime(Duration d) {
        leaseClock.advance(d);
    }
}
