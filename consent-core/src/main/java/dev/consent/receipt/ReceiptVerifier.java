package dev.consent.receipt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.ECKey;
import dev.consent.internal.Checks;

import java.io.IOException;

/**
 * Checks a signed consent receipt with the controller's public key alone: no database, no shop. A receipt is valid
 * when its JWS is signed with ES256 by that key (the key ids agree, when the key names one), its payload is a JSON
 * object, and the public key the receipt names, if any, is that same key. Anything else, including a single changed
 * byte anywhere in the receipt, is answered as not valid, with the reason. The command line of consent-examples
 * wraps it ({@code consent verify-receipt <receipt.jws> <public-key.jwk>}). Needs {@code
 * com.nimbusds:nimbus-jose-jwt} on the class path.
 */
public final class ReceiptVerifier {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ReceiptVerifier() {
    }

    /**
     * Checks {@code jws} (compact serialization) against {@code publicJwk} (a JWK of an EC key on P-256, as
     * {@link ReceiptSigner#publicJwk()} gives it; a private JWK is accepted and only its public part used).
     *
     * @param jws the receipt as handed out
     * @param publicJwk the key the shop publishes
     * @return valid with the receipt's JSON, or not valid with the reason; never throws for a bad receipt
     * @throws dev.consent.InvalidValueException when {@code publicJwk} is not such a key: the trusted input is wrong,
     *     not the receipt
     */
    public static ReceiptVerification verify(String jws, String publicJwk) {
        Checks.required("jws", jws);
        Checks.required("publicJwk", publicJwk);
        JoseLibrary.require();
        ECKey key = Jose.parseKey("publicJwk", publicJwk, false);
        ReceiptVerification checked = Jose.verify(jws.strip(), key);
        if (!checked.valid()) {
            return checked;
        }
        JsonNode receipt;
        try {
            receipt = MAPPER.readTree(checked.payload().orElseThrow());
        } catch (IOException e) {
            return ReceiptVerification.invalid(checked.keyId(), "the signed payload is not JSON");
        }
        if (receipt == null || !receipt.isObject()) {
            return ReceiptVerification.invalid(checked.keyId(), "the signed payload is not a JSON object");
        }
        JsonNode named = receipt.get("publicKey");
        if (named != null) {
            try {
                ECKey inReceipt = Jose.parseKey("publicKey", named.asText(), false);
                if (!Jose.thumbprint(inReceipt).equals(Jose.thumbprint(key))) {
                    return ReceiptVerification.invalid(checked.keyId(), "the receipt names another public key than "
                            + "the one it is signed with");
                }
            } catch (dev.consent.InvalidValueException e) {
                return ReceiptVerification.invalid(checked.keyId(), "the receipt's publicKey is not a P-256 JWK");
            }
        }
        return checked;
    }
}
