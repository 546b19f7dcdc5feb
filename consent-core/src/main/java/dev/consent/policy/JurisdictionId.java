package dev.consent.policy;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;

import java.util.regex.Pattern;

/**
 * The id a policy gives one of its jurisdictions ({@link Jurisdiction}): {@code EEA}, {@code UK}, {@code US-CA},
 * {@code OTHER}. Upper-case letters and digits in hyphen-separated segments, starting with a letter, at most
 * {@value #MAX_LENGTH} characters. {@link #UNKNOWN} is reserved: it names what a decision applied when the subject's
 * jurisdiction was not known, the strictest rules the policy declares ({@code docs/jurisdictions.md}).
 *
 * @param value the id's text
 */
public record JurisdictionId(String value) implements Comparable<JurisdictionId> {
    /** The most characters an id has. */
    public static final int MAX_LENGTH = 32;
    private static final Pattern FORM = Pattern.compile("[A-Z][A-Z0-9]*(-[A-Z0-9]+)*"); // before UNKNOWN uses it
    /**
     * The rules applied to a subject whose jurisdiction is not known: the strictest the policy declares. No policy
     * may declare a jurisdiction under this id.
     */
    public static final JurisdictionId UNKNOWN = new JurisdictionId("UNKNOWN");

    /**
     * Checks the id's form.
     *
     * @param value upper-case segments of {@code [A-Z0-9]} joined by hyphens, starting with a letter, at most
     *     {@value #MAX_LENGTH} characters
     * @throws InvalidValueException (field {@code jurisdiction}) when {@code value} breaks that rule
     */
    public JurisdictionId {
        Checks.required("jurisdiction", value);
        if (value.length() > MAX_LENGTH || !FORM.matcher(value).matches()) {
            throw new InvalidValueException("jurisdiction", value, "must be upper-case letters and digits in "
                    + "hyphen-separated segments, starting with a letter, at most " + MAX_LENGTH
                    + " characters (EEA, UK, US-CA, OTHER)");
        }
    }

    /**
     * @param value the id's text
     * @return the id
     * @throws InvalidValueException when {@code value} breaks the rule of the constructor
     */
    public static JurisdictionId of(String value) {
        return new JurisdictionId(value);
    }

    @Override
    public int compareTo(JurisdictionId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
