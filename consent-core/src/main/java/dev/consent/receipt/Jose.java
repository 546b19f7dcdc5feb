package dev.consent.receipt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import dev.consent.InvalidValueException;

import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;

/**
 * Every use of nimbus-jose-jwt, an optional dependency, in one class: the receipt types load it only when a receipt is
 * signed or verified, so that the rest of the library runs without it on the class path. Loading this class needs the
 * library (the verifier loads the exception types it catches): {@link JoseLibrary#require()} is called first.
 */
final class Jose {
    /** Receipts are signed with ECDSA on P-256 and SHA-256 (RFC 7518 §3.4), which the JDK implements itself. */
    static final JWSAlgorithm ALGORITHM = JWSAlgorithm.ES256;
    /** The media type of a signed receipt's payload: the receipt's JSON (RFC 7515 §4.1.9 {@code typ}). */
    static final String TYPE = "kantara-cr+jws";

    private Jose() {
    }

    /** A P-256 key pair as a JWK with its key id; a private key is kept when given. */
    static ECKey ecKey(String keyId, ECPublicKey publicKey, ECPrivateKey privateKey) {
        try {
            ECKey.Builder b = new ECKey.Builder(Curve.P_256, publicKey).keyID(keyId);
            if (privateKey != null) {
                b.privateKey(privateKey);
            }
            return b.build();
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new InvalidValueException("key", keyId, "must be an EC key on curve P-256 (ES256): " + e.getMessage());
        }
    }

    /** Reads a JWK (JSON); it must be an EC key on P-256 and, when {@code needPrivate}, hold its private part. */
    static ECKey parseKey(String field, String json, boolean needPrivate) {
        JWK jwk;
        try {
            jwk = JWK.parse(json);
        } catch (ParseException e) {
            throw new InvalidValueException(field, "(" + (json == null ? 0 : json.length()) + " characters)",
                    "is not a JSON Web Key (RFC 7517): " + e.getMessage());
        }
        if (!(jwk instanceof ECKey ec) || !Curve.P_256.equals(ec.getCurve())) {
            throw new InvalidValueException(field, jwk.getKeyType() + " " + jwk.getKeyID(),
                    "must be an EC key on curve P-256 (receipts are signed with ES256)");
        }
        if (needPrivate && !ec.isPrivate()) {
            throw new InvalidValueException(field, ec.getKeyID(), "must hold the private key (the \"d\" member) to sign");
        }
        return ec;
    }

    static String publicJwk(ECKey key) {
        return key.toPublicJWK().toJSONString();
    }

    /** The key's RFC 7638 thumbprint (SHA-256, base64url): what identifies it whatever the JSON looks like. */
    static String thumbprint(ECKey key) {
        try {
            return key.toPublicJWK().computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    static String sign(ECKey key, String payloadJson) {
        JWSObject jws = new JWSObject(new JWSHeader.Builder(ALGORITHM).keyID(key.getKeyID())
                .type(new JOSEObjectType(TYPE)).build(), new Payload(payloadJson));
        try {
            jws.sign(new ECDSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("the receipt could not be signed with key " + key.getKeyID() + ": "
                    + e.getMessage(), e);
        }
        return jws.serialize();
    }

    /**
     * The part of a compact JWS whose base64url text is not the one its bytes encode to, or null. Base64url's last
     * character can carry bits that decoding drops: a receipt with such a character changed would decode, and verify,
     * as the original, although its text differs. Only the canonical text (unpadded, unused bits zero, RFC 7515 §2) is
     * the receipt that was signed.
     */
    static String nonCanonicalPart(String compact) {
        String[] parts = compact.split("\\.", -1);
        if (parts.length != 3) {
            return null; // the parser reports the shape
        }
        String[] names = {"header", "payload", "signature"};
        java.util.Base64.Encoder encoder = java.util.Base64.getUrlEncoder().withoutPadding();
        for (int i = 0; i < 3; i++) {
            try {
                if (!encoder.encodeToString(java.util.Base64.getUrlDecoder().decode(parts[i])).equals(parts[i])) {
                    return names[i];
                }
            } catch (IllegalArgumentException e) {
                return names[i];
            }
        }
        return null;
    }

    /** Checks a compact JWS against a public key; never throws for a malformed or forged JWS, it answers so. */
    static ReceiptVerification verify(String compact, ECKey key) {
        String nonCanonical = nonCanonicalPart(compact);
        if (nonCanonical != null) {
            return ReceiptVerification.invalid(null, "the " + nonCanonical + " is not canonical base64url: a character "
                    + "was changed in bits the decoding ignores, so this is not the JWS that was signed");
        }
        JWSObject jws;
        try {
            jws = JWSObject.parse(compact);
        } catch (ParseException e) {
            return ReceiptVerification.invalid(null, "not a JWS in compact serialization: " + e.getMessage());
        }
        JWSHeader header = jws.getHeader();
        String kid = header.getKeyID();
        if (!ALGORITHM.equals(header.getAlgorithm())) {
            return ReceiptVerification.invalid(kid, "signed with " + header.getAlgorithm() + "; receipts are signed "
                    + "with " + ALGORITHM);
        }
        if (key.getKeyID() != null && !key.getKeyID().equals(kid)) {
            return ReceiptVerification.invalid(kid, "signed with key id " + kid + ", but the key given is "
                    + key.getKeyID());
        }
        try {
            if (!jws.verify(new ECDSAVerifier(key.toECPublicKey()))) {
                return ReceiptVerification.invalid(kid, "the signature does not match the receipt: it was changed "
                        + "after signing, or signed with another key");
            }
        } catch (JOSEException e) {
            return ReceiptVerification.invalid(kid, "the signature could not be checked: " + e.getMessage());
        }
        return ReceiptVerification.valid(kid, jws.getPayload().toString());
    }
}
