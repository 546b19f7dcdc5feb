package dev.consent.email;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The HMAC-SHA256 keys that sign the library's email tokens (double opt-in confirmations, one-click unsubscribes):
 * one current key, which signs, and any number of retired keys. A retired key verifies confirmation tokens for
 * {@link #grace()} after it was retired, so that links in mails already sent keep working through a rotation; it
 * verifies unsubscribe tokens for as long as the ring holds it, since an old mail's unsubscribe link must keep
 * working (refusing it would keep sending marketing to someone who asked to stop). A token names its key by id, so
 * verifying never looks anything up in a store. Immutable and thread-safe.
 *
 * <p>Guarantees: a key is at least {@value #MIN_SECRET_BYTES} bytes (HMAC-SHA256's block-size security, RFC 2104
 * section 3); key ids are unique; a token signed with a key this ring does not hold, or a confirmation token signed
 * with a retired key after its grace, never verifies; drop a key from the ring to stop its unsubscribe links. The default grace is {@link #DEFAULT_GRACE}.
 */
public final class EmailKeys {
    /** The shortest secret accepted: 32 bytes, the output size of SHA-256 (RFC 2104, section 3). */
    public static final int MIN_SECRET_BYTES = 32;
    /** How long a retired key still verifies, unless set otherwise: 30 days. */
    public static final Duration DEFAULT_GRACE = Duration.ofDays(30);
    private static final String HMAC = "HmacSHA256";

    private record Key(byte[] secret, Optional<Instant> retiredAt) {
    }

    private final String currentId;
    private final Map<String, Key> keys;
    private final Duration grace;

    private EmailKeys(String currentId, Map<String, Key> keys, Duration grace) {
        this.currentId = currentId;
        this.keys = keys;
        this.grace = grace;
    }

    /**
     * A ring whose current (signing) key is {@code secret} under id {@code keyId} (1 to 16 of a-z, 0-9 and '-').
     *
     * @param keyId the key's id, carried in every token it signs
     * @param secret the HMAC secret; copied
     * @return the ring, with the default grace for retired keys
     * @throws InvalidValueException for a malformed key id or a secret shorter than {@value #MIN_SECRET_BYTES} bytes
     */
    public static EmailKeys of(String keyId, byte[] secret) {
        Map<String, Key> keys = new LinkedHashMap<>();
        keys.put(KeyRules.keyId(keyId), new Key(KeyRules.secret(secret), Optional.empty()));
        return new EmailKeys(keyId, keys, DEFAULT_GRACE);
    }

    /**
     * This ring with a retired key that still verifies confirmation tokens until {@code retiredAt} plus the grace, and
     * unsubscribe tokens for as long as the ring holds it.
     *
     * @param keyId the retired key's id
     * @param secret its secret; copied
     * @param retiredAt when it stopped signing
     * @return a new ring; this one is unchanged
     * @throws InvalidValueException for a malformed or already used key id, a short secret or a null instant
     */
    public EmailKeys withRetired(String keyId, byte[] secret, Instant retiredAt) {
        KeyRules.keyId(keyId);
        if (keys.containsKey(keyId)) {
            throw new InvalidValueException("keyId", keyId, "is already in the ring; key ids must be unique");
        }
        Map<String, Key> copy = new LinkedHashMap<>(keys);
        copy.put(keyId, new Key(KeyRules.secret(secret), Optional.of(Checks.required("retiredAt", retiredAt))));
        return new EmailKeys(currentId, copy, grace);
    }

    /**
     * This ring with another grace period for retired keys.
     *
     * @param grace how long a retired key keeps verifying confirmation tokens
     * @return a new ring; this one is unchanged
     * @throws InvalidValueException for a null or negative grace
     */
    public EmailKeys withGrace(Duration grace) {
        if (Checks.required("grace", grace).isNegative()) {
            throw new InvalidValueException("grace", grace, "must not be negative");
        }
        return new EmailKeys(currentId, keys, grace);
    }

    /**
     * The id of the key that signs new tokens.
     *
     * @return the id given to {@link #of}
     */
    public String currentKeyId() {
        return currentId;
    }

    /**
     * How long a retired key keeps verifying after it was retired.
     *
     * @return the grace, {@link #DEFAULT_GRACE} unless set
     */
    public Duration grace() {
        return grace;
    }

    /** The MAC of {@code signed} under the current key. */
    byte[] sign(String signed) {
        return mac(keys.get(currentId).secret(), signed);
    }

    /** Why a MAC does or does not verify. */
    enum Check { VALID, UNKNOWN_KEY, KEY_RETIRED, BAD_MAC }

    /**
     * Whether {@code mac} is the MAC of {@code signed} under key {@code keyId}, valid at {@code now}: the MAC is
     * compared in constant time, and only for a key the ring holds and, if retired and {@code graceApplies}, within
     * its grace. Unsubscribe tokens are verified without the grace: refusing a genuine unsubscribe would keep sending
     * marketing to someone who asked to stop (GDPR Art. 21(3); Art. 7(3)), the opposite of failing closed.
     */
    Check verify(String keyId, String signed, byte[] mac, Instant now, boolean graceApplies) {
        Key key = keys.get(keyId);
        if (key == null) {
            return Check.UNKNOWN_KEY;
        }
        if (graceApplies && key.retiredAt().isPresent() && !now.isBefore(plus(key.retiredAt().get(), grace))) {
            return Check.KEY_RETIRED;
        }
        return MessageDigest.isEqual(mac(key.secret(), signed), mac) ? Check.VALID : Check.BAD_MAC;
    }

    private static Instant plus(Instant t, Duration d) {
        try {
            return t.plus(d);
        } catch (ArithmeticException | java.time.DateTimeException beyond) {
            return Instant.MAX;
        }
    }

    private static byte[] mac(byte[] secret, String signed) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
            return mac.doFinal(signed.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }


    /** Names the key ids, never the secrets. */
    @Override
    public String toString() {
        return "EmailKeys[current=" + currentId + ", keys=" + keys.keySet() + ", grace=" + grace + "]";
    }
}
