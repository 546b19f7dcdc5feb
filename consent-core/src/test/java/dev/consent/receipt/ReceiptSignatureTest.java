package dev.consent.receipt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.consent.InvalidValueException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Signing and checking receipts with the host's key: ES256 on P-256 only, the key id in the header, the public key
 * enough to check, and every way of passing off something else as a receipt answered as not valid.
 */
class ReceiptSignatureTest {
    private static final String RECEIPT = "{\"version\":\"KI-CR-v1.1.0\",\"consentReceiptID\":\"r-1\"}";

    @Test
    void aSignedReceiptVerifiesWithThePublicKeyAndNamesItsKey() {
        ReceiptSigner signer = TestKeys.signer("shop-key-1");
        String jws = signer.sign(RECEIPT);
        ReceiptVerification v = ReceiptVerifier.verify(jws, signer.publicJwk());
        assertThat(v.valid()).isTrue();
        assertThat(v.keyId()).isEqualTo("shop-key-1");
        assertThat(v.payload()).contains(RECEIPT);
        assertThat(signer.publicJwk()).contains("\"kid\":\"shop-key-1\"", "\"crv\":\"P-256\"").doesNotContain("\"d\"");
        assertThat(signer.toString()).doesNotContain("\"d\"");
        String header = new String(Base64.getUrlDecoder().decode(jws.substring(0, jws.indexOf('.'))),
                StandardCharsets.UTF_8);
        assertThat(header).contains("\"alg\":\"ES256\"", "\"kid\":\"shop-key-1\"");
    }

    @Test
    void aSignerFromAPrivateJwkSignsAsTheKeyPairWould() throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("from-jwk").generate();
        ReceiptSigner signer = ReceiptSigner.fromJwk(key.toJSONString());
        assertThat(signer.keyId()).isEqualTo("from-jwk");
        String jws = signer.sign(RECEIPT);
        assertThat(ReceiptVerifier.verify(jws, key.toPublicJWK().toJSONString()).valid()).isTrue();
        // a private JWK given to the verifier: only its public part is used
        assertThat(ReceiptVerifier.verify(jws, key.toJSONString()).valid()).isTrue();
    }

    @Test
    void keysThatCannotSignReceiptsAreRefused() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair rsaPair = rsa.generateKeyPair();
        assertThatThrownBy(() -> ReceiptSigner.es256("k", rsaPair)).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("P-256");
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair p384 = ec.generateKeyPair();
        assertThatThrownBy(() -> ReceiptSigner.es256("k", p384)).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("P-256");
        assertThatThrownBy(() -> ReceiptSigner.es256(" ", TestKeys.p256())).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("keyId");

        ECKey noKid = new ECKeyGenerator(Curve.P_256).generate();
        assertThatThrownBy(() -> ReceiptSigner.fromJwk(noKid.toJSONString())).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("kid");
        ECKey publicOnly = new ECKeyGenerator(Curve.P_256).keyID("pub").generate().toPublicJWK();
        assertThatThrownBy(() -> ReceiptSigner.fromJwk(publicOnly.toJSONString()))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("private key");
        ECKey p384Jwk = new ECKeyGenerator(Curve.P_384).keyID("big").generate();
        assertThatThrownBy(() -> ReceiptSigner.fromJwk(p384Jwk.toJSONString()))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("P-256");
        // a malformed key is refused without quoting it: it may hold a private key
        String secret = "{\"kty\":\"EC\",\"d\":\"c2VjcmV0LXByaXZhdGUta2V5\"";
        assertThatThrownBy(() -> ReceiptSigner.fromJwk(secret)).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("not a JSON Web Key").hasMessageNotContaining("c2VjcmV0");
        assertThatThrownBy(() -> ReceiptVerifier.verify("a.b.c", "not a key")).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("publicJwk");
    }

    @Test
    void whatIsNotAReceiptSignedByTheKeyIsNotValid() throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("shop").generate();
        String publicJwk = key.toPublicJWK().toJSONString();

        assertThat(ReceiptVerifier.verify("not a jws", publicJwk).problem()).hasValueSatisfying(p ->
                assertThat(p).contains("not a JWS"));
        // unsigned ("alg": "none"), as an attacker would send it
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String none = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(RECEIPT.getBytes(StandardCharsets.UTF_8)) + ".";
        assertThat(ReceiptVerifier.verify(none, publicJwk).valid()).isFalse();
        // signed with a shared secret instead of the controller's key
        JWSObject hmac = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("shop").build(),
                new Payload(RECEIPT));
        hmac.sign(new MACSigner(new byte[32]));
        assertThat(ReceiptVerifier.verify(hmac.serialize(), publicJwk).problem()).hasValueSatisfying(p ->
                assertThat(p).contains("HS256"));
        // signed by the right key under another key id
        JWSObject otherKid = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("old-key").build(),
                new Payload(RECEIPT));
        otherKid.sign(new ECDSASigner(key));
        assertThat(ReceiptVerifier.verify(otherKid.serialize(), publicJwk).problem()).hasValueSatisfying(p ->
                assertThat(p).contains("old-key"));
        // a signed payload that is not a receipt object
        JWSObject notJson = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("shop").build(),
                new Payload("[1, 2]"));
        notJson.sign(new ECDSASigner(key));
        assertThat(ReceiptVerifier.verify(notJson.serialize(), publicJwk).valid()).isFalse();
        // a receipt that names another public key than the one that signed it
        ECKey other = new ECKeyGenerator(Curve.P_256).keyID("shop").generate();
        String namesOther = "{\"publicKey\":" + com.fasterxml.jackson.databind.node.TextNode
                .valueOf(other.toPublicJWK().toJSONString()) + "}";
        JWSObject mismatch = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("shop").build(),
                new Payload(namesOther));
        mismatch.sign(new ECDSASigner(key));
        assertThat(ReceiptVerifier.verify(mismatch.serialize(), publicJwk).problem()).hasValueSatisfying(p ->
                assertThat(p).contains("another public key"));
    }

    /**
     * Base64url's last character can carry bits that decoding ignores. Changed there, the text of a receipt differs
     * while its bytes do not; the verifier refuses it (before the fix, such a changed character verified).
     */
    @Test
    void aCharacterChangedOnlyInBitsThatDecodingIgnoresIsRefused() {
        ReceiptSigner signer = TestKeys.signer("k");
        String jws = signer.sign(RECEIPT);
        // a 64-byte ES256 signature is 86 characters, whose last carries 2 bits and 4 unused ones
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char last = jws.charAt(jws.length() - 1);
        int value = alphabet.indexOf(last);
        char sameBits = alphabet.charAt(value ^ 0b0001);
        String changed = jws.substring(0, jws.length() - 1) + sameBits;
        assertThat(Base64.getUrlDecoder().decode(changed.substring(changed.lastIndexOf('.') + 1)))
                .isEqualTo(Base64.getUrlDecoder().decode(jws.substring(jws.lastIndexOf('.') + 1)));
        assertThat(ReceiptVerifier.verify(changed, signer.publicJwk()).problem()).hasValueSatisfying(p ->
                assertThat(p).contains("not canonical base64url"));
    }
}
