package dev.consent.email;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The library's sealed email tokens: {@code <kind>2.<keyId>.<sealed>}, where kind is {@code c} (double opt-in
 * confirmation) or {@code u} (unsubscribe), {@code 2} the format version, and {@code sealed} the unpadded base64url of
 * a 96-bit nonce, the AES-256-GCM encryption of the UTF-8 fields joined by line feeds (no field holds a control
 * character: every id refuses them) and the 128-bit tag, under the named key, with {@code <kind>2.<keyId>} as
 * associated data ({@link EmailKeys#seal}). The fields are not readable from the token (no personal data in URLs),
 * and no altered token opens. Only canonical base64url is accepted and the nonce must be the one the fields derive, so
 * no two strings are the same token. Every character is URL-safe. docs/email.md describes the fields of each kind.
 */
final class EmailToken {
    /** Longer input is refused before it is decoded. */
    static final int MAX_LENGTH = 2_000;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final String VERSION = "2";

    private EmailToken() {
    }

    /** A token of {@code kind} ('c' or 'u') carrying {@code fields}, sealed with the ring's current key. */
    static String issue(EmailKeys keys, char kind, List<String> fields) {
        String header = kind + VERSION + "." + keys.currentKeyId();
        byte[] plaintext = String.join("\n", fields).getBytes(StandardCharsets.UTF_8);
        return header + "." + ENCODER.encodeToString(keys.seal(header, plaintext));
    }

    /** The outcome of reading a token: its fields, or why it was refused. */
    record Read(Optional<List<String>> fields, String refusal) {
        static Read refused(String why) {
            return new Read(Optional.empty(), why);
        }
    }

    /**
     * The fields of a token of {@code kind} with {@code arity} fields that opens at {@code now}; otherwise the reason
     * it was refused (malformed, another kind, unknown key, retired key past its grace, altered or forged).
     */
    static Read read(EmailKeys keys, String token, char kind, int arity, Instant now) {
        return read(keys, token, kind, arity, arity, now);
    }

    /** As {@link #read(EmailKeys, String, char, int, Instant)}, for a kind of {@code minArity} to {@code maxArity} fields. */
    static Read read(EmailKeys keys, String token, char kind, int minArity, int maxArity, Instant now) {
        if (token == null || token.isEmpty() || token.length() > MAX_LENGTH) {
            return Read.refused("the token is missing or longer than " + MAX_LENGTH + " characters");
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || !parts[0].equals(kind + VERSION)) {
            return Read.refused("the token is not a " + (kind == 'c' ? "confirmation" : "unsubscribe") + " token");
        }
        byte[] sealed = decode(parts[2]);
        if (sealed == null) {
            return Read.refused("the token is not canonical base64url");
        }
        // unsubscribe tokens open under a retired key without the grace (see EmailKeys.open)
        EmailKeys.Opened opened = keys.open(parts[1], parts[0] + "." + parts[1], sealed, now, kind != 'u');
        switch (opened.check()) {
            case UNKNOWN_KEY:
                return Read.refused("the token's key is unknown");
            case KEY_RETIRED:
                return Read.refused("the token's key was retired longer ago than the grace period");
            case BAD_TAG:
                return Read.refused("the token does not open under its key (altered or forged)");
            default:
                break;
        }
        List<String> fields = List.of(new String(opened.plaintext(), StandardCharsets.UTF_8).split("\n", -1));
        if (fields.size() < minArity || fields.size() > maxArity) {
            return Read.refused("the token has " + fields.size() + " fields, not " + minArity
                    + (maxArity == minArity ? "" : " to " + maxArity));
        }
        return new Read(Optional.of(fields), null);
    }

    /** The lower-case hex SHA-256 of the token's text: what the ledger keeps of a token, never the token itself. */
    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** The bytes of canonical unpadded base64url text, or null. */
    private static byte[] decode(String text) {
        try {
            byte[] bytes = DECODER.decode(text);
            return ENCODER.encodeToString(bytes).equals(text) ? bytes : null;
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
    }
}
