package dev.consent.policy;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.Regions;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsTerm;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules a policy declares for one jurisdiction ({@code docs/jurisdictions.md}): which regions it covers, each
 * purpose's mechanism there, whether Global Privacy Control binds, the CPRA's opt-outs and the purposes each covers,
 * and the rights available with their deadline terms. Immutable; the cross-field rules (declared purposes, GDPR
 * mechanisms, opt-out purposes, one jurisdiction per region) are checked when the {@link Policy} is built.
 *
 * @param id         the jurisdiction's id in the policy ({@code EEA}, {@code US-CA}, {@code OTHER})
 * @param title      what it is, for people ({@code California (CCPA as amended by the CPRA)})
 * @param regions    the countries and subdivisions it covers ({@code US-CA}; {@code DE}, {@code FR}, ...): a subject
 *                   located in a subdivision falls under the jurisdiction listing the subdivision, else under the
 *                   one listing its country
 * @param fallback   whether it covers every location no other jurisdiction lists (at most one per policy); a subject
 *                   whose location is not known at all is held to the strictest rules instead
 * @param gdpr       whether the GDPR or the UK GDPR applies there: a purpose may then not be held to a weaker
 *                   mechanism than its legal basis gives it (GDPR Art. 6(1)(a) and 7 for consent, Art. 21 for the
 *                   right to object)
 * @param mechanisms each purpose's mechanism there, where it differs from the purpose's own
 * @param gpc        whether a Global Privacy Control signal binds there
 * @param optOuts    the purposes each CPRA opt-out covers there
 * @param rights     the rights available there, each with its deadline term; empty for the policy's own terms
 */
