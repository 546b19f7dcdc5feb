package dev.consent.processing;

import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keyed pseudonyms of the processing log: HMAC-SHA-256 of a fixed context and the subject's id under a secret
 * key, in lower-case hex. The same subject always gets the same pseudonym under one key, and without the key a
 * pseudonym does not lead back to the subject (GDPR Art. 4(5)). Holds its own copy of the key. Thread-safe.
 */
final class Pseudonyms {
    private static final String CONTEXT = "dev.consent/processing-log\n";

    private final byte[] key;

    /** {@code key} is copied; the builder has checked it is at least 16 bytes. */
    Pseudonyms(byte[] key) {
        this.key = key.clone();
    }

    String of(SubjectId subject) {
        Checks.required("subject", subject);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((CONTEXT + subject.value()).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }
}
