package dev.consent.policy;

import dev.consent.internal.Checks;

import java.util.List;
import java.util.Optional;

/**
 * What one IAB GPP US section holds that a {@link SignalMappings.GppSection} may map: whether it has the SaleOptOut,
 * SharingOptOut and TargetedAdvertisingOptOut fields, how many entries SensitiveDataProcessing and
 * KnownChildSensitiveDataConsents have, and what SensitiveDataProcessing's values mean. Transcribed from the
 * section's technical specification in IAB Tech Lab's Global Privacy Platform repository (section list: GPP
 * "Section Information"); the value legends are the specifications' own:
 * opt-out fields 0 Not Applicable, 1 Opted Out, 2 Did Not Opt Out; consent fields 0 Not Applicable, 1 No Consent,
 * 2 Consent. KnownChildSensitiveDataConsents is a consent field in every section.
 *
 * <p>Immutable; {@link #all()} is the fixed table of the sections a policy may map. A section not in it (a newer
 * state, or a deprecated one such as uspv1) is never mapped: a string that carries it reports it as unmapped.
 *
 * @param name the client-side API prefix, e.g. {@code usnat}
 * @param id the GPP section id, e.g. 7 for usnat
 * @param knownChildCount entries of KnownChildSensitiveDataConsents; 1 where the field is a single Int(2)
 * @param specification the specification the row is transcribed from
 */
public record GppSectionLayout(String name, int id, boolean saleOptOut, boolean sharingOptOut,
        boolean targetedAdvertisingOptOut, int sensitiveCount, Semantics sensitiveSemantics, int knownChildCount,
        String specification) {

    /** What the values 1 and 2 of a field mean. */
    public enum Semantics {
        /** 1 Opted Out, 2 Did Not Opt Out: not opting out is not consent (GDPR Art. 4(11) is not met by silence). */
        OPT_OUT,
        /** 1 No Consent, 2 Consent. */
        CONSENT
    }

    private static final String TX = "IAB Tech Lab GPP, ";
    // Tennessee (id 22) is left out: its specification and iabgpp-encoder 3.2.3 disagree on
    // KnownChildSensitiveDataConsents, so a string carrying it is reported unmapped rather than read one way or the other.
    private static final List<GppSectionLayout> ALL = List.of(
            new GppSectionLayout("usnat", 7, true, true, true, 16, Semantics.CONSENT, 3,
                    TX + "MSPA US National Technical Specification"),
            new GppSectionLayout("usca", 8, true, true, false, 9, Semantics.OPT_OUT, 2,
                    TX + "California Privacy Technical Specification"),
            new GppSectionLayout("usva", 9, true, false, true, 8, Semantics.CONSENT, 1,
                    TX + "Virginia Privacy Technical Specification"),
            new GppSectionLayout("usco", 10, true, false, true, 7, Semantics.CONSENT, 1,
                    TX + "Colorado Privacy Technical Specification"),
            new GppSectionLayout("usut", 11, true, false, true, 8, Semantics.OPT_OUT, 1,
                    TX + "Utah Privacy Technical Specification"),
            new GppSectionLayout("usct", 12, true, false, true, 8, Semantics.CONSENT, 3,
                    TX + "Connecticut Privacy Technical Specification"),
            new GppSectionLayout("usfl", 13, true, false, true, 8, Semantics.CONSENT, 3,
                    TX + "Florida Privacy Technical Specification"),
            new GppSectionLayout("usmt", 14, true, false, true, 8, Semantics.CONSENT, 3,
                    TX + "Montana Privacy Technical Specification"),
            new GppSectionLayout("usor", 15, true, false, true, 11, Semantics.CONSENT, 3,
                    TX + "Oregon Privacy Technical Specification"),
            new GppSectionLayout("ustx", 16, true, false, true, 8, Semantics.CONSENT, 1,
                    TX + "Texas Privacy Technical Specification"),
            new GppSectionLayout("usde", 17, true, false, true, 9, Semantics.CONSENT, 5,
                    TX + "Delaware Privacy Technical Specification"),
            new GppSectionLayout("usia", 18, true, false, true, 8, Semantics.OPT_OUT, 1,
                    TX + "Iowa Privacy Technical Specification"),
            new GppSectionLayout("usne", 19, true, false, true, 8, Semantics.CONSENT, 1,
                    TX + "Nebraska Privacy Technical Specification"),
            new GppSectionLayout("usnh", 20, true, false, true, 8, Semantics.CONSENT, 3,
                    TX + "New Hampshire Privacy Technical Specification"),
            new GppSectionLayout("usnj", 21, true, false, true, 10, Semantics.CONSENT, 5,
                    TX + "New Jersey Privacy Technical Specification"));

    /**
     * @param name the client-side API prefix, at most 20 characters
     * @param id the GPP section id
     * @param saleOptOut whether the section has a SaleOptOut field
     * @param sharingOptOut whether it has a SharingOptOut field
     * @param targetedAdvertisingOptOut whether it has a TargetedAdvertisingOptOut field
     * @param sensitiveCount entries of its SensitiveDataProcessing list
     * @param sensitiveSemantics what the values of that list mean
     * @param knownChildCount entries of KnownChildSensitiveDataConsents
     * @param specification the specification, at most 200 characters
     * @throws dev.consent.InvalidValueException when a text is blank or too long, or {@code sensitiveSemantics} is null
     */
    public GppSectionLayout {
        Checks.text("name", name, 20);
        Checks.required("sensitiveSemantics", sensitiveSemantics);
        Checks.text("specification", specification, 200);
    }

    /**
     * Every section a policy may map, by section id.
     *
     * @return the layouts, unmodifiable, in section id order
     */
    public static List<GppSectionLayout> all() {
        return ALL;
    }

    /**
     * The section with this client-side API prefix, if a policy may map it.
     *
     * @param name the prefix, e.g. {@code usca}
     * @return the layout, or empty for a section this library does not know
     */
    public static Optional<GppSectionLayout> named(String name) {
        return ALL.stream().filter(s -> s.name.equals(name)).findFirst();
    }

    /**
     * The section with this GPP section id, if a policy may map it.
     *
     * @param id the section id
     * @return the layout, or empty for a section this library does not know
     */
    public static Optional<GppSectionLayout> withId(int id) {
        return ALL.stream().filter(s -> s.id == id).findFirst();
    }

    /** The names of {@link #all()}, for messages. */
    static String names() {
        return String.join(", ", ALL.stream().map(GppSectionLayout::name).toList());
    }
}
