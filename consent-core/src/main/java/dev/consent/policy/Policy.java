package dev.consent.policy;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;
import dev.consent.UnknownPurposeException;
import dev.consent.retention.RetentionRule;
import dev.consent.rights.BusinessCalendar;
import dev.consent.rights.DeadlineTerm;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsTerm;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One version of a shop's privacy policy as code: its data categories, purposes, recipients and retention rules,
 * effective from a date in the policy's time zone.
 *
 * <p>A {@code Policy} is immutable and always valid: both {@link #builder(String, String)} and
 * {@link PolicyJson} run the same validation and throw {@link InvalidPolicyException} listing every
 * problem. Several versions of one policy can be given to the consent service; each check is answered
 * under the version in force at the instant asked about.
 */
public final class Policy {
    private final String id;
    private final String version;
    private final LocalDate effectiveFrom;
    private final LocalDate lastUpdated;
    private final ZoneId zone;
    /** {@link #effectiveFrom} at the start of its day in {@link #zone}, computed once: each check reads it. */
    private final Instant effectiveInstant;
    private final Controller controller;
    private final List<String> jurisdictions;
    private final String policyUrl;
    private final String language;
    private final List<String> storageLocations;
    private final java.util.OptionalInt minimumAge;
    private final List<DataCategory> categories;
    private final List<Purpose> purposes;
    private final List<Recipient> recipients;
    private final List<RetentionRule> retentionRules;
    private final Map<RequestType, RightsTerm> rightsTerms;
    private final BusinessCalendar calendar;
    private final SignalMappings signals;
    private final JurisdictionRules jurisdictionRules;
    private final Map<CategoryId, DataCategory> categoryIndex;
    private final Map<PurposeId, Purpose> purposeIndex;
    private final Map<PurposeId, List<Purpose>> lineage;

    private Policy(PolicyParts b) {
        this.id = b.id;
        this.version = b.version;
        this.effectiveFrom = b.effectiveFrom;
        this.lastUpdated = b.lastUpdated != null ? b.lastUpdated : b.effectiveFrom;
        this.zone = b.zone;
        this.effectiveInstant = b.effectiveFrom.atStartOfDay(b.zone).toInstant();
        this.controller = b.controller;
        this.jurisdictions = List.copyOf(b.jurisdictions);
        this.policyUrl = b.policyUrl;
        this.language = b.language;
        this.storageLocations = List.copyOf(b.storageLocations);
        this.minimumAge = b.minimumAge;
        this.categories = List.copyOf(b.categories);
        this.purposes = List.copyOf(b.purposes);
        this.recipients = List.copyOf(b.recipients);
        this.retentionRules = List.copyOf(b.retentionRules);
        Map<RequestType, RightsTerm> terms = new java.util.EnumMap<>(RequestType.class);
        b.rightsTerms.forEach(t -> terms.put(t.type(), t));
        this.rightsTerms = Collections.unmodifiableMap(terms);
        this.calendar = BusinessCalendar.of(b.zone, b.weekend, b.holidays, b.extraWorkingDays);
        this.signals = b.signals;
        Map<CategoryId, DataCategory> cats = new LinkedHashMap<>();
        categories.forEach(c -> cats.put(c.id(), c));
        this.categoryIndex = Collections.unmodifiableMap(cats);
        Map<PurposeId, Purpose> ps = new LinkedHashMap<>();
        purposes.forEach(p -> ps.put(p.id(), p));
        this.purposeIndex = Collections.unmodifiableMap(ps);
        this.lineage = Collections.unmodifiableMap(lineages(purposes, ps));
        this.jurisdictionRules = b.jurisdictionRules.isEmpty() ? null
                : new JurisdictionRules(b.jurisdictionRules, this.purposes);
    }

    /**
     * Each purpose's lineage, computed once: a purpose's list is itself followed by its parent's list, so every
     * chain is walked once in all (re-walking each chain from every purpose on it cost quadratic time and memory:
     * 22 s and 1.7 GB for a chain 20,000 deep). Validation has refused cycles and chains deeper than
     * {@link PolicyLimits#MAX_PARENT_DEPTH}; a cycle would still end the walk instead of looping.
     */
    private static Map<PurposeId, List<Purpose>> lineages(List<Purpose> purposes, Map<PurposeId, Purpose> byId) {
        Map<PurposeId, List<Purpose>> lin = new LinkedHashMap<>();
        java.util.ArrayDeque<Purpose> pending = new java.util.ArrayDeque<>();
        java.util.Set<PurposeId> onPath = new java.util.HashSet<>();
        for (Purpose p : purposes) {
            pending.clear();
            onPath.clear();
            Purpose at = p;
            while (at != null && !lin.containsKey(at.id()) && onPath.add(at.id())) {
                pending.push(at);
                at = at.parent().map(byId::get).orElse(null);
            }
            List<Purpose> above = at == null || !lin.containsKey(at.id()) ? List.of() : lin.get(at.id());
            while (!pending.isEmpty()) {
                Purpose next = pending.pop();
                List<Purpose> chain = new ArrayList<>(above.size() + 1);
                chain.add(next);
                chain.addAll(above);
                above = List.copyOf(chain);
                lin.put(next.id(), above);
            }
        }
        return lin;
    }

    /**
     * Starts a policy. {@code effectiveFrom}, {@code zone} and at least one purpose are required.
     *
     * @param id the policy's id, shared by all its versions
     * @param version this version's name, e.g. {@code 3} or {@code 2026-01}
     * @return a builder; ids are checked by {@link Builder#build()}
     */
    public static Builder builder(String id, String version) {
        return new Builder(id, version);
    }

    /**
     * @return the policy's id, shared by all its versions
     */
    public String id() {
        return id;
    }

    /**
     * @return this version's name, recorded in every decision and event made under it
     */
    public String version() {
        return version;
    }

    /**
     * The first day, in {@link #zone()}, on which this version governs processing.
     *
     * @return the date, never null
     */
    public LocalDate effectiveFrom() {
        return effectiveFrom;
    }

    /**
     * The instant this version takes effect: the start of {@link #effectiveFrom()} in {@link #zone()}.
     *
     * @return the instant; {@link PolicyVersions} orders versions by it
     */
    public Instant effectiveInstant() {
        return effectiveInstant;
    }

    /**
     * The date the policy text was last changed, as its notice states; {@link #effectiveFrom()} unless given.
     *
     * @return the date
     */
    public LocalDate lastUpdated() {
        return lastUpdated;
    }

    /**
     * The zone in which calendar arithmetic (periods, business days) is done.
     *
     * @return the zone
     */
    public ZoneId zone() {
        return zone;
    }

    /**
     * The controller (GDPR Art. 4(7), Art. 13(1)(a)): who decides on the processing and how to reach them.
     *
     * @return the controller, or empty when the policy names none
     */
    public Optional<Controller> controller() {
        return Optional.ofNullable(controller);
    }

    /**
     * The jurisdictions whose law governs the processing, as ISO 3166 codes ({@code DE}, {@code US-CA}) or {@code
     * EU} / {@code EEA}, in the order declared; empty when the policy states none. A consent receipt names them
     * (Kantara {@code jurisdiction}; ISO/IEC TS 27560 jurisdiction).
     *
     * @return the codes, unmodifiable
     */
    public List<String> jurisdictions() {
        return jurisdictions;
    }

    /**
     * Where this version of the privacy policy is published (an absolute http(s) URL), if stated. Each version has its
     * own, so that a receipt points at the text the subject was shown (Kantara {@code policyUrl}).
     *
     * @return the URL, or empty
     */
    public Optional<String> policyUrl() {
        return Optional.ofNullable(policyUrl);
    }

    /**
     * The language of the policy's notices as an ISO 639-1 code ({@code de}), if stated: what a receipt names when
     * the evidence of a choice names no locale (ISO/IEC TS 27560 language).
     *
     * @return the code, or empty
     */
    public Optional<String> language() {
        return Optional.ofNullable(language);
    }

    /**
     * Where the personal data is stored, as codes like {@link #jurisdictions()}; empty when not stated.
     *
     * @return the codes, unmodifiable
     */
    public List<String> storageLocations() {
        return storageLocations;
    }

    /**
     * What this version still lacks for consent receipts to be issued under it (Kantara Consent Receipt v1.1 and
     * ISO/IEC TS 27560 records), each with the JSON path of the field: the controller's address, email, phone and
     * id, the jurisdictions, the policy's URL, its language, the storage locations, and for every purpose on
     * consent a plain-language description, its Kantara purpose categories and a retention rule for each data
     * category it uses. Empty when receipts can be issued. Paths count elements in declaration order, as validation
     * does.
     *
     * @return the problems, in declaration order; empty when receipts can be issued
     */
    public List<PolicyProblem> receiptProblems() {
        return ReceiptRequirements.problems(this);
    }

    /**
     * The minimum age for the service as a whole, if the policy sets one (e.g. seed 004, HappySell: "You must be at
     * least 18 years old ... If you are a minor (under the age of 18), this platform refuses to provide you with
     * services"). A subject whose latest declared age is below it is refused every purpose except a legal
     * obligation (GDPR Art. 17(3)(b)) and vital interests (Art. 6(1)(d)); an undeclared age does not make a subject
     * a minor under this rule (the seed refuses "accounts found to belong to minors"). See docs/age.md.
     *
     * @return the age in years, or empty when the policy sets none
     */
    public java.util.OptionalInt minimumAge() {
        return minimumAge;
    }

    /**
     * The data categories the policy declares (GDPR Art. 30(1)(c)), in declaration order.
     *
     * @return the categories, unmodifiable
     */
    public List<DataCategory> categories() {
        return categories;
    }

    /**
     * The purposes the policy declares (GDPR Art. 5(1)(b), Art. 13(1)(c)), in declaration order; parents before
     * children is not required.
     *
     * @return the purposes, unmodifiable
     */
    public List<Purpose> purposes() {
        return purposes;
    }

    /**
     * The recipients the data is disclosed to (GDPR Art. 13(1)(e), Art. 30(1)(d)), in declaration order.
     *
     * @return the recipients, unmodifiable
     */
    public List<Recipient> recipients() {
        return recipients;
    }

    /**
     * The retention rules, in declaration order.
     *
     * @return the rules, unmodifiable
     */
    public List<RetentionRule> retentionRules() {
        return retentionRules;
    }

    /**
     * The retention rules that apply to an item of {@code category} held for {@code purpose} (if any).
     *
     * @param category the item's category
     * @param purpose the purpose the item is held for; empty for none
     * @return the rules of the category without a purpose, and with {@code purpose} those for it, in declaration order
     */
    public List<RetentionRule> retentionRulesFor(CategoryId category, Optional<PurposeId> purpose) {
        return retentionRules.stream().filter(r -> purpose.isPresent() ? r.appliesTo(category, purpose.get())
                : r.appliesTo(category)).toList();
    }

    /**
     * The promise for a type of request, if the policy makes one.
     *
     * @param type the request type
     * @return the term, or empty when the policy makes no promise for it (the law's deadline then applies)
     */
    public Optional<RightsTerm> rightsTerm(RequestType type) {
        return Optional.ofNullable(rightsTerms.get(type));
    }

    /**
     * Every rights promise of the policy, by request type.
     *
     * @return the terms, unmodifiable
     */
    public Map<RequestType, RightsTerm> rightsTerms() {
        return rightsTerms;
    }

    /**
     * The working-day calendar for rights deadlines, in the policy's zone.
     *
     * @return the calendar of the policy's weekend, holidays and extra working days
     */
    public BusinessCalendar calendar() {
        return calendar;
    }

    /**
     * How IAB TCF and GPP signals map onto this policy's purposes and its decisions onto Google Consent Mode, if the
     * policy declares it ({@code docs/signals.md}); validated with the rest of the policy.
     *
     * @return the mappings, or empty
     */
    public Optional<SignalMappings> signals() {
        return Optional.ofNullable(signals);
    }

    /**
     * The jurisdictions this policy declares, with each purpose's mechanism, the Global Privacy Control rule, the
     * CPRA opt-outs and the rights terms in each ({@code docs/jurisdictions.md}); validated with the rest of the
     * policy. A policy that declares none decides as if jurisdictions did not exist.
     *
     * @return the rules, or empty when the policy declares no jurisdiction
     */
    public Optional<JurisdictionRules> jurisdictionRules() {
        return Optional.ofNullable(jurisdictionRules);
    }

    /**
     * The purpose with this id, if declared.
     *
     * @param purposeId the id
     * @return the purpose, or empty
     */
    public Optional<Purpose> findPurpose(PurposeId purposeId) {
        return Optional.ofNullable(purposeIndex.get(purposeId));
    }

    /**
     * The purpose; an unknown id throws {@link UnknownPurposeException}, never a default.
     *
     * @param purposeId the id
     * @return the purpose
     * @throws UnknownPurposeException when this version does not declare it
     */
    public Purpose purpose(PurposeId purposeId) {
        Purpose p = purposeIndex.get(purposeId);
        if (p == null) {
            throw new UnknownPurposeException(purposeId == null ? null : purposeId.value(), id, version);
        }
        return p;
    }

    /**
     * The category with this id, if declared.
     *
     * @param categoryId the id
     * @return the category, or empty
     */
    public Optional<DataCategory> findCategory(CategoryId categoryId) {
        return Optional.ofNullable(categoryIndex.get(categoryId));
    }

    /**
     * The purpose followed by its ancestors, nearest first. Throws for an unknown purpose.
     *
     * @param purposeId the id
     * @return the purpose first, then its parent, up to its root
     * @throws UnknownPurposeException when this version does not declare it
     */
    public List<Purpose> lineage(PurposeId purposeId) {
        List<Purpose> chain = lineage.get(purposeId);
        if (chain == null) {
            throw new UnknownPurposeException(purposeId == null ? null : purposeId.value(), id, version);
        }
        return chain;
    }

    /**
     * Recipients that receive data for the given purpose. An unknown purpose throws.
     *
     * @param purposeId the id
     * @return the recipients whose purposes include it, in declaration order
     * @throws UnknownPurposeException when this version does not declare it
     */
    public List<Recipient> recipientsFor(PurposeId purposeId) {
        purpose(purposeId);
        return recipients.stream().filter(r -> r.purposes().contains(purposeId)).toList();
    }

    @Override
    public String toString() {
        return "Policy[" + id + " " + version + ", effective " + effectiveFrom + " " + zone + ", "
                + purposes.size() + " purposes]";
    }

    /**
     * Collects the parts of a policy; {@link #build()} validates them all at once. Not thread-safe;
     * the built {@link Policy} is.
     */
    public static final class Builder {
        private final PolicyParts parts;

        private Builder(String id, String version) {
            this.parts = new PolicyParts(id, version);
        }

        /**
         * Required: the first day, in the policy's zone, on which this version governs processing.
         *
         * @param date the date
         * @return this builder
         */
        public Builder effectiveFrom(LocalDate date) {
            parts.effectiveFrom = date;
            return this;
        }

        /**
         * Defaults to {@link #effectiveFrom(LocalDate)}.
         *
         * @param date the date the text last changed
         * @return this builder
         */
        public Builder lastUpdated(LocalDate date) {
            parts.lastUpdated = date;
            return this;
        }

        /**
         * Required: the zone of calendar arithmetic and of {@link #effectiveFrom}.
         *
         * @param zone the zone, e.g. {@code Europe/Berlin}
         * @return this builder
         */
        public Builder zone(ZoneId zone) {
            parts.zone = zone;
            return this;
        }

        /**
         * The controller by name and contact only (GDPR Art. 13(1)(a)); enough for decisions, not for receipts.
         *
         * @param name the controller's name
         * @param contact how to reach them
         * @return this builder
         * @throws InvalidValueException when {@code name} or {@code contact} breaks a rule of {@link Controller}
         */
        public Builder controller(String name, String contact) {
            parts.controller = new Controller(name, contact);
            return this;
        }

        /**
         * The controller with the details a consent receipt names (address, email, phone, id).
         *
         * @param controller the controller
         * @return this builder
         * @throws InvalidValueException when {@code controller} is null
         */
        public Builder controller(Controller controller) {
            parts.controller = Checks.required("controller", controller);
            return this;
        }

        /**
         * The jurisdictions whose law governs the processing: ISO 3166 codes ({@code DE}, {@code US-CA}), EU, EEA.
         *
         * @param codes the codes, added to those given before; checked by {@link #build()}
         * @return this builder
         */
        public Builder jurisdictions(String... codes) {
            parts.jurisdictions.addAll(java.util.Arrays.asList(codes));
            return this;
        }

        /**
         * Where this version of the privacy policy is published: an absolute http(s) URL.
         *
         * @param url the URL; checked by {@link #build()}
         * @return this builder
         */
        public Builder policyUrl(String url) {
            parts.policyUrl = url;
            return this;
        }

        /**
         * The language of the policy's notices, an ISO 639-1 code such as {@code de}.
         *
         * @param iso6391 the code; checked by {@link #build()}
         * @return this builder
         */
        public Builder language(String iso6391) {
            parts.language = iso6391;
            return this;
        }

        /**
         * Where the personal data is stored, as codes like {@link #jurisdictions(String...)}.
         *
         * @param codes the codes, added to those given before; checked by {@link #build()}
         * @return this builder
         */
        public Builder storageLocations(String... codes) {
            parts.storageLocations.addAll(java.util.Arrays.asList(codes));
            return this;
        }

        /**
         * The service-wide minimum age, 1 to 120 ({@link Policy#minimumAge()}); unset by default.
         *
         * @param age the age in years
         * @return this builder
         * @throws InvalidValueException when {@code age} is outside 1..120
         */
        public Builder minimumAge(int age) {
            if (age < 1 || age > 120) {
                throw new InvalidValueException("minimumAge", age, "must be between 1 and 120");
            }
            parts.minimumAge = java.util.OptionalInt.of(age);
            return this;
        }

        /**
         * A data category; at most {@link PolicyLimits#MAX_CATEGORIES}.
         *
         * @param category the category
         * @return this builder
         * @throws InvalidValueException when {@code category} is null or one too many
         */
        public Builder category(DataCategory category) {
            Checks.required("category", category);
            PolicyParts.atMost("policy.categories", parts.categories.size() + 1, PolicyLimits.MAX_CATEGORIES, "data categories",
                    "MAX_CATEGORIES");
            parts.categories.add(category);
            return this;
        }

        /**
         * A data category by id and description.
         *
         * @param id the category id
         * @param description what data it holds
         * @return this builder
         * @throws InvalidValueException when the id or description is invalid, or the category is one too many
         */
        public Builder category(String id, String description) {
            return category(DataCategory.of(id, description));
        }

        /**
         * A purpose; at most {@link PolicyLimits#MAX_PURPOSES}.
         *
         * @param purpose the purpose
         * @return this builder
         * @throws InvalidValueException when {@code purpose} is null or one too many
         */
        public Builder purpose(Purpose purpose) {
            Checks.required("purpose", purpose);
            PolicyParts.atMost("policy.purposes", parts.purposes.size() + 1, PolicyLimits.MAX_PURPOSES, "purposes", "MAX_PURPOSES");
            parts.purposes.add(purpose);
            return this;
        }

        /**
         * A recipient; at most {@link PolicyLimits#MAX_RECIPIENTS}.
         *
         * @param recipient the recipient
         * @return this builder
         * @throws InvalidValueException when {@code recipient} is null or one too many
         */
        public Builder recipient(Recipient recipient) {
            Checks.required("recipient", recipient);
            PolicyParts.atMost("policy.recipients", parts.recipients.size() + 1, PolicyLimits.MAX_RECIPIENTS, "recipients",
                    "MAX_RECIPIENTS");
            parts.recipients.add(recipient);
            return this;
        }

        /**
         * A retention rule; at most {@link PolicyLimits#MAX_RETENTION_RULES}.
         *
         * @param rule the rule
         * @return this builder
         * @throws InvalidValueException when the rule is one too many
         */
        public Builder retention(RetentionRule rule) {
            PolicyParts.atMost("policy.retention", parts.retentionRules.size() + 1, PolicyLimits.MAX_RETENTION_RULES,
                    "retention rules", "MAX_RETENTION_RULES");
            parts.retentionRules.add(rule);
            return this;
        }

        /**
         * A rights deadline promise; one per request type.
         *
         * @param term the term; two for one type are refused by {@link #build()}
         * @return this builder
         */
        public Builder rights(RightsTerm term) {
            parts.rightsTerms.add(term);
            return this;
        }

        /**
         * The same deadline for each of the given request types (every type when none is given).
         *
         * @param deadline the deadline promised
         * @param types the request types; none for every type
         * @return this builder
         */
        public Builder rights(DeadlineTerm deadline, RequestType... types) {
            RequestType[] all = types.length == 0 ? RequestType.values() : types;
            for (RequestType t : all) {
                parts.rightsTerms.add(new RightsTerm(t, deadline, Optional.empty()));
            }
            return this;
        }

        /**
         * The days of the week that are not working days. Defaults to Saturday and Sunday.
         *
         * @param days the weekend days; none for a week without weekend
         * @return this builder
         */
        public Builder weekend(java.time.DayOfWeek... days) {
            parts.weekend = days.length == 0 ? java.util.EnumSet.noneOf(java.time.DayOfWeek.class)
                    : java.util.EnumSet.copyOf(java.util.Arrays.asList(days));
            return this;
        }

        /**
         * Public holidays, which are not working days; at most {@link PolicyLimits#MAX_HOLIDAYS} dates in all.
         *
         * @param dates the dates, added to those given before
         * @return this builder
         * @throws InvalidValueException when the dates are too many
         */
        public Builder holidays(LocalDate... dates) {
            PolicyParts.addDates("calendar.holidays", parts.holidays, dates, PolicyLimits.MAX_HOLIDAYS, "holidays", "MAX_HOLIDAYS");
            return this;
        }

        /**
         * Weekend dates that are working days all the same (make-up days around bridge holidays); at most
         * {@link PolicyLimits#MAX_WORKING_DAYS} dates in all.
         *
         * @param dates the dates, added to those given before
         * @return this builder
         * @throws InvalidValueException when the dates are too many
         */
        public Builder workingDays(LocalDate... dates) {
            PolicyParts.addDates("calendar.workingDays", parts.extraWorkingDays, dates, PolicyLimits.MAX_WORKING_DAYS, "working days",
                    "MAX_WORKING_DAYS");
            return this;
        }

        /**
         * The mapping of industry consent signals ({@link Policy#signals()}); none by default.
         *
         * @param mappings the mappings
         * @return this builder
         * @throws InvalidValueException when {@code mappings} is null
         */
        public Builder signals(SignalMappings mappings) {
            parts.signals = Checks.required("signals", mappings);
            return this;
        }

        /**
         * Adds a jurisdiction with its rules ({@link Policy#jurisdictionRules()}); none by default. Checked with the
         * rest of the policy when it is built.
         *
         * @param jurisdiction the jurisdiction
         * @return this builder
         * @throws InvalidValueException when {@code jurisdiction} is null, or when the policy would then declare more
         *     than {@link PolicyLimits#MAX_JURISDICTIONS}
         */
        public Builder jurisdiction(Jurisdiction jurisdiction) {
            Checks.required("jurisdiction", jurisdiction);
            PolicyParts.atMost("jurisdictionRules", parts.jurisdictionRules.size() + 1, PolicyLimits.MAX_JURISDICTIONS,
                    "jurisdictions", "MAX_JURISDICTIONS");
            parts.jurisdictionRules.add(jurisdiction);
            return this;
        }

        /**
         * Validates everything and returns the immutable policy, or throws listing every problem.
         *
         * @return the policy
         * @throws InvalidPolicyException listing every problem found (at most {@link PolicyLimits#MAX_PROBLEMS}), each
         *     with its JSON path
         */
        public Policy build() {
            List<PolicyProblem> problems = PolicyValidator.validate(parts);
            if (!problems.isEmpty()) {
                throw new InvalidPolicyException(parts.id == null ? null : "'" + parts.id + "'", problems);
            }
            return new Policy(parts);
        }

        /** The parts collected so far, for the document reader's validation. */
        PolicyParts parts() {
            return parts;
        }
    }
}
