package dev.consent.ledger;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What shows how a choice was collected (GDPR Art. 7(1): the controller must be able to demonstrate
 * consent): which notice the subject saw (its id and the SHA-256 of its text), in which language, from
 * which user agent and (minimised) network address, and a free reference such as a double opt-in
 * message id. Every field is optional.
 *
 * <p>The IP address given here is minimised by the consent service before it is stored (IPv4 to /24,
 * IPv6 to /48, or a keyed hash; see {@link IpMinimizer}), so a raw address never reaches the ledger.
 */
public record Evidence(String noticeId, String noticeHash, String locale, String userAgent, String ip,
        String reference) {
    public static final Evidence NONE = new Evidence(null, null, null, null, null, null);

    public Evidence {
        Checks.optionalText("evidence.noticeId", noticeId, 200);
        if (noticeHash != null && !Checks.isSha256Hex(noticeHash)) {
            throw new InvalidValueException("evidence.noticeHash", noticeHash, "must be 64 lower-case hex digits (SHA-256)");
        }
        Checks.optionalText("evidence.locale", locale, 35);
        Checks.optionalText("evidence.userAgent", userAgent, 1000);
        Checks.optionalText("evidence.ip", ip, 100);
        Checks.optionalText("evidence.reference", reference, 1000);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Evidence withIp(String ip) {
        return new Evidence(noticeId, noticeHash, locale, userAgent, ip, reference);
    }

    /** SHA-256 of the UTF-8 bytes of a notice text, as lower-case hex. */
    public static String hashOf(String noticeText) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(noticeText.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** Builds evidence field by field. */
    public static final class Builder {
        private String noticeId;
        private String noticeHash;
        private String locale;
        private String userAgent;
        private String ip;
        private String reference;

        private Builder() {
        }

        /** The notice shown, by id, and the exact text shown, which is hashed (the text is not stored). */
        public Builder notice(String id, String text) {
            this.noticeId = id;
            this.noticeHash = text == null ? null : hashOf(text);
            return this;
        }

        public Builder noticeId(String id) {
            this.noticeId = id;
            return this;
        }

        public Builder noticeHash(String sha256Hex) {
            this.noticeHash = sha256Hex;
            return this;
        }

        public Builder locale(String languageTag) {
            this.locale = languageTag;
            return this;
        }

        public Builder userAgent(String userAgent) {
            this.userAgent = userAgent;
            return this;
        }

        /** The client address; minimised by the service before it is stored. */
        public Builder ip(String ip) {
            this.ip = ip;
            return this;
        }

        public Builder reference(String reference) {
            this.reference = reference;
            return this;
        }

        public Evidence build() {
            return new Evidence(noticeId, noticeHash, locale, userAgent, ip, reference);
        }
    }
}
