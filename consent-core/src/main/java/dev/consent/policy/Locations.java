package dev.consent.policy;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks of the codes a policy uses for countries, jurisdictions, storage locations and languages. */
final class Locations {
    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());
    private static final Set<String> LANGUAGES = Set.of(Locale.getISOLanguages());
    /** An ISO 3166-1 alpha-2 code, optionally followed by an ISO 3166-2 subdivision: DE, US-CA, ES-CT. */
    private static final Pattern REGION = Pattern.compile("([A-Z]{2})(-[A-Z0-9]{1,3})?");

    static final String REGION_RULE = "must be an ISO 3166-1 alpha-2 country code (DE), an ISO 3166-2 subdivision "
            + "(US-CA), EU or EEA";

    private Locations() {
    }

    static boolean isIsoCountry(String code) {
        return code != null && code.length() == 2 && COUNTRIES.contains(code);
    }

    /** A country, a subdivision of one, or the EU or EEA as a whole (the DPV location vocabulary names both). */
    static boolean isRegion(String code) {
        if (code == null) {
            return false;
        }
        if (code.equals("EU") || code.equals("EEA")) {
            return true;
        }
        var m = REGION.matcher(code);
        return m.matches() && isIsoCountry(m.group(1));
    }

    static final String LANGUAGE_TAG_RULE = "must be a language tag: an ISO 639-1 language code in lower case,"
            + " optionally a hyphen and an ISO 3166-1 alpha-2 country code in upper case (de, de-AT, fr-CA)";

    /**
     * A language tag of the one form translations are keyed by: an ISO 639-1 language, optionally with an ISO 3166-1
     * country (de, de-AT, fr-CA); BCP 47's canonical case, so that one language has one key.
     */
    static boolean isLanguageTag(String tag) {
        if (tag == null) {
            return false;
        }
        int dash = tag.indexOf('-');
        if (dash < 0) {
            return isIso6391(tag);
        }
        return isIso6391(tag.substring(0, dash)) && isIsoCountry(tag.substring(dash + 1));
    }

    /** An ISO 639-1 code: two lower-case letters that name a language (de, en, zh). */
    static boolean isIso6391(String code) {
        return code != null && code.length() == 2 && code.chars().allMatch(c -> c >= 'a' && c <= 'z')
                && LANGUAGES.contains(code);
    }
}
