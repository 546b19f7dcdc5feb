package dev.consent.policy;

import dev.consent.internal.Checks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How industry consent signals map onto the policy's own purposes: IAB TCF purposes, special features and vendors;
 * the fields of IAB GPP's US sections; and how the policy's decisions become Google Consent Mode v2 signals. The
 * {@code signals} section of a policy document ({@code docs/signals.md}); optional, and a policy without it reads
 * and decides as before.
 *
 * <p>Immutable. The rules between fields (every purpose named is declared, TCF ids lie in the ranges the
 * specifications define, a GPP field exists in its section) are checked when the policy is built, each problem at its
 * JSON path under {@code $.signals}; a {@link Policy} never holds a mapping that breaks them. Nothing is guessed:
 * a signal the mapping does not name is left unmapped.
 *
 * @param tcf the IAB TCF v2.2/v2.3 mapping, if the shop reads TC strings
 * @param gpp one mapping per IAB GPP US section the shop reads, in declaration order, each section at most once
 * @param consentMode for each Google Consent Mode v2 type the mapping derives, the purposes that must all be allowed
 *     for it to be {@code granted}; a type not listed is always {@code denied}
 */
public record SignalMappings(Optional<Tcf> tcf, List<GppSection> gpp, Map<ConsentModeType, List<PurposeId>> consentMode) {

    /**
     * Copies the collections; {@link Policy.Builder#build()} checks the mapping against the policy.
     *
     * @param tcf the TCF mapping, if the shop reads TC strings
     * @param gpp the GPP section mappings
     * @param consentMode the Consent Mode mapping
     * @throws dev.consent.InvalidValueException when a component, a key or a purpose list is null
     */
    public SignalMappings {
        Checks.required("signals.tcf", tcf);
        gpp = List.copyOf(Checks.required("signals.gpp", gpp));
        Checks.required("signals.consentMode", consentMode);
        Map<ConsentModeType, List<PurposeId>> modes = new EnumMap<>(ConsentModeType.class);
        consentMode.forEach((type, purposes) -> modes.put(Checks.required("signals.consentMode key", type),
                List.copyOf(Checks.required("signals.consentMode." + type.gtagName(), purposes))));
        consentMode = Collections.unmodifiableMap(modes);
    }

    /**
     * The GPP mapping of the section with this client-side API prefix ({@code usnat}, {@code usca}), if declared.
     *
     * @param name the section's prefix
     * @return the section's mapping, or empty when not declared
     */
    public Optional<GppSection> gppSection(String name) {
        return gpp.stream().filter(s -> s.section().equals(name)).findFirst();
    }

    /**
     * The TCF mapping: which TC-string bit each of the policy's purposes follows. A purpose named by several rules
     * follows all of them: it is granted only when every one of them grants.
     *
     * @param purposes TCF purposes (1 to {@link #MAX_PURPOSE}) by id; the purpose-consent bit is read for a policy
     *     purpose on CONSENT, the legitimate-interest bit for one on LEGITIMATE_INTERESTS or PUBLIC_TASK
     * @param specialFeatures TCF special features (1 to {@link #MAX_SPECIAL_FEATURE}), opt-in only, so only onto
     *     purposes on CONSENT
     * @param vendors Global Vendor List vendors (1 to {@link #MAX_VENDOR}) by id; the vendor-consent or
     *     vendor-legitimate-interest bit, chosen as for purposes
     * @param requireDisclosedVendors whether a TC string without a Disclosed Vendors segment is refused; TCF v2.3
     *     makes the segment mandatory ("IAB Tech Lab - Consent string and vendor list formats v2", v2.3 of April 2025,
     *     "Disclosed Vendors ... This is a mandatory segment"), so {@code true} unless the policy says otherwise
     */
    public record Tcf(List<TcfRule> purposes, List<TcfRule> specialFeatures, List<TcfRule> vendors,
            boolean requireDisclosedVendors) {
        /**
         * The purposes TCF v2.2 defines (Global Vendor List v3, "IAB Tech Lab - Consent string and vendor list
         * formats v2", v2.2 of May 2023): 1 "Store and/or access information on a device" to 11 "Use limited data to
         * select content".
         */
        public static final int MAX_PURPOSE = 11;
        /** TCF v2.2 defines two special features: 1 precise geolocation, 2 active scanning of device characteristics. */
        public static final int MAX_SPECIAL_FEATURE = 2;
        /** Vendor ids are 16-bit fields of the TC string (MaxVendorId, 16 bits). */
        public static final int MAX_VENDOR = 65_535;
        /**
         * The TCF purposes for which legitimate interest may not be claimed since TCF v2.2: 3, 4, 5 and 6
         * (personalised advertising and content profiles and their use). Same source as {@link #MAX_PURPOSE}, "Why was
         * support for legitimate interest for purposes 3 to 6 deprecated?".
         */
        public static final List<Integer> NO_LEGITIMATE_INTEREST = List.of(3, 4, 5, 6);

        /**
         * Copies the lists.
         *
         * @param purposes TCF purpose rules
         * @param specialFeatures TCF special feature rules
         * @param vendors vendor rules
         * @param requireDisclosedVendors whether a TC string without a Disclosed Vendors segment is refused
         * @throws dev.consent.InvalidValueException when a list is null
         */
        public Tcf {
            purposes = List.copyOf(Checks.required("signals.tcf.purposes", purposes));
            specialFeatures = List.copyOf(Checks.required("signals.tcf.specialFeatures", specialFeatures));
            vendors = List.copyOf(Checks.required("signals.tcf.vendors", vendors));
        }
    }

