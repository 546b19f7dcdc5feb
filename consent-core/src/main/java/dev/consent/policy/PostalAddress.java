package dev.consent.policy;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;

/**
 * A postal address, as a consent receipt names the controller's (Kantara Consent Receipt v1.1 {@code
 * piiControllers[].address}; ISO/IEC TS 27560 party address; GDPR Art. 13(1)(a): the controller's identity and
 * contact details). The fields follow schema.org's {@code PostalAddress}.
 *
 * @param streetAddress street and number (required)
 * @param postalCode the postal code, if the country has them
 * @param locality the town or city (required)
 * @param region a region or state, where addresses name one
 * @param country the ISO 3166-1 alpha-2 country code, upper case (required), e.g. {@code DE}
 */
public record PostalAddress(String streetAddress, String postalCode, String locality, String region, String country) {

    /**
     * @param streetAddress street and number, at most 300 characters
     * @param postalCode the postal code, at most 20 characters, or null
     * @param locality the town or city, at most 200 characters
     * @param region a region or state, at most 200 characters, or null
     * @param country the ISO 3166-1 alpha-2 code, upper case
     * @throws InvalidValueException naming the field whose rule is broken
     */
    public PostalAddress {
        Checks.text("address.streetAddress", streetAddress, 300);
        Checks.optionalText("address.postalCode", postalCode, 20);
        Checks.text("address.locality", locality, 200);
        Checks.optionalText("address.region", region, 200);
        Checks.text("address.country", country, 2);
        if (!Locations.isIsoCountry(country)) {
            throw new InvalidValueException("address.country", country,
                    "must be an ISO 3166-1 alpha-2 country code in upper case, e.g. DE");
        }
    }
}
