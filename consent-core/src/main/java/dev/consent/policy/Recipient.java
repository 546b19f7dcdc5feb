package dev.consent.policy;

import dev.consent.internal.Checks;

import java.util.Set;

/**
 * Someone the shop discloses personal data to (GDPR Art. 13(1)(e)): a processor acting on its behalf
 * or a third party acting on its own, which categories it receives, for which purposes, and where.
 * The policy checks that every category and purpose named here is declared.
 */
public record Recipient(String id, String name, Role role, Set<CategoryId> categories, Set<PurposeId> purposes,
        String location) {

    /** The recipient's role under GDPR Art. 4. */
    public enum Role {
        /** Processes on the shop's behalf under a contract (Art. 28): payment, hosting, support tools. */
        PROCESSOR,
        /** Decides its own purposes: a carrier, an advertising network, an authority. */
        THIRD_PARTY
    }

    /**
     * Checks the field-local rules; {@link Policy.Builder#build()} checks that the categories and purposes are
     * declared.
     *
     * @param id the recipient's id, dotted, at most 100 characters
     * @param name its name as notices show it, at most 300 characters
     * @param role processor or third party
     * @param categories the data categories it receives, in the order given
     * @param purposes the purposes it receives them for, in the order given
     * @param location where it processes the data (a country or region), at most 200 characters, or null
     * @throws dev.consent.InvalidValueException naming the field whose rule is broken
     */
    public Recipient {
        Checks.dottedId("recipient.id", id, 100);
        Checks.text("recipient.name", name, 300);
        Checks.required("recipient.role", role);
        categories = Purpose.inGivenOrder("recipient.categories", categories, PolicyLimits.MAX_CATEGORIES,
                "data categories a policy may declare (PolicyLimits.MAX_CATEGORIES)");
        purposes = Purpose.inGivenOrder("recipient.purposes", purposes, PolicyLimits.MAX_PURPOSES,
                "purposes a policy may declare (PolicyLimits.MAX_PURPOSES)");
        Checks.optionalText("recipient.location", location, 200);
    }
}
