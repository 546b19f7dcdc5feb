package dev.consent.retention;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The host's secret for the pseudonymous references that outlive an erasure: the {@link Tombstone tombstone} of an
 * erased subject and the {@link DisposalRecord#itemReference() item reference} of every disposal audit entry (and
 * its idempotency key). A reference is {@code <key id>:<HMAC-SHA256 in hex>}: without the secret, nobody can tell
 * which subject it names, not even someone who holds a list of every customer's email address (an unkeyed SHA-256
 * of the id could be matched against such a list in seconds). With the secret, the library can still answer "was
 * this subject erased?" for data restored from a backup.
 *
 * <p>The key id travels with each reference so that keys can be rotated: configure the new key as the
 * {@link RetentionService.Builder#referenceKey current} one and keep the old ones as
 * {@link RetentionService.Builder#retiredReferenceKey retired} keys, which are used only to match existing
 * references. A retired key may be dropped once no tombstone made under it can matter any more (no backup from
 * before the rotation can be restored). Keep the secret out of the database it protects.
 *
 * <p>Immutable and thread-safe; {@link #toString()} shows the id, never the secret.
 */
public final class ReferenceKey {
    /** The shortest secret accepted: 128 bits. */
    public static final int MIN_SECRET_BYTES = 16;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");

    private final String id;
    private final byte[] secret;
    /**
     * An HMAC initialised with the secret and never updated, cloned per reference: a sweep computes one per item, and
     * looking the algorithm up and keying it each time cost more than the HMAC itself. Null when the provider's HMAC
     * cannot be cloned (then each reference gets its own instance). Cloning only reads it, so threads may share it.
     */
    private final Mac keyed;

    private ReferenceKey(String id, byte[] secret) {
        this.id = id;
        this.secret = secret;
        Mac mac = newMac();
        Mac cloneable;
        try {
            mac.clone();
            cloneable = mac;
        } catch (CloneNotSupportedException e) {
            cloneable = null;
        }
        this.keyed = cloneable;
    }

    /**
     * A key named {@code id} (1 to 32 characters of {@code [A-Za-z0-9._-]}, starting with a letter or digit, e.g.
     * {@code 2026-01}) with a secret of at least {@value #MIN_SECRET_BYTES} bytes (copied).
     *
     * @param id the key's name
     * @param secret the HMAC secret
     * @return the key
     * @throws InvalidValueException when the id or the secret breaks those rules
     */
    public static ReferenceKey of(String id, byte[] secret) {
        Checks.required("referenceKey.id", id);
        if (!ID.matcher(id).matches()) {
            throw new InvalidValueException("referenceKey.id", id,
                    "must be 1 to 32 characters of [A-Za-z0-9._-], starting with a letter or digit");
        }
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new InvalidValueException("referenceKey.secret", secret == null ? null : secret.length + " bytes",
                    "must be at least " + MIN_SECRET_BYTES + " bytes");
        }
        return new ReferenceKey(id, secret.clone());
    }

    /**
     * The key's id, which each reference made with it begins with.
     *
     * @return the id given to {@link #of}
     */
    public String id() {
        return id;
    }

    /**
     * The tombstone reference of a subject: {@code <id>:<64 hex digits>}.
     *
     * @param subject the subject named
     * @return the same reference for the same subject and key, every time
     * @throws InvalidValueException when {@code subject} is null
     */
    public String subjectReference(SubjectId subject) {
        String s = Checks.required("subject", subject).value();
        return id + ":" + hmac("consent-subject-ref-v1\n" + s.length() + ":" + s);
    }

    /**
     * The audit reference of an item (subject, category, purpose): {@code <id>:<64 hex digits>}.
     *
     * @param item the item named
     * @return the same reference for the same item and key, every time; differs from the subject's reference
     * @throws InvalidValueException when {@code item} is null
     */
    public String itemReference(ItemKey item) {
        Checks.required("item", item);
        String s = item.subject().value();
        String c = item.category().value();
        String p = item.purposeKey();
        return id + ":" + hmac("consent-item-ref-v1\n" + s.length() + ":" + s + "\n" + c.length() + ":" + c + "\n"
                + p.length() + ":" + p);
    }

    /**
     * The id of the key a reference was made with, if it has the form {@code <id>:<64 hex digits>}.
     *
     * @param reference a subject or item reference; may be null
     * @return the key id, or empty when {@code reference} is null or not of that form
     */
    public static Optional<String> keyIdOf(String reference) {
        if (reference == null) {
            return Optional.empty();
        }
        int colon = reference.lastIndexOf(':');
        if (colon < 1 || !Checks.isSha256Hex(reference.substring(colon + 1))) {
            return Optional.empty();
        }
        String keyId = reference.substring(0, colon);
        return ID.matcher(keyId).matches() ? Optional.of(keyId) : Optional.empty();
    }

    private String hmac(String payload) {
        Mac mac;
        if (keyed == null) {
            mac = newMac();
        } else {
            try {
                mac = (Mac) keyed.clone();
            } catch (CloneNotSupportedException e) {
                mac = newMac(); // cannot happen: cloning it succeeded once, and its provider is fixed
            }
        }
        return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
    }

    /** A new HMAC-SHA256 keyed with the secret. */
    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return "ReferenceKey[" + id + "]";
    }
}
