package dev.consent.ledger;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.Regions;
import dev.consent.policy.PurposeId;

import java.util.Locale;

/**
 * Where a subject is, as evidence of the jurisdiction whose rules hold the subject ({@code docs/jurisdictions.md}):
 * a country or subdivision code and how the shop learnt it. Recorded with its evidence and the instant from which it
 * holds ({@code ConsentService.recordLocation}); a later record supersedes it from its own instant on (a customer
 * moving from California to Germany), and every decision reads the location in force at the instant it is made for.
 *
 * <p>On the ledger a location is an ordinary event of its subject's chain, of kind {@link Choice#LOCATION_RECORDED}, so
 * that it has evidence, a place in the hash chain, and appears in the history, verification, the access export and
 * the change feed like every other event. It concerns no purpose of the policy: its purpose field holds the reserved
 * id {@code subject-location.<region>.<source>} ({@code subject-location.us-ca.billing_country}), which no policy may
 * give a purpose; the location is hashed with the event and read back from it.
 *
 * @param region the subject's country ({@code DE}) or subdivision ({@code US-CA}), ISO 3166
 * @param source how the shop learnt it
 */
public record SubjectLocation(String region, Source source) {
    /** The reserved purpose id beneath which locations are recorded; no policy may declare a purpose under it. */
    public static final PurposeId PURPOSE = PurposeId.of("subject-location");
    private static final String PREFIX = PURPOSE.value() + ".";

    /** How the shop learnt where the subject is. */
    public enum Source {
        /** The subject said so (a country chosen in the account or at checkout). */
        DECLARED,
        /** The country of the subject's billing address. */
        BILLING_COUNTRY,
        /** The host's geolocation of the subject's request (an IP address lookup, a device's location). */
        GEOLOCATION
    }

    /**
     * Checks the code and the source.
     *
     * @param region an ISO 3166-1 alpha-2 country code or an ISO 3166-2 subdivision
     * @param source how the shop learnt it
     * @throws InvalidValueException naming {@code region} or {@code source}
     */
    public SubjectLocation {
        Checks.required("region", region);
        if (!Regions.isCountryOrSubdivision(region)) {
            throw new InvalidValueException("region", region, Regions.RULE);
        }
        Checks.required("source", source);
    }

    /**
     * A location.
     *
     * @param region the country or subdivision code
     * @param source how the shop learnt it
     * @return the location
     * @throws InvalidValueException as the constructor
     */
    public static SubjectLocation of(String region, Source source) {
        return new SubjectLocation(region, source);
    }

    /**
     * The purpose id this location is recorded under.
     *
     * @return {@code subject-location.<region in lower case>.<source in lower case>}
     */
    public PurposeId purposeId() {
        return PurposeId.of(PREFIX + region.toLowerCase(Locale.ROOT) + "." + source.name().toLowerCase(Locale.ROOT));
    }

    /**
     * Whether {@code purpose} is reserved for locations, so that no policy may give a purpose that id.
     *
     * @param purpose any purpose id
     * @return true for {@link #PURPOSE} and every id beneath it
     */
    public static boolean isReserved(PurposeId purpose) {
        String v = purpose.value();
        return v.equals(PURPOSE.value()) || v.startsWith(PREFIX);
    }

    /**
     * The location a reserved purpose id carries.
     *
     * @param purpose the purpose id of a {@link Choice#LOCATION_RECORDED} event
     * @return the location
     * @throws InvalidValueException (field {@code purpose}) when the id is not {@code subject-location.<region>.<source>}
     *     with a valid region and source
     */
    public static SubjectLocation of(PurposeId purpose) {
        String v = purpose.value();
        if (v.startsWith(PREFIX)) {
            String rest = v.substring(PREFIX.length());
            int dot = rest.indexOf('.');
            if (dot > 0) {
                String region = rest.substring(0, dot).toUpperCase(Locale.ROOT);
                String source = rest.substring(dot + 1).toUpperCase(Locale.ROOT);
                for (Source s : Source.values()) {
                    if (s.name().equals(source) && Regions.isCountryOrSubdivision(region)) {
                        return new SubjectLocation(region, s);
                    }
                }
            }
        }
        throw new InvalidValueException("purpose", v, "is not " + PREFIX + "<region>.<source>, a location with an"
                + " ISO 3166 code and one of DECLARED, BILLING_COUNTRY, GEOLOCATION");
    }

    /**
     * The location a {@link Choice#LOCATION_RECORDED} event records.
     *
     * @param event an event of the ledger
     * @return the location, read back from the event's purpose id
     * @throws InvalidValueException when the event is of another kind or its purpose is not a location's
     */
    public static SubjectLocation of(ConsentEvent event) {
        if (event.choice() != Choice.LOCATION_RECORDED) {
            throw new InvalidValueException("choice", event.choice(), "is not " + Choice.LOCATION_RECORDED);
        }
        return of(event.purpose());
    }
}