    /**
     * One TCF rule: the TCF purpose, special feature or vendor {@code id} maps onto the policy's {@code purpose}.
     *
     * @param id the TCF purpose, special feature or vendor id; its range is checked with the policy
     * @param purpose the policy's purpose it maps onto
     */
    public record TcfRule(int id, PurposeId purpose) {
        /**
         * @param id the TCF id
         * @param purpose the policy's purpose
         * @throws dev.consent.InvalidValueException when {@code purpose} is null
         */
        public TcfRule {
            Checks.required("purpose", purpose);
        }
    }

    /**
     * The mapping of one IAB GPP US section (GPP "Section Information"; the US National and state technical
     * specifications). Each field maps onto one of the policy's purposes; a field the section does not have is a
     * policy problem ({@link GppSectionLayout}).
     *
     * @param section the section's client-side API prefix: {@code usnat}, {@code usca}, {@code usva}, ...
     * @param saleOptOut the purpose the SaleOptOut field speaks for
     * @param sharingOptOut the purpose the SharingOptOut field speaks for (usnat and usca only)
     * @param targetedAdvertisingOptOut the purpose the TargetedAdvertisingOptOut field speaks for (not in usca)
     * @param sensitiveDataProcessing purposes by 1-based position in the SensitiveDataProcessing list
     * @param knownChildSensitiveDataConsents purposes by 1-based position in KnownChildSensitiveDataConsents (1 for a
     *     section where it is a single value)
     */
    public record GppSection(String section, Optional<PurposeId> saleOptOut, Optional<PurposeId> sharingOptOut,
            Optional<PurposeId> targetedAdvertisingOptOut, List<GppIndexRule> sensitiveDataProcessing,
            List<GppIndexRule> knownChildSensitiveDataConsents) {
        /**
         * Copies the lists.
         *
         * @param section the section's client-side API prefix
         * @param saleOptOut the purpose the SaleOptOut field speaks for
         * @param sharingOptOut the purpose the SharingOptOut field speaks for
         * @param targetedAdvertisingOptOut the purpose the TargetedAdvertisingOptOut field speaks for
         * @param sensitiveDataProcessing purposes by position in SensitiveDataProcessing
         * @param knownChildSensitiveDataConsents purposes by position in KnownChildSensitiveDataConsents
         * @throws dev.consent.InvalidValueException when a component is null
         */
        public GppSection {
            Checks.required("signals.gpp.section", section);
            Checks.required("saleOptOut", saleOptOut);
            Checks.required("sharingOptOut", sharingOptOut);
            Checks.required("targetedAdvertisingOptOut", targetedAdvertisingOptOut);
            sensitiveDataProcessing = List.copyOf(Checks.required("sensitiveDataProcessing", sensitiveDataProcessing));
            knownChildSensitiveDataConsents = List.copyOf(
                    Checks.required("knownChildSensitiveDataConsents", knownChildSensitiveDataConsents));
        }
    }

    /**
     * Position {@code index} (1-based) of a GPP list field maps onto the policy's {@code purpose}.
     *
     * @param index the 1-based position; its range is checked with the policy
     * @param purpose the policy's purpose it maps onto
     */
    public record GppIndexRule(int index, PurposeId purpose) {
        /**
         * @param index the 1-based position
         * @param purpose the policy's purpose
         * @throws dev.consent.InvalidValueException when {@code purpose} is null
         */
        public GppIndexRule {
            Checks.required("purpose", purpose);
        }
    }

    /**
     * The consent types of Google Consent Mode v2 ("Consent mode overview" and the {@code gtag('consent', ...)}
     * reference, Google Tag Platform documentation): the storage types and the two advertising signals added in v2.
     */
    public enum ConsentModeType {
        /**
         * Storage, such as cookies, for advertising.
         */
        AD_STORAGE("ad_storage"),
        /**
         * Storage, such as cookies, for analytics (visit duration, for example).
         */
        ANALYTICS_STORAGE("analytics_storage"),
        /** Consent Mode v2: sending user data to Google for advertising. */
        AD_USER_DATA("ad_user_data"),
        /** Consent Mode v2: personalised advertising (remarketing). */
        AD_PERSONALIZATION("ad_personalization"),
        /**
         * Storage that supports the site's functions, such as language settings.
         */
        FUNCTIONALITY_STORAGE("functionality_storage"),
        /**
         * Storage for personalisation, such as video recommendations.
         */
        PERSONALIZATION_STORAGE("personalization_storage"),
        /**
         * Storage for security, such as authentication and fraud prevention.
         */
        SECURITY_STORAGE("security_storage");

        private final String gtagName;

        ConsentModeType(String gtagName) {
            this.gtagName = gtagName;
        }

        /**
         * The name {@code gtag('consent', ...)} uses, e.g. {@code ad_user_data}.
         *
         * @return the name
         */
        public String gtagName() {
            return gtagName;
        }

        /**
         * The type with this gtag name, if there is one.
         *
         * @param name a gtag name
         * @return the type, or empty for an unknown name
         */
        public static Optional<ConsentModeType> ofGtagName(String name) {
            return Arrays.stream(values()).filter(t -> t.gtagName.equals(name)).findFirst();
        }

        /**
         * Every gtag name, in declaration order.
         *
         * @return the names, a new list
         */
        public static List<String> gtagNames() {
            List<String> names = new ArrayList<>();
            for (ConsentModeType t : values()) {
                names.add(t.gtagName);
            }
            return names;
        }
    }
}
