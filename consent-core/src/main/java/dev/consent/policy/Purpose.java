package dev.consent.policy;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;

import java.time.Duration;
import java.time.Period;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A processing purpose: why the shop processes which categories of data, on which legal basis, and how
 * the subject's choice is collected.
 *
 * <p>Field-local rules are checked here; rules that involve other parts of the policy (declared
 * categories, the parent, basis against mechanism) are checked when the {@link Policy} is built, so
 * that every problem is reported at once.
 *
 * @param categories the data categories the purpose uses, in the order given
 * @param consentVersion bumped on a material change of the purpose; grants under an older version
 *     answer {@code RECONSENT_REQUIRED} (GDPR Art. 7 and EDPB Guidelines 05/2020, para. 110); between 1 and
 *     {@link #MAX_CONSENT_VERSION}
 * @param consentLifetime how long a grant stays valid, counted from when it was given
 * @param minimumAge below this declared age the subject's own grant does not count (GDPR Art. 8)
 * @param guardianConsent whether a guardian's grant counts for a subject under {@code minimumAge}
 * @param parent a broader purpose whose withdrawal, denial or objection also covers this one
 * @param saleOrSharing the purpose sells or shares data or targets advertising; a Global Privacy
 *     Control signal opts the subject out of it where no explicit choice exists (CCPA/CPRA)
 * @param confirmationWindow when present, a grant of the purpose counts only once the subject confirmed it (double
 *     opt-in): until then a check answers {@code PENDING_CONFIRMATION}, and a grant not confirmed within this window
 *     answers {@code NO_RECORD} (German case law on &sect; 7(2) UWG, e.g. BGH, 10 February 2011, I ZR 164/09
 *     "Double-opt-in-Verfahren"; docs/email.md). Only on a consent purpose; between {@link #MIN_CONFIRMATION_WINDOW}
 *     and {@link #MAX_CONFIRMATION_WINDOW}
 * @param purposeCategories the Kantara Consent Receipt purpose categories of the purpose, in the order given (empty
 *     when not stated); a consent receipt names them, so a purpose on consent needs them before receipts are issued
 *     ({@link Policy#receiptProblems()})
 * @param translations the purpose's notice in languages other than the policy's own ({@link Policy#language()}),
 *     keyed by language tag ({@code de}, {@code fr-CA}), in the order given; empty when there are none. The title and
 *     description are the notice in the policy's own language ({@link #notice()}); each translation is the same
 *     notice, for the same consent version, in another language, so that a banner shows the subject the notice in
 *     their language and the evidence of their choice hashes exactly the text shown (GDPR Art. 7(2) and Art. 12(1):
 *     clear and plain language; recital 42: an intelligible and easily accessible form)
 */
public record Purpose(PurposeId id, String title, String description, LegalBasis basis, Mechanism mechanism,
        Set<CategoryId> categories, int consentVersion, Optional<Period> consentLifetime, OptionalInt minimumAge,
        boolean guardianConsent, Optional<PurposeId> parent, boolean saleOrSharing,
        Set<PurposeCategory> purposeCategories, Optional<Duration> confirmationWindow,
        Map<String, NoticeText> translations) {

    /** The shortest confirmation window: a confirmation mail may take minutes to arrive. */
    public static final Duration MIN_CONFIRMATION_WINDOW = Duration.ofMinutes(5);
    /** The longest confirmation window: a request left unconfirmed longer is stale, not pending. */
    public static final Duration MAX_CONFIRMATION_WINDOW = Duration.ofDays(30);

    /**
     * The highest consent version a purpose can have: 2^24 - 1 (16,777,215), what the decision cache packs into 24
     * bits. A date written as a number (20250101) is beyond it: count versions up from 1.
     */
    public static final int MAX_CONSENT_VERSION = (1 << 24) - 1;

    /**
     * Checks the field-local rules.
     *
     * @param id the purpose id; not {@code subject-age}, {@code subject-location} nor beneath them (reserved by
     *     the ledger)
     * @param title the title shown to subjects, at most 300 characters
     * @param description what the processing is, at most 4000 characters; may be null
     * @param basis the legal basis (GDPR Art. 6(1))
     * @param mechanism how the choice is collected
     * @param categories the data categories used, at least one
     * @param consentVersion between 1 and {@link #MAX_CONSENT_VERSION}
     * @param consentLifetime how long a grant stays valid; positive when present
     * @param minimumAge between 1 and 120 when present (GDPR Art. 8)
     * @param guardianConsent whether a guardian's grant counts below {@code minimumAge}
     * @param parent the broader purpose, if any
     * @param saleOrSharing whether a Global Privacy Control signal opts the subject out (CCPA/CPRA)
     * @param purposeCategories the Kantara purpose categories, in the order given
     * @param confirmationWindow the double opt-in window; only on a consent purpose, between {@link
     *     #MIN_CONFIRMATION_WINDOW} and {@link #MAX_CONFIRMATION_WINDOW}
     * @param translations the notice in other languages, keyed by language tag (an ISO 639-1 language, optionally a
     *     hyphen and an ISO 3166-1 country: {@code de}, {@code de-AT}); at most {@link PolicyLimits#MAX_TRANSLATIONS}
     * @throws InvalidValueException naming the field whose rule is broken
     */
    public Purpose {
        Checks.required("purpose.id", id);
        if (id.value().equals("subject-age") || id.value().startsWith("subject-age.")) {
            // the ledger records age declarations under these ids (dev.consent.ledger.AgeDeclaration.PURPOSE)
            throw new InvalidValueException("purpose.id", id.value(),
                    "is reserved for the ledger's age declarations (subject-age and the ids beneath it)");
        }
        if (id.value().equals("subject-location") || id.value().startsWith("subject-location.")) {
            // the ledger records subjects' locations under these ids (dev.consent.ledger.SubjectLocation.PURPOSE)
            throw new InvalidValueException("purpose.id", id.value(),
                    "is reserved for the ledger's subject locations (subject-location and the ids beneath it)");
        }
        Checks.text("purpose.title", title, 300);
        Checks.optionalText("purpose.description", description, 4000);
        Checks.required("purpose.legalBasis", basis);
        Checks.required("purpose.mechanism", mechanism);
        categories = inGivenOrder("purpose.categories", categories, PolicyLimits.MAX_CATEGORIES,
                "data categories a policy may declare (PolicyLimits.MAX_CATEGORIES)");
        if (categories.isEmpty()) {
            throw new InvalidValueException("purpose.categories", "[]", "must name at least one data category");
        }
        if (consentVersion < 1 || consentVersion > MAX_CONSENT_VERSION) {
            throw new InvalidValueException("purpose.consentVersion", consentVersion,
                    "must be between 1 and " + MAX_CONSENT_VERSION + " (2^24 - 1, what the decision cache holds)");
        }
        Checks.required("purpose.consentLifetime", consentLifetime);
        consentLifetime.ifPresent(p -> {
            if (p.isNegative() || p.isZero()) {
                throw new InvalidValueException("purpose.consentLifetime", p, "must be a positive period");
            }
        });
        Checks.required("purpose.minimumAge", minimumAge);
        if (minimumAge.isPresent() && (minimumAge.getAsInt() < 1 || minimumAge.getAsInt() > 120)) {
            throw new InvalidValueException("purpose.minimumAge", minimumAge.getAsInt(), "must be between 1 and 120");
        }
        Checks.required("purpose.parent", parent);
        purposeCategories = inGivenOrder("purpose.purposeCategories", purposeCategories, PolicyLimits.MAX_CATEGORIES,
                "purpose categories a purpose may name");
        Checks.required("purpose.confirmationWindow", confirmationWindow);
        if (confirmationWindow.isPresent()) {
            Duration w = confirmationWindow.get();
            if (w.compareTo(MIN_CONFIRMATION_WINDOW) < 0 || w.compareTo(MAX_CONFIRMATION_WINDOW) > 0) {
                throw new InvalidValueException("purpose.confirmationWindow", w, "must be between "
                        + MIN_CONFIRMATION_WINDOW + " and " + MAX_CONFIRMATION_WINDOW);
            }
            if (basis != LegalBasis.CONSENT) {
                throw new InvalidValueException("purpose.confirmationWindow", w,
                        "is only meaningful for a purpose on legal basis CONSENT, not " + basis);
            }
        }
        translations = translations("purpose.translations", translations);
    }

    /**
     * A purpose without translations, as policies before translated notices declared it.
     *
     * @param id the purpose id; not {@code subject-age}, {@code subject-location} nor beneath them (reserved by
     *     the ledger)
     * @param title the title shown to subjects, at most 300 characters
     * @param description what the processing is, at most 4000 characters; may be null
     * @param basis the legal basis (GDPR Art. 6(1))
     * @param mechanism how the choice is collected
     * @param categories the data categories used, at least one
     * @param consentVersion between 1 and {@link #MAX_CONSENT_VERSION}
     * @param consentLifetime how long a grant stays valid; positive when present
     * @param minimumAge between 1 and 120 when present (GDPR Art. 8)
     * @param guardianConsent whether a guardian's grant counts below {@code minimumAge}
     * @param parent the broader purpose, if any
     * @param saleOrSharing whether a Global Privacy Control signal opts the subject out (CCPA/CPRA)
     * @param purposeCategories the Kantara purpose categories, in the order given
     * @param confirmationWindow the double opt-in window; only on a consent purpose, between {@link
     *     #MIN_CONFIRMATION_WINDOW} and {@link #MAX_CONFIRMATION_WINDOW}
     * @throws InvalidValueException naming the field whose rule is broken
     */
    public Purpose(PurposeId id, String title, String description, LegalBasis basis, Mechanism mechanism,
            Set<CategoryId> categories, int consentVersion, Optional<Period> consentLifetime, OptionalInt minimumAge,
            boolean guardianConsent, Optional<PurposeId> parent, boolean saleOrSharing,
            Set<PurposeCategory> purposeCategories, Optional<Duration> confirmationWindow) {
        this(id, title, description, basis, mechanism, categories, consentVersion, consentLifetime, minimumAge,
                guardianConsent, parent, saleOrSharing, purposeCategories, confirmationWindow, Map.of());
    }

    /**
     * The notice in the policy's own language ({@link Policy#language()}): the title, and the description as its text,
     * or the title again when the purpose has no description.
     *
     * @return the notice as written in the policy
     */
    public NoticeText notice() {
        return new NoticeText(title, description == null || description.isBlank() ? title : description);
    }

    /**
     * The notice translated into exactly {@code languageTag}, with no fallback to another language.
     *
     * @param languageTag a language tag such as {@code de} or {@code de-AT}
     * @return the translation, or empty when the purpose has none in that language
     */
    public Optional<NoticeText> translation(String languageTag) {
        return Optional.ofNullable(translations.get(languageTag));
    }

    /** An unmodifiable copy in the given order, each language tag of the one accepted form. */
    private static Map<String, NoticeText> translations(String field, Map<String, NoticeText> given) {
        Checks.required(field, given);
        if (given.size() > PolicyLimits.MAX_TRANSLATIONS) { // refused before it is copied
            throw new InvalidValueException(field, given.size() + " translations", "exceed the "
                    + PolicyLimits.MAX_TRANSLATIONS + " a purpose may have (PolicyLimits.MAX_TRANSLATIONS)");
        }
        Map<String, NoticeText> copy = new LinkedHashMap<>();
        given.forEach((tag, text) -> {
            if (!Locations.isLanguageTag(tag)) {
                throw new InvalidValueException(field, tag, Locations.LANGUAGE_TAG_RULE);
            }
            copy.put(tag, Checks.required(field + "." + tag, text));
        });
        return Collections.unmodifiableMap(copy);
    }

    /**
     * A purpose without a confirmation window, as policies before double opt-in declared it.
     *
     * @param id the purpose id; not {@code subject-age}, {@code subject-location} nor beneath them (reserved by
     *     the ledger)
     * @param title the title shown to subjects, at most 300 characters
     * @param description what the processing is, at most 4000 characters; may be null
     * @param basis the legal basis (GDPR Art. 6(1))
     * @param mechanism how the choice is collected
     * @param categories the data categories used, at least one
     * @param consentVersion between 1 and {@link #MAX_CONSENT_VERSION}
     * @param consentLifetime how long a grant stays valid; positive when present
     * @param minimumAge between 1 and 120 when present (GDPR Art. 8)
     * @param guardianConsent whether a guardian's grant counts below {@code minimumAge}
     * @param parent the broader purpose, if any
     * @param saleOrSharing whether a Global Privacy Control signal opts the subject out (CCPA/CPRA)
     * @param purposeCategories the Kantara purpose categories, in the order given
     * @throws InvalidValueException naming the field whose rule is broken
     */
    public Purpose(PurposeId id, String title, String description, LegalBasis basis, Mechanism mechanism,
            Set<CategoryId> categories, int consentVersion, Optional<Period> consentLifetime, OptionalInt minimumAge,
            boolean guardianConsent, Optional<PurposeId> parent, boolean saleOrSharing,
            Set<PurposeCategory> purposeCategories) {
        this(id, title, description, basis, mechanism, categories, consentVersion, consentLifetime, minimumAge,
                guardianConsent, parent, saleOrSharing, purposeCategories, Optional.empty(), Map.of());
    }

    /**
     * Whether a grant of this purpose counts only once confirmed (double opt-in, {@link #confirmationWindow}).
     *
     * @return true when {@link #confirmationWindow()} is present
     */
    public boolean requiresConfirmation() {
        return confirmationWindow.isPresent();
    }

    /**
     * A purpose without Kantara purpose categories, as policies before receipts declared it.
     *
     * @param id the purpose id; not {@code subject-age}, {@code subject-location} nor beneath them (reserved by
     *     the ledger)
     * @param title the title shown to subjects, at most 300 characters
     * @param description what the processing is, at most 4000 characters; may be null
     * @param basis the legal basis (GDPR Art. 6(1))
     * @param mechanism how the choice is collected
     * @param categories the data categories used, at least one
     * @param consentVersion between 1 and {@link #MAX_CONSENT_VERSION}
     * @param consentLifetime how long a grant stays valid; positive when present
     * @param minimumAge between 1 and 120 when present (GDPR Art. 8)
     * @param guardianConsent whether a guardian's grant counts below {@code minimumAge}
     * @param parent the broader purpose, if any
     * @param saleOrSharing whether a Global Privacy Control signal opts the subject out (CCPA/CPRA)
     * @throws InvalidValueException naming the field whose rule is broken
     */
    public Purpose(PurposeId id, String title, String description, LegalBasis basis, Mechanism mechanism,
            Set<CategoryId> categories, int consentVersion, Optional<Period> consentLifetime, OptionalInt minimumAge,
            boolean guardianConsent, Optional<PurposeId> parent, boolean saleOrSharing) {
        this(id, title, description, basis, mechanism, categories, consentVersion, consentLifetime, minimumAge,
                guardianConsent, parent, saleOrSharing, Set.of(), Optional.empty(), Map.of());
    }

    /**
     * Starts a purpose; {@code title}, {@code basis} and at least one category are required.
     *
     * @param id the purpose id
     * @return the builder
     * @throws InvalidValueException when {@code id} is not a valid purpose id
     */
    public static Builder builder(String id) {
        return new Builder(PurposeId.of(id));
    }

    /**
     * Whether the subject's own grant is needed (consent basis).
     *
     * @return true exactly for {@link LegalBasis#CONSENT}
     */
    public boolean needsConsent() {
        return basis == LegalBasis.CONSENT;
    }

    /** A builder with the defaults a plain purpose needs: version 1, no lifetime, no age limit. */
    public static final class Builder {
        private final PurposeId id;
        private String title;
        private String description;
        private LegalBasis basis;
        private Mechanism mechanism;
        private final java.util.Set<CategoryId> categories = new java.util.LinkedHashSet<>();
        private int consentVersion = 1;
        private Period consentLifetime;
        private Integer minimumAge;
        private boolean guardianConsent = true;
        private PurposeId parent;
        private boolean saleOrSharing;
        private final java.util.Set<PurposeCategory> purposeCategories = new java.util.LinkedHashSet<>();
        private Duration confirmationWindow;
        private final Map<String, NoticeText> translations = new LinkedHashMap<>();

        private Builder(PurposeId id) {
            this.id = id;
        }

        /**
         * Required: the title shown to subjects.
         *
         * @param title at most 300 characters
         * @return this builder
         */
        public Builder title(String title) {
            this.title = title;
            return this;
        }

        /**
         * What the processing is, in plain language (GDPR Art. 12(1)); a consent receipt needs it.
         *
         * @param description at most 4000 characters
         * @return this builder
         */
        public Builder description(String description) {
            this.description = description;
            return this;
        }

        /**
         * The legal basis. Also sets the usual mechanism for it (opt-in for consent, opt-out for
         * legitimate interests and public task, notice-only otherwise) unless one was set explicitly.
         *
         * @param basis the basis
         * @return this builder
         */
        public Builder basis(LegalBasis basis) {
            this.basis = basis;
            return this;
        }

        /**
         * How the choice is collected, instead of the basis's usual one; {@link Policy.Builder#build()} checks that it
         * suits the basis.
         *
         * @param mechanism the mechanism
         * @return this builder
         */
        public Builder mechanism(Mechanism mechanism) {
            this.mechanism = mechanism;
            return this;
        }

        /**
         * The data categories the purpose uses, added to those given before.
         *
         * @param ids category ids the policy declares
         * @return this builder
         * @throws InvalidValueException when an id is not a valid category id
         */
        public Builder categories(String... ids) {
            for (String c : ids) {
                categories.add(CategoryId.of(c));
            }
            return this;
        }

        /**
         * The consent version; default 1. Raise it on a material change, so grants under an older one need renewing.
         *
         * @param version between 1 and {@link #MAX_CONSENT_VERSION}
         * @return this builder
         */
        public Builder consentVersion(int version) {
            this.consentVersion = version;
            return this;
        }

        /**
         * How long a grant stays valid; unlimited by default.
         *
         * @param lifetime a positive period
         * @return this builder
         */
        public Builder consentLifetime(Period lifetime) {
            this.consentLifetime = lifetime;
            return this;
        }

        /**
         * Below this declared age the subject's own grant does not count (GDPR Art. 8); no limit by default.
         *
         * @param age between 1 and 120
         * @return this builder
         */
        public Builder minimumAge(int age) {
            this.minimumAge = age;
            return this;
        }

        /**
         * Whether a guardian's grant counts for a subject under the minimum age (GDPR Art. 8(1)); false by default.
         *
         * @param accepted true to accept it
         * @return this builder
         */
        public Builder guardianConsent(boolean accepted) {
            this.guardianConsent = accepted;
            return this;
        }

        /**
         * A broader purpose whose withdrawal, denial or objection also covers this one.
         *
         * @param parentId the parent's id
         * @return this builder
         * @throws InvalidValueException when {@code parentId} is not a valid purpose id
         */
        public Builder parent(String parentId) {
            this.parent = PurposeId.of(parentId);
            return this;
        }

        /**
         * Marks a purpose that sells or shares data or targets advertising, which a GPC signal opts out of (CCPA/CPRA).
         *
         * @param flag true to mark it
         * @return this builder
         */
        public Builder saleOrSharing(boolean flag) {
            this.saleOrSharing = flag;
            return this;
        }

        /**
         * The Kantara Consent Receipt purpose categories, e.g. {@link PurposeCategory#MARKETING}.
         *
         * @param categories added to those given before
         * @return this builder
         */
        public Builder purposeCategories(PurposeCategory... categories) {
            purposeCategories.addAll(java.util.Arrays.asList(categories));
            return this;
        }

        /**
         * Grants count only once confirmed within {@code window} (double opt-in).
         *
         * @param window the window
         * @return this builder
         */
        public Builder confirmationWindow(Duration window) {
            this.confirmationWindow = window;
            return this;
        }

        /**
         * The notice in another language than the policy's own: its title and text there, for this consent version.
         *
         * @param languageTag an ISO 639-1 language, optionally a hyphen and an ISO 3166-1 country ({@code de},
         *     {@code fr-CA}); checked when the purpose is built
         * @param title the title in that language, at most {@value NoticeText#MAX_TITLE} characters
         * @param text the notice text in that language, at most {@value NoticeText#MAX_TEXT} characters
         * @return this builder
         * @throws InvalidValueException when the title or text breaks its rule, or the language has a text already
         */
        public Builder translation(String languageTag, String title, String text) {
            NoticeText t = new NoticeText(title, text);
            if (translations.putIfAbsent(languageTag, t) != null) {
                throw new InvalidValueException("purpose.translations", languageTag, "has a translation already");
            }
            return this;
        }

        /**
         * The purpose, with the basis's usual mechanism unless one was set.
         *
         * @return the purpose
         * @throws InvalidValueException naming the field whose rule is broken, e.g. a missing title or basis
         */
        public Purpose build() {
            Mechanism m = mechanism != null ? mechanism : defaultMechanism(basis);
            return new Purpose(id, title, description, basis, m, categories, consentVersion,
                    Optional.ofNullable(consentLifetime),
                    minimumAge == null ? OptionalInt.empty() : OptionalInt.of(minimumAge), guardianConsent,
                    Optional.ofNullable(parent), saleOrSharing, purposeCategories,
                    Optional.ofNullable(confirmationWindow), translations);
        }
    }

    /**
     * An immutable copy without nulls that keeps the order given, so that a problem found when the policy
     * is built names the element as written ({@code $.purposes[0].categories[1]}), not its sorted rank.
     */
    static <T> Set<T> inGivenOrder(String field, Collection<T> values, int max, String what) {
        Checks.required(field, values);
        if (values.size() > max) { // refused before it is copied
            throw new InvalidValueException(field, values.size() + " elements", "exceed the " + max + " " + what);
        }
        Set<T> copy = new LinkedHashSet<>();
        for (T v : values) {
            copy.add(Checks.required(field + "[]", v));
        }
        return Collections.unmodifiableSet(copy);
    }

    static Mechanism defaultMechanism(LegalBasis basis) {
        if (basis == null) {
            return null;
        }
        return switch (basis) {
            case CONSENT -> Mechanism.OPT_IN;
            case LEGITIMATE_INTERESTS, PUBLIC_TASK -> Mechanism.OPT_OUT;
            case CONTRACT, LEGAL_OBLIGATION, VITAL_INTERESTS -> Mechanism.NOTICE_ONLY;
        };
    }
}
