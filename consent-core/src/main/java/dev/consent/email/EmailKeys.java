package dev.consent.email;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The keys that seal the library's email tokens (double opt-in confirmations, one-click unsubscribes): one current
 * key, which seals, and any number of retired keys. A token is authenticated encryption (AES-256-GCM, NIST SP
 * 800-38D) of its fields, so that a link in a mail carries no readable personal data (issue 19: "no personal data in
 * URLs"); the AES key and the key that derives each token's nonce are derived from the secret with HKDF-SHA256 (RFC
 * 5869), never used directly. A retired key opens confirmation tokens for {@link #grace()} after it was retired, so
 * that links in mails already sent keep working through a rotation; it opens unsubscribe tokens for as long as the
 * ring holds it, since an old mail's unsubscribe link must keep working (refusing it would keep sending marketing to
 * someone who asked to stop). A token names its key by id in clear, so opening it never looks anything up in a store.
 * Immutable and thread-safe.
 *
 * <p>Guarantees: a secret is at least {@value #MIN_SECRET_BYTES} bytes (RFC 2104 section 3); key ids are unique; a
 * token sealed with a key this ring does not hold, or a confirmation token sealed with a retired key after its grace,
 * never opens; a token altered in any character never opens (the GCM tag authenticates the kind and the key id as
 * associated data, and the fields under the nonce); drop a key from the ring to stop its unsubscribe links. The
 * default grace is {@link #DEFAULT_GRACE}.
 */
public final class EmailKeys {
    /** The shortest secret accepted: 32 bytes, the output size of SHA-256 (RFC 2104, section 3). */
    public static final int MIN_SECRET_BYTES = 32;
    /** How long a retired key still verifies, unless set otherwise: 30 days. */
    public static final Duration DEFAULT_GRACE = Duration.ofDays(30);
    private static final String HMAC = "HmacSHA256";
    /** The GCM nonce's length: 96 bits, the length SP 800-38D section 5.2.1.1 recommends. */
    static final int NONCE_BYTES = 12;
    /** The GCM tag's length: 128 bits. */
    static final int TAG_BYTES = 16;
    private static final byte[] HKDF_SALT = "dev.consent/email-token".getBytes(StandardCharsets.UTF_8);

    /** A key of the ring: the AES-256 key and the nonce key, both derived from its secret, and when it was retired. */
    private record Key(SecretKeySpec aes, byte[] nonceKey, Optional<Instant> retiredAt) {
        static Key of(byte[] secret, Optional<Instant> retiredAt) {
            byte[] prk = hmac(HKDF_SALT, secret); // HKDF-Extract (RFC 5869 section 2.2)
            byte[] aes = expand(prk, "aes-256-gcm token key");
            byte[] nonce = expand(prk, "gcm nonce key");
            Arrays.fill(prk, (byte) 0);
            return new Key(new SecretKeySpec(aes, "AES"), nonce, retiredAt);
        }

        /** HKDF-Expand (RFC 5869 section 2.3) of one block: 32 bytes, T(1) = HMAC(PRK, info | 0x01). */
        private static byte[] expand(byte[] prk, String info) {
            byte[] i = info.getBytes(StandardCharsets.UTF_8);
            byte[] in = Arrays.copyOf(i, i.length + 1);
            in[i.length] = 1;
            return hmac(prk, in);
        }
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
     * @param secret the secret the token keys are derived from (HKDF); copied
     * @return the ring, with the default grace for retired keys
     * @throws InvalidValueException for a malformed key id or a secret shorter than {@value #MIN_SECRET_BYTES} bytes
     */
    public static EmailKeys of(String keyId, byte[] secret) {
        Map<String, Key> keys = new LinkedHashMap<>();
        keys.put(KeyRules.keyId(keyId), Key.of(KeyRules.secret(secret), Optional.empty()));
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
        copy.put(keyId, Key.of(KeyRules.secret(secret), Optional.of(Checks.required("retiredAt", retiredAt))));
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

    /**
     * Seals {@code plaintext} under the current key, authenticating {@code header} with it: the nonce, then the
     * ciphertext and its tag. The nonce is derived, not random (the first 96 bits of HMAC-SHA256 under the key's
     * nonce key over the header and the plaintext, as a synthetic IV), so the same fields always give the same token,
     * and distinct fields get distinct nonces but for a 2^-96 chance per pair.
     */
    byte[] seal(String header, byte[] plaintext) {
        Key key = keys.get(currentId);
        byte[] nonce = nonce(key, header, plaintext);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, key.aes(), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            gcm.updateAAD(header.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = gcm.doFinal(plaintext);
            byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + sealed.length);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is required of every Java platform", e);
        }
    }

    private static byte[] nonce(Key key, String header, byte[] plaintext) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] in = new byte[h.length + 1 + plaintext.length];
        System.arraycopy(h, 0, in, 0, h.length);
        System.arraycopy(plaintext, 0, in, h.length + 1, plaintext.length); // a zero byte between: no ambiguity
        return Arrays.copyOf(hmac(key.nonceKey(), in), NONCE_BYTES);
    }

    /** Why a token does or does not open. */
    enum Check { VALID, UNKNOWN_KEY, KEY_RETIRED, BAD_TAG }

    /** What opening a token gave: the check, and the plaintext when valid. */
    record Opened(Check check, byte[] plaintext) {
    }

    /**
     * Opens {@code sealed} (nonce, ciphertext, tag) under key {@code keyId}, valid at {@code now}: only for a key the
     * ring holds and, if retired and {@code graceApplies}, within its grace; the tag must verify over {@code header}
     * and the ciphertext, and the nonce must be the one the plaintext derives (so no two strings are one token).
     * Unsubscribe tokens are opened without the grace: refusing a genuine unsubscribe would keep sending marketing to
     * someone who asked to stop (GDPR Art. 21(3); Art. 7(3)), the opposite of failing closed.
     */
    Opened open(String keyId, String header, byte[] sealed, Instant now, boolean graceApplies) {
        Key key = keys.get(keyId);
        if (key == null) {
            return new Opened(Check.UNKNOWN_KEY, null);
        }
        if (graceApplies && key.retiredAt().isPresent() && !now.isBefore(plus(key.retiredAt().get(), grace))) {
            return new Opened(Check.KEY_RETIRED, null);
        }
        if (sealed.length < NONCE_BYTES + TAG_BYTES) {
            return new Opened(Check.BAD_TAG, null);
        }
        byte[] nonce = Arrays.copyOf(sealed, NONCE_BYTES);
        byte[] plaintext;
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, key.aes(), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            gcm.updateAAD(header.getBytes(StandardCharsets.UTF_8));
            plaintext = gcm.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (javax.crypto.AEADBadTagException bad) {
            return new Opened(Check.BAD_TAG, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is required of every Java platform", e);
        }
        return MessageDigest.isEqual(nonce(key, header, plaintext), nonce) ? new Opened(Check.VALID, plaintext)
                : new Opened(Check.BAD_TAG, null);
    }

    private static Instant plus(Instant t, Duration d) {
        try {
            return t.plus(d);
        } catch (ArithmeticException | java.time.DateTimeException beyond) {
            return Instant.MAX;
        }
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac.doFinal(data);
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
