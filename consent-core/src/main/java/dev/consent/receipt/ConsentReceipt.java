package dev.consent.receipt;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * A signed consent receipt as it is stored and handed out: a Kantara Consent Receipt v1.1 (the JSON payload) signed as
 * a JSON Web Signature in compact serialization ({@code jws}), issued once for one consent event, together with the
 * columns it is found by. Anyone with the controller's public key can check it with {@link ReceiptVerifier}, without
 * the shop's database.
 *
 * @param event the consent event the receipt is for (a grant)
 * @param subject the subject whose chain holds the event: the customer, or the visitor id under which the choice was
 *     made before the visitor was linked to a customer
 * @param sequence the event's place in that chain
 * @param purpose the purpose consented to
 * @param receiptId the receipt's {@code consentReceiptID}, a UUID
 * @param issuedAt when the receipt was signed, to the microsecond
 * @param keyId the id of the signing key ({@code kid} of the JWS header)
 * @param jws the signed receipt, {@code header.payload.signature}, each part base64url without padding
 */
public record ConsentReceipt(EventId event, SubjectId subject, long sequence, PurposeId purpose, String receiptId,
        Instant issuedAt, String keyId, String jws) {
    /** Far more than any receipt needs (a few kilobytes); keeps a damaged row from being taken for one. */
    static final int MAX_JWS_CHARS = 65_536;

    /**
     * Checks the columns a receipt is found by and the shape of its JWS (not its signature: that is
     * {@link ReceiptVerifier}'s question).
     *
     * @param event the consent event the receipt is for
     * @param subject the subject whose chain holds the event
     * @param sequence the event's place in that chain, 1 or more
     * @param purpose the purpose consented to
     * @param receiptId a UUID in lower-case canonical form
     * @param issuedAt when the receipt was signed, whole microseconds
     * @param keyId the id of the signing key, at most 200 characters
     * @param jws three base64url parts separated by dots, at most 65,536 characters
     * @throws dev.consent.InvalidValueException (field {@code receipt.<name>}) naming the first column that breaks
     *         its rule
     */
    public ConsentReceipt {
        Checks.required("receipt.event", event);
        Checks.required("receipt.subject", subject);
        if (sequence < 1) {
            throw new InvalidValueException("receipt.sequence", sequence, "must be 1 or more");
        }
        Checks.required("receipt.purpose", purpose);
        Checks.text("receipt.receiptId", receiptId, 36);
        try {
            if (!UUID.fromString(receiptId).toString().equals(receiptId)) {
                throw new IllegalArgumentException("not canonical");
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidValueException("receipt.receiptId", receiptId, "must be a UUID in lower-case canonical form");
        }
        Checks.required("receipt.issuedAt", issuedAt);
        if (issuedAt.getNano() % 1000 != 0) {
            throw new InvalidValueException("receipt.issuedAt", issuedAt, "must be whole microseconds");
        }
        Checks.text("receipt.keyId", keyId, 200);
        Checks.text("receipt.jws", jws, MAX_JWS_CHARS);
        if (!isCompactJws(jws)) {
            throw new InvalidValueException("receipt.jws", jws,
                    "must be a JWS in compact serialization: three base64url parts separated by dots");
        }
    }

    /**
     * The receipt itself, read from the JWS without checking the signature.
     *
     * @return the JSON the JWS signs (UTF-8 decoded from its payload part)
     */
    public String payload() {
        String part = jws.substring(jws.indexOf('.') + 1, jws.lastIndexOf('.'));
        return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
    }

    static boolean isCompactJws(String value) {
        String[] parts = value.split("\\.", -1);
        if (parts.length != 3) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || !part.chars().allMatch(c -> c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
                    || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
            try {
                Base64.getUrlDecoder().decode(part);
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return true;
    }
}
