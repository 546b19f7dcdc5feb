package dev.consent.receipt;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** Fresh P-256 key pairs and signers for tests, made with the JDK alone, as a host would make its own. */
public final class TestKeys {
    private TestKeys() {
    }

    public static KeyPair p256() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform has EC on secp256r1", e);
        }
    }

    public static ReceiptSigner signer(String keyId) {
        return ReceiptSigner.es256(keyId, p256());
    }
}
