package dev.consent.retention;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;

import java.util.Optional;

/**
 * How long one category of personal data is kept: a period counted from an anchor event, as a
 * {@link Kind#MAXIMUM} (dispose after; GDPR Art. 5(1)(e), storage limitation) or a {@link Kind#MINIMUM}
 * (keep at least; a legal obligation such as tax law, which also overrides erasure, Art. 17(3)(b)).
 *
 * @param id names the rule in verdicts and in the disposal audit
 * @param purpose narrows the rule to items held for one purpose; such a rule beats the category default
 * @param action what happens when a MAXIMUM ends; empty for a MINIMUM
 * @param overridesDelete for an ANONYMIZE rule: wins over a DELETE rule falling due at the same instant
 * @param legalReference the statute or contract clause the rule rests on; required for a MINIMUM
 */
public record RetentionRule(String id, CategoryId category, Optional<PurposeId> purpose, RetentionPeriod period,
        Anchor anchor, CountFrom countFrom, Kind kind, Optional<DisposalAction> action, boolean overridesDelete,
        String legalReference, String description) {

    /** Whether the rule caps retention or guarantees it. */
    public enum Kind {
        /** Keep at least this long (retention wins over deletion). */
        MINIMUM,
        /** Dispose after this long. */
        MAXIMUM
    }

    /**
     * Checks the rule as a whole: a MAXIMUM needs an action, a MINIMUM has none and names its legal reference.
     *
     * @param id the rule's id, dotted, at most 100 characters
     * @param category the category it governs
     * @param purpose the purpose it is narrowed to, if any
     * @param period how long it runs
     * @param anchor the event it counts from
     * @param countFrom where the period starts relative to the anchor
     * @param kind MINIMUM or MAXIMUM
     * @param action what happens when a MAXIMUM ends; empty for a MINIMUM
     * @param overridesDelete for an ANONYMIZE rule: wins over a DELETE rule falling due at the same instant
     * @param legalReference the statute or clause, at most 500 characters; required for a MINIMUM
     * @param description what the rule is for, at most 2000 characters; may be null
     * @throws InvalidValueException naming the component whose rule is broken
     */
    public RetentionRule {
        Checks.dottedId("retention.id", id, 100);
        Checks.required("retention.category", category);
        Checks.required("retention.purpose", purpose);
        Checks.required("retention.period", period);
        Checks.required("retention.anchor", anchor);
        Checks.required("retention.countFrom", countFrom);
        Checks.required("retention.kind", kind);
        Checks.required("retention.action", action);
        Checks.optionalText("retention.legalReference", legalReference, 500);
        Checks.optionalText("retention.description", description, 2000);
        if (kind == Kind.MAXIMUM && action.isEmpty()) {
            throw new InvalidValueException("retention.action", null,
                    "is required for a MAXIMUM rule (DELETE, ANONYMIZE or REVIEW)");
        }
        if (kind == Kind.MINIMUM && action.isPresent()) {
            throw new InvalidValueException("retention.action", action.get(),
                    "must be absent for a MINIMUM rule: a minimum only keeps data; a MAXIMUM rule disposes of it");
        }
        if (kind == Kind.MINIMUM && (legalReference == null || legalReference.isBlank())) {
            throw new InvalidValueException("retention.legalReference", legalReference,
                    "is required for a MINIMUM rule: name the law or contract that obliges keeping the data");
        }
        if (overridesDelete && action.orElse(null) != DisposalAction.ANONYMIZE) {
            throw new InvalidValueException("retention.overridesDelete", true, "is only meaningful for an ANONYMIZE rule");
        }
    }

    /**
     * Starts a MAXIMUM rule: dispose of {@code category} with {@code action} a period after an anchor.
     *
     * @param id the rule's id
     * @param category the category id
     * @param action DELETE, ANONYMIZE or REVIEW
     * @return a builder; give it {@link Builder#period} and {@link Builder#after}
     */
    public static Builder maximum(String id, String category, DisposalAction action) {
        return new Builder(id, category, Kind.MAXIMUM).action(action);
    }

    /**
     * Starts a MINIMUM rule: keep {@code category} at least a period after an anchor, because of a law.
     *
     * @param id the rule's id
     * @param category the category id
     * @param legalReference the law or contract that obliges keeping the data (GDPR Art. 17(3)(b))
     * @return a builder; give it {@link Builder#period} and {@link Builder#after}
     */
    public static Builder minimum(String id, String category, String legalReference) {
        return new Builder(id, category, Kind.MINIMUM).legalReference(legalReference);
    }

    /**
     * Whether this rule applies to an item of {@code itemCategory} held for no particular purpose: only a rule for the
     * whole category does.
     *
     * @param itemCategory the item's category
     * @return true for a rule of that category without a purpose
     */
    public boolean appliesTo(CategoryId itemCategory) {
        return category.equals(itemCategory) && purpose.isEmpty();
    }

    /**
     * Whether this rule applies to an item of {@code itemCategory} held for {@code itemPurpose}.
     *
     * @param itemCategory the item's category
     * @param itemPurpose the purpose the item is held for
     * @return true for a rule of that category without a purpose or with that purpose
     */
    public boolean appliesTo(CategoryId itemCategory, PurposeId itemPurpose) {
        return category.equals(itemCategory) && (purpose.isEmpty() || purpose.get().equals(itemPurpose));
    }

    @Override
    public String toString() {
        return id + " (" + kind + " " + period + " after " + anchor
                + (countFrom == CountFrom.ANCHOR ? "" : " counted from " + countFrom) + " for " + category
                + purpose.map(p -> " held for " + p).orElse("") + action.map(a -> ", then " + a).orElse("") + ")";
    }

    /** Builds a rule; validated in {@link #build()}, which requires the period and its anchor ({@link #after}). */
    public static final class Builder {
        private final String id;
        private final String category;
        private final Kind kind;
        private String purpose;
        private RetentionPeriod period;
        private Anchor anchor;
        private CountFrom countFrom = CountFrom.ANCHOR;
        private DisposalAction action;
        private boolean overridesDelete;
        private String legalReference;
        private String description;

        private Builder(String id, String category, Kind kind) {
            this.id = id;
            this.category = category;
            this.kind = kind;
        }

        /**
         * Required: how long the rule runs.
         *
         * @param period the period
         * @return this builder
         */
        public Builder period(RetentionPeriod period) {
            this.period = period;
            return this;
        }

        /**
         * Required: how long the rule runs, in ISO-8601 ({@link RetentionPeriod#parse}).
         *
         * @param iso e.g. {@code P2Y}
         * @return this builder
         * @throws InvalidValueException when {@code iso} is not a valid period
         */
        public Builder period(String iso) {
            this.period = RetentionPeriod.parse(iso);
            return this;
        }

        /**
         * Required: the event the period is counted from ({@code collected}, {@code last_transaction},
         * {@code account_closed}, ...). There is no default: a storage period is only meaningful with its start
         * (GDPR Art. 5(1)(e), storage limitation; Art. 13(2)(a), the period or "the criteria used to determine that
         * period"), and "2 years" counted silently from collection instead of the last transaction deletes data the
         * policy promised to keep (seed 000: email "2 years after the last transaction"). The JSON format requires
         * {@code "after"} for the same reason.
         *
         * @param anchor the anchor
         * @return this builder
         * @throws InvalidValueException when {@code anchor} is null
         */
        public Builder after(Anchor anchor) {
            this.anchor = Checks.required("retention.anchor", anchor);
            return this;
        }

        /**
         * {@link #after(Anchor)} by the anchor's name.
         *
         * @param anchor the anchor's name
         * @return this builder
         * @throws InvalidValueException when {@code anchor} is not a valid anchor name
         */
        public Builder after(String anchor) {
            return after(Anchor.of(anchor));
        }

        /**
         * Where the period starts relative to the anchor. Default {@link CountFrom#ANCHOR}.
         *
         * @param countFrom e.g. {@link CountFrom#END_OF_YEAR} for statutes counting from the end of the calendar year
         * @return this builder
         */
        public Builder countFrom(CountFrom countFrom) {
            this.countFrom = countFrom;
            return this;
        }

        /**
         * Narrows the rule to items held for one purpose; such a rule beats the category default.
         *
         * @param purposeId the purpose id
         * @return this builder
         */
        public Builder purpose(String purposeId) {
            this.purpose = purposeId;
            return this;
        }

        Builder action(DisposalAction action) {
            this.action = action;
            return this;
        }

        /**
         * For an ANONYMIZE rule: wins over a DELETE rule falling due at the same instant.
         *
         * @param flag true to win
         * @return this builder
         */
        public Builder overridesDelete(boolean flag) {
            this.overridesDelete = flag;
            return this;
        }

        /**
         * The statute or contract clause the rule rests on; required for a MINIMUM.
         *
         * @param reference at most 500 characters
         * @return this builder
         */
        public Builder legalReference(String reference) {
            this.legalReference = reference;
            return this;
        }

        /**
         * What the rule is for, in words shown to staff.
         *
         * @param description at most 2000 characters
         * @return this builder
         */
        public Builder description(String description) {
            this.description = description;
            return this;
        }

        /**
         * Builds and validates the rule.
         *
         * @return the rule
         * @throws InvalidValueException if no anchor was given with {@link #after(Anchor)}, or the rule is invalid
         */
        public RetentionRule build() {
            if (anchor == null) {
                throw new InvalidValueException("retention.anchor", null, "is required for rule " + id
                        + ": say what the period is counted from with after(...), e.g. after(Anchor.LAST_TRANSACTION)"
                        + " or after(Anchor.COLLECTED) (GDPR Art. 5(1)(e); the JSON format requires \"after\" too)");
            }
            return new RetentionRule(id, CategoryId.of(category),
                    Optional.ofNullable(purpose).map(PurposeId::of), period, anchor, countFrom, kind,
                    Optional.ofNullable(action), overridesDelete, legalReference, description);
        }
    }
}
