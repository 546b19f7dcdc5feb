package dev.consent.ledger;

import dev.consent.internal.Checks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The unique id of a consent event. A client that may deliver the same choice twice (an offline app
 * that retries) supplies its own id; recording the same id again returns the stored event instead of
 * appending a duplicate. At most {@value #MAX_LENGTH} characters.
 */
public record EventId(String value) {
    /** The longest id the ledger stores. */
    public static final int MAX_LENGTH = 100;
    /** Hex digits of SHA-256 that stand for the whole of a derived id too long to store (128 bits). */
    private static final int HASH_DIGITS = 32;

    /**
     * Accepts the id verbatim.
     *
     * @param value the id
     * @throws dev.consent.InvalidValueException (field {@code eventId}) when it is null, blank, longer than
     *         {@link #MAX_LENGTH} or holds a control character
     */
    public EventId {
        Checks.text("eventId", value, MAX_LENGTH);
    }

    /**
     * The client's own id of an event, verbatim; checked as {@link #EventId(String) the constructor} checks it.
     *
     * @param value the id the client supplies, the same on every delivery of one choice
     * @return the id
     */
    public static EventId of(String value) {
        return new EventId(value);
    }

    /**
     * A new id no other event has (a random UUID): for a choice that is delivered once.
     *
     * @return the new id
     */
    public static EventId random() {
        return new EventId(UUID.randomUUID().toString());
    }

    /**
     * The id of one of several events derived from this one (one per purpose of a withdrawal, one per action of a
     * rights request): {@code <this>/<part>} when that fits in {@value #MAX_LENGTH} characters; otherwise its
     * first characters, {@code ~} and 32 hex digits of the SHA-256 of the whole of it, exactly
     * {@value #MAX_LENGTH} characters. Always a valid id, whatever the lengths of this id and of {@code part}
     * (which must be non-blank text without control characters), and deterministic: deriving again gives the same
     * id, so a redelivered or repeated request is recorded once. Two different derivations collide only if
     * SHA-256 truncated to 128 bits does (and a collision is refused as a conflicting event, never merged).
     *
     * @param part what distinguishes this derived event from its siblings (a purpose id, an action)
     * @return the derived id, at most {@value #MAX_LENGTH} characters
     */
    public EventId derive(String part) {
        Checks.text("part", part, 10_000);
        String whole = value + "/" + part;
        if (whole.length() <= MAX_LENGTH) {
            return new EventId(whole);
        }
        int keep = MAX_LENGTH - 1 - HASH_DIGITS;
        if (Character.isHighSurrogate(whole.charAt(keep - 1))) {
            keep--; // never cut a surrogate pair in half
        }
        String hash = HexFormat.of().formatHex(sha256(whole), 0, HASH_DIGITS / 2);
        return new EventId(whole.substring(0, keep) + "~" + hash);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