public record Jurisdiction(JurisdictionId id, String title, Set<String> regions, boolean fallback, boolean gdpr,
        Map<PurposeId, Mechanism> mechanisms, GpcRule gpc, Map<OptOut, Set<PurposeId>> optOuts,
        Map<RequestType, RightsTerm> rights) {

    /**
     * Checks each part and copies the collections (unmodifiable, in a stable order).
     *
     * @param id the jurisdiction's id
     * @param title what it is, at most 200 characters
     * @param regions the countries and subdivisions it covers, each {@link Regions#RULE}
     * @param fallback whether it covers every location no other jurisdiction lists
     * @param gdpr whether the GDPR or the UK GDPR applies there
     * @param mechanisms each purpose's mechanism there, where it differs from the purpose's own
     * @param gpc whether Global Privacy Control binds there
     * @param optOuts the purposes each CPRA opt-out covers there
     * @param rights the rights available there, each term filed under its own request type
     * @throws InvalidValueException naming the field that is null or breaks its rule
     */
    public Jurisdiction {
        Checks.required("id", id);
        title = Checks.text("title", title, 200);
        Checks.required("regions", regions);
        for (String r : regions) {
            if (!Regions.isCountryOrSubdivision(r)) {
                throw new InvalidValueException("regions", r, Regions.RULE);
            }
        }
        regions = Collections.unmodifiableSet(new TreeSet<>(regions));
        mechanisms = Collections.unmodifiableMap(new LinkedHashMap<>(Checks.required("mechanisms", mechanisms)));
        mechanisms.forEach((p, m) -> {
            Checks.required("mechanisms", p);
            Checks.required("mechanisms." + p, m);
        });
        Checks.required("gpc", gpc);
        Map<OptOut, Set<PurposeId>> outs = new EnumMap<>(OptOut.class);
        Checks.required("optOuts", optOuts).forEach((o, ps) -> outs.put(Checks.required("optOuts", o),
                Collections.unmodifiableSet(new LinkedHashSet<>(Checks.required("optOuts." + o, ps)))));
        optOuts = Collections.unmodifiableMap(outs);
        Map<RequestType, RightsTerm> terms = new EnumMap<>(RequestType.class);
        Checks.required("rights", rights).forEach((type, term) -> {
            if (Checks.required("rights." + type, term).type() != type) {
                throw new InvalidValueException("rights." + type, term.type(), "must be filed under its own type");
            }
            terms.put(type, term);
        });
        rights = Collections.unmodifiableMap(terms);
    }

    /**
     * A builder for the jurisdiction {@code id}: no regions, not the fallback, no GDPR, every purpose on its own
     * mechanism, no opt-outs, the policy's own rights terms; the GPC rule must be given.
     *
     * @param id the jurisdiction's id
     * @param title what it is
     * @return the builder
     */
    public static Builder builder(JurisdictionId id, String title) {
        return new Builder(id, title);
    }

    /**
     * The purpose's mechanism here: the one this jurisdiction declares for it, else the purpose's own.
     *
     * @param purpose a purpose of the policy
     * @return its mechanism in this jurisdiction
     */
    public Mechanism mechanismOf(Purpose purpose) {
        Mechanism m = mechanisms.get(purpose.id());
        return m != null ? m : purpose.mechanism();
    }

    /**
     * Whether a Global Privacy Control signal binds here.
     *
     * @return true for {@link GpcRule#BINDING}
     */
    public boolean gpcBinds() {
        return gpc == GpcRule.BINDING;
    }

    /**
     * The purposes an opt-out covers here.
     *
     * @param optOut the opt-out
     * @return its purposes; empty where this jurisdiction does not declare it
     */
    public Set<PurposeId> optOutPurposes(OptOut optOut) {
        return optOuts.getOrDefault(optOut, Set.of());
    }

    /**
     * The deadline term of a right here, if this jurisdiction declares its own.
     *
     * @param type the request type
     * @return the term, or empty when this jurisdiction declares none for the type (the policy's own term applies)
     */
    public Optional<RightsTerm> rightsTerm(RequestType type) {
        return Optional.ofNullable(rights.get(type));
    }

    /**
     * Whether a right is available here: every right where the jurisdiction lists none of its own, else the ones it
     * lists.
     *
     * @param type the request type
     * @return whether a request of that type is a right of the subject here
     */
    public boolean rightAvailable(RequestType type) {
        return rights.isEmpty() || rights.containsKey(type);
    }

    /** Collects a {@link Jurisdiction}'s parts; {@link #build()} checks them. Not thread-safe. */
    public static final class Builder {
        private final JurisdictionId id;
        private final String title;
        private final Set<String> regions = new LinkedHashSet<>();
        private boolean fallback;
        private boolean gdpr;
        private final Map<PurposeId, Mechanism> mechanisms = new LinkedHashMap<>();
        private GpcRule gpc;
        private final Map<OptOut, Set<PurposeId>> optOuts = new EnumMap<>(OptOut.class);
        private final Map<RequestType, RightsTerm> rights = new EnumMap<>(RequestType.class);

        private Builder(JurisdictionId id, String title) {
            this.id = id;
            this.title = title;
        }

        /**
         * Adds the countries and subdivisions the jurisdiction covers.
         *
         * @param codes ISO 3166-1 alpha-2 or ISO 3166-2 codes
         * @return this builder
         */
        public Builder regions(String... codes) {
            regions.addAll(java.util.Arrays.asList(codes));
            return this;
        }

        /**
         * Makes it the jurisdiction of every location no other jurisdiction lists.
         *
         * @return this builder
         */
        public Builder fallback() {
            this.fallback = true;
            return this;
        }

        /**
         * Says that the GDPR or the UK GDPR applies there.
         *
         * @return this builder
         */
        public Builder gdpr() {
            this.gdpr = true;
            return this;
        }

        /**
         * Holds a purpose to a mechanism there.
         *
         * @param purpose the purpose
         * @param mechanism its mechanism there
         * @return this builder
         */
        public Builder mechanism(PurposeId purpose, Mechanism mechanism) {
            mechanisms.put(purpose, mechanism);
            return this;
        }

        /**
         * What a Global Privacy Control signal does there (required).
         *
         * @param rule binding or advisory
         * @return this builder
         */
        public Builder gpc(GpcRule rule) {
            this.gpc = rule;
            return this;
        }

        /**
         * The purposes an opt-out covers there.
         *
         * @param optOut the opt-out
         * @param purposes the purposes it covers
         * @return this builder
         */
        public Builder optOut(OptOut optOut, PurposeId... purposes) {
            optOuts.computeIfAbsent(optOut, o -> new LinkedHashSet<>()).addAll(java.util.Arrays.asList(purposes));
            return this;
        }

        /**
         * A right available there with its deadline term.
         *
         * @param term the term, filed under its request type
         * @return this builder
         */
        public Builder right(RightsTerm term) {
            rights.put(Checks.required("rights", term).type(), term);
            return this;
        }

        /**
         * The jurisdiction.
         *
         * @return the checked jurisdiction
         * @throws InvalidValueException naming the field that breaks its rule
         */
        public Jurisdiction build() {
            return new Jurisdiction(id, title, regions, fallback, gdpr, mechanisms, gpc, optOuts, rights);
        }
    }
}
