package dev.consent.receipt;

import com.nimbusds.jose.jwk.ECKey;
import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;

import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;

/**
 * The controller's signing key for consent receipts: an EC key pair on curve P-256, with a key id, that signs each
 * receipt as a JSON Web Signature with ES256 (RFC 7515, RFC 7518 §3.4). The key id goes in the JWS header ({@code
 * kid}), the public key in the receipt ({@code publicKey}, a JWK), so that a customer or a regulator can check a
 * receipt with {@link ReceiptVerifier} and the public key the shop publishes, without the shop's database.
 *
 * <p>The host supplies the key, from its key store or secret manager; the library never generates or stores one.
 * Needs {@code com.nimbusds:nimbus-jose-jwt} on the class path (an optional dependency of consent-core). Ed25519
 * (EdDSA) is not offered: nimbus signs it only through Google Tink, which would be one more dependency. Immutable and
 * thread-safe.
 */
public final class ReceiptSigner {
    private final ECKey key;

    private ReceiptSigner(ECKey key) {
        this.key = key;
    }

    /**
     * A signer from a P-256 key pair (e.g. {@code KeyPairGenerator.getInstance("EC")} initialised with {@code new
     * ECGenParameterSpec("secp256r1")}, or one loaded from a PKCS#12 key store).
     *
     * @param keyId the key's id, 1 to 200 characters without control characters; name a new key anew, so that
     *     receipts signed with an old key can still be checked with that key
     * @param keyPair an EC key pair on curve P-256
     * @return the signer
     * @throws dev.consent.InvalidValueException when the key id breaks its rule or the key is not on P-256
     * @throws IllegalStateException when nimbus-jose-jwt is not on the class path
     */
    public static ReceiptSigner es256(String keyId, KeyPair keyPair) {
        Checks.text("keyId", keyId, 200);
        Checks.required("keyPair", keyPair);
        if (!(keyPair.getPublic() instanceof ECPublicKey pub) || !(keyPair.getPrivate() instanceof ECPrivateKey priv)) {
            throw new InvalidValueException("keyPair", keyPair.getPublic().getAlgorithm(),
                    "must be an EC key pair on curve P-256 (receipts are signed with ES256)");
        }
        JoseLibrary.require();
        return new ReceiptSigner(Jose.ecKey(keyId, pub, priv));
    }

    /**
     * A signer from a private JWK (RFC 7517) of an EC key on P-256, which must name its key id ({@code kid}).
     *
     * @param privateJwk the JWK as JSON, with its private part
     * @return the signer
     * @throws dev.consent.InvalidValueException when the JWK is not a private P-256 key or names no key id
     * @throws IllegalStateException when nimbus-jose-jwt is not on the class path
     */
    public static ReceiptSigner fromJwk(String privateJwk) {
        Checks.required("privateJwk", privateJwk);
        JoseLibrary.require();
        ECKey key = Jose.parseKey("privateJwk", privateJwk, true);
        if (key.getKeyID() == null || key.getKeyID().isBlank()) {
            throw new InvalidValueException("privateJwk.kid", null, "is required: receipts name the key they were "
                    + "signed with");
        }
        Checks.text("privateJwk.kid", key.getKeyID(), 200);
        return new ReceiptSigner(key);
    }

    /**
     * The key id written in every receipt's JWS header.
     *
     * @return the key id, 1 to 200 characters
     */
    public String keyId() {
        return key.getKeyID();
    }

    /**
     * The public key, what the shop publishes for verifying its receipts.
     *
     * @return the public key as a JWK (JSON, with {@code kid}), without the private part
     */
    public String publicJwk() {
        return Jose.publicJwk(key);
    }

    /** Signs a receipt's JSON; returns the JWS in compact serialization. */
    String sign(String payloadJson) {
        return Jose.sign(key, payloadJson);
    }

    @Override
    public String toString() {
        return "ReceiptSigner[ES256, kid " + key.getKeyID() + "]"; // never the private key
    }
}
