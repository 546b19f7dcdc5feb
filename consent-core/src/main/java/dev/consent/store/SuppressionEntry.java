package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.email.SuppressionReason;
import dev.consent.internal.Checks;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * One entry of the suppression list as stored ({@link EmailStore}): the keyed hash of a normalised contact identifier,
 * never the identifier itself.
 *
 * @param keyedHash HMAC-SHA256 of the identifier under key {@code keyId}, 64 lower-case hex digits
 * @param keyId the id of the key it was hashed under
 * @param reason why the address may not be mailed
 * @param at when it was suppressed, whole microseconds
 */
public record SuppressionEntry(String keyedHash, String keyId, SuppressionReason reason, Instant at) {
    /**
     * @param keyedHash the keyed hash
     * @param keyId the key's id
     * @param reason why
     * @param at when
     * @throws InvalidValueException naming the field that is missing or breaks its rule
     */
    public SuppressionEntry {
        if (!Checks.isSha256Hex(keyedHash)) {
            throw new InvalidValueException("keyedHash", keyedHash, "must be 64 lower-case hex digits");
        }
        Checks.text("keyId", keyId, 16);
        Checks.required("reason", reason);
        Checks.required("at", at);
        if (!at.truncatedTo(ChronoUnit.MICROS).equals(at)) {
            throw new InvalidValueException("at", at, "must be whole microseconds, as stores keep it");
        }
    }
}
