package dev.consent.email;

import dev.consent.InvalidValueException;

import java.util.Arrays;
import java.util.regex.Pattern;

/** The rules every key ring of this package holds its keys to: {@link EmailKeys} and {@link SuppressionKeys}. */
final class KeyRules {
    private static final Pattern KEY_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,15}");

    private KeyRules() {
    }

    /** The key id, if it is 1 to 16 of a-z, 0-9 and '-', starting with a letter or digit. */
    static String keyId(String keyId) {
        if (keyId == null || !KEY_ID.matcher(keyId).matches()) {
            throw new InvalidValueException("keyId", keyId, "must be 1 to 16 of a-z, 0-9 and '-', starting with a"
                    + " letter or digit");
        }
        return keyId;
    }

    /** A copy of the secret, if it is at least {@link EmailKeys#MIN_SECRET_BYTES} bytes. */
    static byte[] secret(byte[] secret) {
        if (secret == null || secret.length < EmailKeys.MIN_SECRET_BYTES) {
            throw new InvalidValueException("secret", secret == null ? null : secret.length + " bytes",
                    "must be at least " + EmailKeys.MIN_SECRET_BYTES + " bytes");
        }
        return Arrays.copyOf(secret, secret.length);
    }
}
