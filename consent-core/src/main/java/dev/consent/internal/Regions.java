package dev.consent.internal;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The codes a subject's location and a jurisdiction's regions are written in: an ISO 3166-1 alpha-2 country code
 * ({@code DE}), optionally followed by an ISO 3166-2 subdivision ({@code US-CA}). A country must be one Java knows.
 */
public final class Regions {
    /** The rule a code breaks, for messages. */
    public static final String RULE = "must be an ISO 3166-1 alpha-2 country code (DE) or an ISO 3166-2 subdivision"
            + " (US-CA)";
    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());
    private static final Pattern FORM = Pattern.compile("([A-Z]{2})(-[A-Z0-9]{1,3})?");

    private Regions() {
    }

    /**
     * Whether {@code code} is a country or a subdivision of one.
     *
     * @param code any text, or null
     * @return true for {@code DE}, {@code US-CA}; false for {@code EU}, {@code de}, {@code XX}
     */
    public static boolean isCountryOrSubdivision(String code) {
        if (code == null) {
            return false;
        }
        var m = FORM.matcher(code);
        return m.matches() && COUNTRIES.contains(m.group(1));
    }

    /**
     * The country of a code.
     *
     * @param code a country or subdivision code
     * @return its first two letters
     */
    public static String country(String code) {
        return code.substring(0, 2);
    }
}
