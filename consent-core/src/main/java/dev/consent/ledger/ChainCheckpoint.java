package dev.consent.ledger;

import dev.consent.internal.Checks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stands in for a pruned prefix of a subject's chain: the last pruned event's sequence and hash, when the prefix
 * was pruned, and the horizon before which point-in-time answers would have needed the pruned events. Signed
 * with HMAC-SHA256 under the shop's checkpoint key, so that whoever can write the store cannot forge a
 * checkpoint to hide a rewritten history.
 *
 * @param subject the subject whose chain was pruned
 * @param sequence the sequence number of the last pruned event; the first kept event follows it
 * @param hash the chain hash of the last pruned event, which the first kept event links to
 * @param prunedAt when the prefix was pruned
 * @param horizon the instant from which every pruned event was superseded; decisions at earlier instants are no
 *     longer provable and are refused
 * @param signature the HMAC-SHA256 of the other fields under the checkpoint key, as lower-case hex
 */
public record ChainCheckpoint(SubjectId subject, long sequence, String hash, Instant prunedAt, Instant horizon,
        String signature) {

    /**
     * Holds the fields as given; whether the signature is right is {@link #verifies(byte[])}'s question.
     *
     * @param subject the subject whose chain was pruned
     * @param sequence the sequence number of the last pruned event
     * @param hash the chain hash of the last pruned event
     * @param prunedAt when the prefix was pruned
     * @param horizon the instant before which decisions are no longer provable
     * @param signature the HMAC-SHA256 of the other fields, as lower-case hex
     * @throws dev.consent.InvalidValueException naming the field that is null
     */
    public ChainCheckpoint {
        Checks.required("subject", subject);
        Checks.required("hash", hash);
        Checks.required("prunedAt", prunedAt);
        Checks.required("horizon", horizon);
        Checks.required("signature", signature);
    }

    /**
     * A checkpoint signed with {@code key}.
     *
     * @param subject the subject whose chain was pruned
     * @param sequence the sequence number of the last pruned event
     * @param hash the chain hash of the last pruned event
     * @param prunedAt when the prefix was pruned
     * @param horizon the instant before which decisions are no longer provable
     * @param key the shop's checkpoint key
     * @return the checkpoint, which {@link #verifies(byte[])} under {@code key} and under no other key
     */
    public static ChainCheckpoint sign(SubjectId subject, long sequence, String hash, Instant prunedAt, Instant horizon,
            byte[] key) {
        return new ChainCheckpoint(subject, sequence, hash, prunedAt, horizon,
                hmac(key, payload(subject, sequence, hash, prunedAt, horizon)));
    }

    /**
     * Whether the signature is this checkpoint's under {@code key}, compared in constant time.
     *
     * @param key the shop's checkpoint key
     * @return false when any field or the signature was changed after signing, or the key differs
     */
    public boolean verifies(byte[] key) {
        String expected = hmac(key, payload(subject, sequence, hash, prunedAt, horizon));
        return java.security.MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }

    private static String payload(SubjectId subject, long sequence, String hash, Instant prunedAt, Instant horizon) {
        String s = subject.value();
        return "consent-checkpoint-v1\n" + s.getBytes(StandardCharsets.UTF_8).length + ":" + s + "\n" + sequence + "\n"
                + hash + "\n" + prunedAt + "\n" + horizon;
    }

    private static String hmac(byte[] key, String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }
}
