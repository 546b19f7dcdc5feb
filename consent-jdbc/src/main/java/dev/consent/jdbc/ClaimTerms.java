package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.retention.RetainedItem;
import dev.consent.store.Claim;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * What a claim is made with: the caller's instant (what is due, which backoffs are over), the owner and the lease;
 * then, {@link #at} the database's current instant, that instant and the lease end. Leases run on the database's
 * clock, so every node judges them alike whatever its own clock says.
 */
record ClaimTerms(Instant now, String owner, Duration lease, Instant leaseNow, Instant leaseUntil) {
    /**
     * Terms validated before any connection is borrowed.
     *
     * @throws InvalidValueException when {@code now} is out of the stored range, the owner is blank or longer than
     *         100 characters, or the lease is not positive or would end beyond the stored range
     */
    static ClaimTerms of(Instant now, String owner, Duration lease, Dialect dialect) {
        Instant at = StoredInstants.roundedDown("now", now, dialect);
        Checks.text("owner", owner, 100);
        // the caller's instant stands in for the database's here, to refuse an impossible lease before any work
        leaseEnd(at, lease, dialect);
        return new ClaimTerms(at, owner, lease, null, null);
    }

    /** These terms at the database's instant {@code dbNow}. */
    ClaimTerms at(Instant dbNow, Dialect dialect) {
        return new ClaimTerms(now, owner, lease, dbNow, leaseEnd(dbNow, lease, dialect));
    }

    /**
     * When a lease of {@code lease} taken at {@code from} ends, rounded up to what the database stores.
     *
     * @throws InvalidValueException when the lease is not positive or would end beyond the stored range
     */
    static Instant leaseEnd(Instant from, Duration lease, Dialect dialect) {
        StoreArguments.lease(lease);
        Instant until;
        try {
            until = from.plus(lease);
        } catch (ArithmeticException | DateTimeException e) {
            throw new InvalidValueException("lease", lease, "must end within the instants the database stores");
        }
        if (until.isAfter(dialect.maxInstant())) {
            throw new InvalidValueException("lease", lease, "must end within the instants the database stores");
        }
        return StoredInstants.roundedUp("leaseUntil", until, dialect);
    }

    /** The lease in whole microseconds, rounded up, for the database to add to its own instant. */
    long leaseMicros() {
        long micros = Math.multiplyExact(lease.getSeconds(), 1_000_000L);
        return Math.addExact(micros, (lease.getNano() + 999) / 1000);
    }

    /** A claim of {@code item} on these terms, with a fresh token: the item's next attempt. */
    Claim claim(RetainedItem item) {
        return new Claim(item, UUID.randomUUID().toString(), owner, leaseUntil, item.attempts() + 1);
    }

    /** Binds the caller's two instants of the claimable condition (due, backoff over); returns the next index. */
    int bindDueAndBackoff(PreparedStatement ps, int index, Dialect dialect) throws SQLException {
        dialect.setInstant(ps, index, now);
        dialect.setInstant(ps, index + 1, now);
        return index + 2;
    }

    /** Binds the three instants of the claimable condition (the third is the database's); returns the next index. */
    int bindClaimable(PreparedStatement ps, int index, Dialect dialect) throws SQLException {
        int i = bindDueAndBackoff(ps, index, dialect);
        dialect.setInstant(ps, i, leaseNow);
        return i + 1;
    }
}
