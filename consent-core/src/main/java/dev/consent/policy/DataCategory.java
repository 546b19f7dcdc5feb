package dev.consent.policy;

import dev.consent.internal.Checks;

/**
 * A kind of personal data the shop processes, with a description for notices and exports, and
 * whether it is a special category (GDPR Art. 9) or otherwise sensitive.
 */
public record DataCategory(CategoryId id, String description, boolean sensitive) {
    /**
     * @param id the category id
     * @param description what data the category holds, for notices and exports; at most 1000 characters
     * @param sensitive whether it is a special category (GDPR Art. 9) or otherwise sensitive
     * @throws dev.consent.InvalidValueException when {@code id} is null or the description is blank or too long
     */
    public DataCategory {
        Checks.required("category.id", id);
        Checks.text("category.description", description, 1000);
    }

    /**
     * A category that is not sensitive.
     *
     * @param id the category id
     * @param description what data it holds
     * @return the category
     * @throws dev.consent.InvalidValueException when the id or description is invalid
     */
    public static DataCategory of(String id, String description) {
        return new DataCategory(CategoryId.of(id), description, false);
    }

    /**
     * A special category (GDPR Art. 9) or otherwise sensitive data, e.g. health or payment data.
     *
     * @param id the category id
     * @param description what data it holds
     * @return the category
     * @throws dev.consent.InvalidValueException when the id or description is invalid
     */
    public static DataCategory sensitive(String id, String description) {
        return new DataCategory(CategoryId.of(id), description, true);
    }
}
