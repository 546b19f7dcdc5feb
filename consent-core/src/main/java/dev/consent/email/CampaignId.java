package dev.consent.email;

import dev.consent.InvalidValueException;

import java.util.regex.Pattern;

/**
 * The id of a campaign, chosen by the host (e.g. {@code newsletter-2025-06}): the key its proof is recorded and
 * queried under ({@link CampaignFilter}).
 *
 * @param value 1 to 64 of a-z, A-Z, 0-9, '.', '_', ':' and '-'
 */
public record CampaignId(String value) {
    /** The longest campaign id. */
    public static final int MAX_LENGTH = 64;
    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0," + (MAX_LENGTH - 1) + "}");

    /**
     * @param value the id
     * @throws InvalidValueException (field {@code campaign}) when it breaks the rule above
     */
    public CampaignId {
        if (value == null || !SHAPE.matcher(value).matches()) {
            throw new InvalidValueException("campaign", value, "must be 1 to " + MAX_LENGTH + " of a-z, A-Z, 0-9, '.',"
                    + " '_', ':' and '-', starting with a letter or digit");
        }
    }

    /**
     * @param value the id
     * @return the campaign id
     * @throws InvalidValueException when it breaks the rule of the class
     */
    public static CampaignId of(String value) {
        return new CampaignId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
