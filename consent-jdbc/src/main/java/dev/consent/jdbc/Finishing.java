package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.retention.RetainedItem;
import dev.consent.store.Claim;
import dev.consent.store.RetentionStore;

/**
 * A finished claim's values, validated and converted before any connection is borrowed: the claim's token, the item as
 * the finish saves it (its version the one expected in the row), its fields and its audit entry.
 */
record Finishing(String token, RetainedItem updated, ItemValues item, AuditValues audit) {
    static Finishing of(RetentionStore.FinishedAttempt f, Dialect dialect) {
        Claim claim = f.claim();
        Checks.required("claim.item", claim.item());
        Checks.text("claim.token", claim.token(), 36);
        RetainedItem updated = f.updated();
        ItemValues v = ItemValues.of(updated, dialect);
        if (!updated.key().equals(claim.item().key())) {
            throw new InvalidValueException("updated.key", updated.key(), "must be the claimed item's key "
                    + claim.item().key());
        }
        return new Finishing(claim.token(), updated, v, AuditValues.of(f.audit(), dialect));
    }
}
