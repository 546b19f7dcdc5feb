package dev.consent.email;

import dev.consent.InvalidValueException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HMAC-SHA256 keys (RFC 2104) of the {@linkplain Suppression suppression list}: one current key, under which new
 * entries are hashed, and older keys, under which entries made before a rotation stay hashed. An address is looked up
 * under every key, so rotating never lets a suppressed address through; unlike {@link EmailKeys}, an older key has no
 * grace period and never expires, since an entry hashed under it can only be found with it (the address itself is
 * never stored). Drop a key only once no entry is hashed under it. The secrets belong in the host's secret store, never
 * in the database next to the hashes: without the key, a hash cannot be tested against guessed addresses. Immutable and
 * thread-safe.
 */
public final class SuppressionKeys {
    /** The shortest secret accepted: 32 bytes (RFC 2104, section 3). */
    public static final int MIN_SECRET_BYTES = EmailKeys.MIN_SECRET_BYTES;
    /** The most keys a ring holds: each lookup hashes the address under every key. */
    public static final int MAX_KEYS = 8;
    private static final String HMAC = "HmacSHA256";
    private static final String CONTEXT = "dev.consent/suppression\n";

    private final String currentId;
    private final Map<String, byte[]> keys;

    private SuppressionKeys(String currentId, Map<String, byte[]> keys) {
        this.currentId = currentId;
        this.keys = keys;
    }

    /**
     * A ring whose current key is {@code secret} under id {@code keyId}.
     *
     * @param keyId 1 to 16 of a-z, 0-9 and '-', stored with every entry hashed under the key
     * @param secret the HMAC secret, at least {@value #MIN_SECRET_BYTES} bytes; copied
     * @return the ring
     * @throws InvalidValueException for a malformed key id or a short secret
     */
    public static SuppressionKeys of(String keyId, byte[] secret) {
        Map<String, byte[]> keys = new LinkedHashMap<>();
        keys.put(KeyRules.keyId(keyId), KeyRules.secret(secret));
        return new SuppressionKeys(keyId, keys);
    }

    /**
     * This ring with an older key, under which entries made before a rotation were hashed; it is looked up, never
     * hashed under for new entries.
     *
     * @param keyId the older key's id
     * @param secret its secret; copied
     * @return a new ring; this one is unchanged
     * @throws InvalidValueException for a malformed or already used key id, a short secret, or a ring of more than
     *     {@value #MAX_KEYS} keys
     */
    public SuppressionKeys withOlder(String keyId, byte[] secret) {
        KeyRules.keyId(keyId);
        if (keys.containsKey(keyId)) {
            throw new InvalidValueException("keyId", keyId, "is already in the ring; key ids must be unique");
        }
        if (keys.size() == MAX_KEYS) {
            throw new InvalidValueException("keyId", keyId, "would make more than " + MAX_KEYS + " keys; re-suppress"
                    + " the addresses hashed under the oldest key and drop it");
        }
        Map<String, byte[]> copy = new LinkedHashMap<>(keys);
        copy.put(keyId, KeyRules.secret(secret));
        return new SuppressionKeys(currentId, copy);
    }

    /**
     * The id of the key new entries are hashed under.
     *
     * @return the id given to {@link #of}
     */
    public String currentKeyId() {
        return currentId;
    }

    /** The ids of every key, the current first. */
    List<String> keyIds() {
        return List.copyOf(keys.keySet());
    }

    /** The keyed hash of {@code identifier} under key {@code keyId}: 64 lower-case hex digits. */
    String hash(String keyId, String identifier) {
        Mac mac = macs.get().computeIfAbsent(keyId, this::init);
        return HexFormat.of().formatHex(mac.doFinal((CONTEXT + identifier).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Initialised MACs per thread, keyed by key id and ring: a campaign hashes every recipient's address, and
     * initialising a MAC costs more than the hash.
     */
    private final ThreadLocal<Map<String, Mac>> macs = ThreadLocal.withInitial(java.util.HashMap::new);

    private Mac init(String keyId) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(keys.get(keyId), HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }


    /** Names the key ids, never the secrets. */
    @Override
    public String toString() {
        return "SuppressionKeys[current=" + currentId + ", keys=" + keys.keySet() + "]";
    }
}
