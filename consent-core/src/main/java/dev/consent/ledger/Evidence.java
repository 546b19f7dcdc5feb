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
    /** No evidence at all: every field absent. */
    public static final Evidence NONE = new Evidence(null, null, null, null, null, null);

    /**
     * Checks each present field; absent (null) fields stay absent.
     *
     * @param noticeId the id of the notice shown
     * @param noticeHash SHA-256 of the notice text, 64 lower-case hex digits ({@link #hashOf(String)})
     * @param locale the BCP 47 language tag of the notice
     * @param userAgent the client's user agent
     * @param ip the client address (minimised before it is stored)
     * @param reference a free reference, such as a double opt-in message id
     * @throws InvalidValueException (field {@code evidence.<name>}) when a field holds a control character or is
     *         longer than its limit (notice id 200, locale 35, user agent 1000, ip 100, reference 1000 characters),
     *         or when the notice hash is not 64 lower-case hex digits
     */
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

    /**
     * A builder with every field absent.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * This evidence with its address replaced (the service puts the minimised address here before storing).
     *
     * @param ip the address to keep, or null for none
     * @return the copy, checked as the constructor checks it
     */
    public Evidence withIp(String ip) {
        return new Evidence(noticeId, noticeHash, locale, userAgent, ip, reference);
    }

    /**
     * The hash that identifies a notice text without storing it.
     *
     * @param noticeText the exact text shown
     * @return SHA-256 of its UTF-8 bytes, as 64 lower-case hex digits
     */
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

        /**
         * The notice shown, by id, and the exact text shown, which is hashed (the text is not stored).
         *
         * @param id the notice's id, or null
         * @param text the text shown, or null for no hash
         * @return this builder
         */
        public Builder notice(String id, String text) {
            this.noticeId = id;
            this.noticeHash = text == null ? null : hashOf(text);
            return this;
        }

        /**
         * The id of the notice shown, without its text.
         *
         * @param id at most 200 characters, or null
         * @return this builder
         */
        public Builder noticeId(String id) {
            this.noticeId = id;
            return this;
        }

        /**
         * The hash of the notice text, computed elsewhere (with {@link Evidence#hashOf(String)} or the same function).
         *
         * @param sha256Hex 64 lower-case hex digits, or null
         * @return this builder
         */
        public Builder noticeHash(String sha256Hex) {
            this.noticeHash = sha256Hex;
            return this;
        }

        /**
         * The language the notice was shown in.
         *
         * @param languageTag a BCP 47 tag such as {@code de-DE}, at most 35 characters, or null
         * @return this builder
         */
        public Builder locale(String languageTag) {
            this.locale = languageTag;
            return this;
        }

        /**
         * The client's user agent, verbatim.
         *
         * @param userAgent at most 1000 characters, or null
         * @return this builder
         */
        public Builder userAgent(String userAgent) {
            this.userAgent = userAgent;
            return this;
        }

        /**
         * The client address; minimised by the service before it is stored.
         *
         * @param ip an IPv4 or IPv6 address, or null
         * @return this builder
         */
        public Builder ip(String ip) {
            this.ip = ip;
            return this;
        }

        /**
         * A free reference that ties the choice to other records, such as a double opt-in message id.
         *
         * @param reference at most 1000 characters, or null
         * @return this builder
         */
        public Builder reference(String reference) {
            this.reference = reference;
            return this;
        }

        /**
         * The evidence as set so far.
         *
         * @return the evidence
         * @throws InvalidValueException when a field breaks the rules of {@link Evidence#Evidence the constructor}
         */
        public Evidence build() {
            return new Evidence(noticeId, noticeHash, locale, userAgent, ip, reference);
        }
    }
}
