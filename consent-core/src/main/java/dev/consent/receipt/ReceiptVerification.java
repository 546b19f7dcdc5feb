package dev.consent.receipt;

import java.util.Optional;

/**
 * What checking a signed receipt found: whether its signature is valid under the key given, the key id it names, and
 * the receipt (the signed JSON) when it is valid, or why it is not.
 *
 * @param valid whether the signature verifies under the key given and nothing else is wrong
 * @param keyId the {@code kid} of the JWS header, or {@code null} when the JWS could not be read
 * @param payload the receipt's JSON; present only when {@code valid}
 * @param problem why the receipt is not valid; present only when not {@code valid}
 */
public record ReceiptVerification(boolean valid, String keyId, Optional<String> payload, Optional<String> problem) {

    /**
     * Holds a verdict that is consistent: a payload exactly when valid, a problem exactly when not.
     *
     * @param valid whether the signature verifies under the key given and nothing else is wrong
     * @param keyId the {@code kid} of the JWS header, or {@code null} when the JWS could not be read
     * @param payload the receipt's JSON when valid
     * @param problem why the receipt is not valid
     * @throws IllegalArgumentException when the verdict contradicts itself
     */
    public ReceiptVerification {
        if (valid == payload.isEmpty() || valid == problem.isPresent()) {
            throw new IllegalArgumentException("a valid receipt has a payload and no problem, an invalid one the reverse");
        }
    }

    static ReceiptVerification valid(String keyId, String payload) {
        return new ReceiptVerification(true, keyId, Optional.of(payload), Optional.empty());
    }

    static ReceiptVerification invalid(String keyId, String problem) {
        return new ReceiptVerification(false, keyId, Optional.empty(), Optional.of(problem));
    }
}
