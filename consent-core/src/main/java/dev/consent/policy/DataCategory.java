package dev.consent.policy;

import dev.consent.internal.Checks;

/**
 * A kind of personal data the shop processes, with a description for notices and exports, and
 * whether it is a special category (GDPR Art. 9) or otherwise sensitive.
 */
public record DataCategory(CategoryId id, String description, boolean sensitive) {
    public DataCategory {
        Checks.required("category.id", id);
        Checks.text("category.description", description, 1000);
    }

    public static DataCategory of(String id, String description) {
        return new DataCategory(CategoryId.of(id), description, false);
    }

    public static DataCategory sensitive(String id, String description) {
        return new DataCategory(CategoryId.of(id), description, true);
    }
}
