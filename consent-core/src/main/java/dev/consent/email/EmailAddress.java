package dev.consent.email;

import dev.consent.InvalidValueException;

import java.net.IDN;
import java.text.Normalizer;
import java.util.Locale;

/**
 * A contact email address in its normalised form, the form the {@linkplain Suppression suppression list} hashes, so
 * that the ways one mailbox is commonly written give one entry:
 * <ul>
 *   <li>surrounding whitespace is removed (what a form field or a CSV cell adds);</li>
 *   <li>the text is put in Unicode Normalization Form C (a precomposed and a decomposed "&uuml;" are one address);</li>
 *   <li>the domain is written in lower case, and an internationalised domain as its ASCII form (A-label, RFC 5890), so
 *       {@code Bücher.example} and {@code xn--bcher-kva.example} are one domain: domain names are case-insensitive
 *       (RFC 5321 section 2.4);</li>
 *   <li>the local part is written in lower case too. RFC 5321 section 2.4 lets a receiving host treat the local part
 *       as case-sensitive, but says that exploiting it "impedes interoperability and is discouraged", and mailbox
 *       providers do not; for a suppression list the only error folding can make is to suppress a differently-cased
 *       mailbox as well, which errs on the side of sending no marketing (failing closed), while keeping case would let
 *       {@code Alice@shop.example} slip past a suppressed {@code alice@shop.example};</li>
 *   <li>a sub-address ("plus-addressing", {@code alice+news@}) is kept: it may be a mailbox of its own, and the
 *       suppression list strips it only when configured to ({@link Suppression.Builder#stripSubaddress}).</li>
 * </ul>
 * The address is checked for the shape a mailbox needs (RFC 5321 section 4.1.2): one {@code @}, a local part of at
 * most 64 octets and a domain of at most 255, no whitespace or control character inside, at most 254 characters in
 * all (RFC 5321 section 4.5.3.1.3 with the path's angle brackets). It is personal data: {@link #toString()} never shows
 * it.
 *
 * @param value the normalised address
 */
public record EmailAddress(String value) {
    /** The longest address accepted, in characters (RFC 5321 section 4.5.3.1.3: a path of 256 with its brackets). */
    public static final int MAX_LENGTH = 254;
    private static final int MAX_LOCAL = 64;
    private static final int MAX_DOMAIN = 255;

    /**
     * Checks that {@code value} is already normalised ({@link #of} normalises).
     *
     * @param value the normalised address
     * @throws InvalidValueException (field {@code email}) when it is not an address or not normalised; the value is
     *     never quoted
     */
    public EmailAddress {
        if (value == null || !normalise(value).equals(value)) {
            throw new InvalidValueException("email", null, "must be a normalised email address (EmailAddress.of"
                    + " normalises one)");
        }
    }

    /**
     * The address {@code text} in its normalised form (see the class description).
     *
     * @param text an email address as entered, e.g. {@code " Alice@Shop.Example "}
     * @return the normalised address, e.g. {@code alice@shop.example}
     * @throws InvalidValueException (field {@code email}) naming the rule broken; the value is never quoted
     */
    public static EmailAddress of(String text) {
        return new EmailAddress(normalise(text));
    }

    /**
     * This address without its sub-address: {@code alice+news@shop.example} becomes {@code alice@shop.example}. The
     * sub-address is the part of the local part from the first {@code +}; a local part that starts with {@code +} is
     * kept whole.
     *
     * @return the address without its sub-address, or this address when it has none
     */
    public EmailAddress withoutSubaddress() {
        int at = value.lastIndexOf('@');
        int plus = value.indexOf('+');
        return plus > 0 && plus < at ? new EmailAddress(value.substring(0, plus) + value.substring(at)) : this;
    }

    private static String normalise(String text) {
        if (text == null) {
            throw refused("is required");
        }
        String s = Normalizer.normalize(text.strip(), Normalizer.Form.NFC);
        if (s.length() > MAX_LENGTH) {
            throw refused("must be at most " + MAX_LENGTH + " characters (RFC 5321 section 4.5.3.1.3)");
        }
        int at = s.lastIndexOf('@');
        if (at < 1 || at == s.length() - 1 || s.indexOf('@') != at && !s.startsWith("\"")) {
            throw refused("must be one local part, '@' and a domain");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
                throw refused("must not hold whitespace or control characters inside");
            }
        }
        String local = s.substring(0, at).toLowerCase(Locale.ROOT);
        String domain;
        try {
            domain = IDN.toASCII(s.substring(at + 1), IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw refused("must have a valid domain name (RFC 5890)");
        }
        if (domain.isEmpty() || local.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_LOCAL
                || domain.length() > MAX_DOMAIN) {
            throw refused("must have a local part of at most " + MAX_LOCAL + " octets and a domain of at most "
                    + MAX_DOMAIN + " (RFC 5321 section 4.5.3.1)");
        }
        return local + "@" + domain;
    }

    private static InvalidValueException refused(String rule) {
        // the address is personal data: the exception names the field and the rule, never the value
        return new InvalidValueException("email", null, rule);
    }

    /** Never the address itself: addresses reach logs and exception messages only through this. */
    @Override
    public String toString() {
        return "EmailAddress[redacted]";
    }
}
