package dev.consent.policy;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who is responsible for the processing (GDPR Art. 4(7)), as named in notices, exports and receipts. GDPR Art.
 * 13(1)(a) asks for the controller's identity and contact details; a consent receipt asks for more (Kantara Consent
 * Receipt v1.1 {@code piiControllers[]}: name, contact, address, email, phone; ISO/IEC TS 27560 party fields:
 * identifier, name, address, contact), which the optional fields hold. {@link Policy#receiptProblems()} says which a
 * policy still lacks before receipts can be issued under it.
 *
 * @param name the controller's legal name (required)
 * @param contact who to contact about personal data: a person, an office or a channel (required). Kantara defines
 *     this field as the contact's name; the email address belongs in {@code email}
 * @param address the postal address, or {@code null}
 * @param email the contact email address, or {@code null}
 * @param phone the contact phone number, or {@code null}
 * @param id an identifier of the controller, such as its company registration number or an IRI, or {@code null}
 * @param url the controller's web site (http or https), or {@code null}
 */
public record Controller(String name, String contact, PostalAddress address, String email, String phone, String id,
        String url) {
    /** Something@somewhere.tld without spaces: a plausibility check, not a deliverability one. */
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+");
    /** Digits with the usual separators, optionally led by +: "+49 30 1234567", "(555) 555-0100". */
    private static final Pattern PHONE = Pattern.compile("\\+?[0-9][0-9 ()./-]{3,28}[0-9]");

    /**
     * @param name the legal name, at most 300 characters
     * @param contact who to contact about personal data, at most 300 characters
     * @param address the postal address, or null
     * @param email the contact email address, at most 254 characters, or null
     * @param phone the contact phone number, at most 30 characters, or null
     * @param id an identifier, at most 200 characters, or null
     * @param url the web site, an absolute http(s) URL of at most 500 characters, or null
     * @throws InvalidValueException naming the field whose rule is broken, e.g. an email without {@code @}
     */
    public Controller {
        Checks.text("controller.name", name, 300);
        Checks.text("controller.contact", contact, 300);
        Checks.optionalText("controller.email", email, 254);
        if (email != null && !EMAIL.matcher(email).matches()) {
            throw new InvalidValueException("controller.email", email, "must be an email address (name@domain.tld)");
        }
        Checks.optionalText("controller.phone", phone, 30);
        if (phone != null && !PHONE.matcher(phone).matches()) {
            throw new InvalidValueException("controller.phone", phone,
                    "must be a phone number: digits, spaces and ( ) . / - , optionally led by +");
        }
        Checks.optionalText("controller.id", id, 200);
        if (id != null && id.isBlank()) {
            throw new InvalidValueException("controller.id", id, "must not be blank");
        }
        Checks.optionalText("controller.url", url, 500);
        if (url != null && !isWebUrl(url)) {
            throw new InvalidValueException("controller.url", url, "must be an absolute http or https URL");
        }
    }

    /**
     * A controller known only by name and contact, as policies before receipts declared it.
     *
     * @param name the legal name
     * @param contact who to contact about personal data
     * @throws InvalidValueException when either is blank or too long
     */
    public Controller(String name, String contact) {
        this(name, contact, null, null, null, null, null);
    }

    /**
     * The postal address, if given.
     *
     * @return the address, or empty
     */
    public Optional<PostalAddress> postalAddress() {
        return Optional.ofNullable(address);
    }

    /** Whether {@code value} is an absolute http(s) URL with a host, e.g. {@code https://shop.example/privacy}. */
    static boolean isWebUrl(String value) {
        try {
            URI uri = new URI(value);
            return uri.isAbsolute() && ("https".equalsIgnoreCase(uri.getScheme())
                    || "http".equalsIgnoreCase(uri.getScheme())) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
