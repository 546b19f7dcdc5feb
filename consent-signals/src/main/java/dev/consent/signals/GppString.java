package dev.consent.signals;

import com.iab.gpp.encoder.GppModel;
import com.iab.gpp.encoder.section.EncodableSection;
import com.iab.gpp.encoder.section.HeaderV1;
import com.iab.gpp.encoder.section.Sections;
import dev.consent.policy.GppSectionLayout;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A decoded IAB GPP string (IAB Tech Lab "Global Privacy Platform String", Consent String Specification v1.0), decoded
 * by IAB Tech Lab's {@code iabgpp-encoder}: its header's section ids, the IAB TCF Europe section (id 2) as a
 * {@link TcString}, the US sections of {@link GppSectionLayout#all()}, and the ids of every other section it carries,
 * which are never interpreted. Immutable.
 *
 * <p>{@link #decode(String)} guarantees a well-formed header (type 3, version 1) whose SectionIds (a range, so each id once) list exactly
 * as many sections as the string holds, and well-formed decoded sections: each of the version the decoder reads, each
 * two-bit field 0, 1 or 2 (0 Not Applicable; the meaning of 1 and 2 is the field's, see {@link GppSectionLayout}).
 *
 * @param sha256 the SHA-256 of the string's UTF-8 bytes, lower-case hex
 * @param sectionIds the header's SectionIds, in order
 * @param tcfEu the tcfeuv2 section (id 2), if present
 * @param usSections the US sections this library maps, in the header's order
 * @param otherSections every other section, by id and name ({@code uspv1}, {@code tcfcav1}, a newer state, or
 *     {@code unknown}): carried but not interpreted
 */
public record GppString(String sha256, List<Integer> sectionIds, Optional<TcString> tcfEu, List<UsSection> usSections,
        List<OtherSection> otherSections) {

    /** Characters of a usnat core segment of the layout before the 2024 revision, when its 60 bits fill 10 exactly. */
    private static final int LEGACY_USNAT_CORE = 10;
    /** The longest GPP string accepted. */
    public static final int MAX_LENGTH = 131_072;

    /**
     * Holds the decoded sections, the lists copied; {@link #decode(String)} is what checks them.
     *
     * @param sha256 the SHA-256 of the string's UTF-8 bytes, lower-case hex
     * @param sectionIds the header's SectionIds, in order
     * @param tcfEu the tcfeuv2 section, if present
     * @param usSections the US sections this library maps
     * @param otherSections every other section, carried but not interpreted
     */
    public GppString {
        sectionIds = List.copyOf(sectionIds);
        usSections = List.copyOf(usSections);
        otherSections = List.copyOf(otherSections);
    }

    /**
     * One decoded US section: the fields a policy may map. An absent field (SharingOptOut outside usnat and usca) is
     * empty; KnownChildSensitiveDataConsents has one entry where the section defines a single value.
     */
    public record UsSection(String name, int id, int version, OptionalInt saleOptOut, OptionalInt sharingOptOut,
            OptionalInt targetedAdvertisingOptOut, List<Integer> sensitiveDataProcessing,
            List<Integer> knownChildSensitiveDataConsents) {
        /**
         * Holds one decoded section, the lists copied.
         *
         * @param name the section's name, e.g. {@code usnat}
         * @param id its GPP section id
         * @param version its version
         * @param saleOptOut SaleOptOut: 0 not applicable, 1 opted out, 2 did not opt out
         * @param sharingOptOut SharingOptOut, where the section has it
         * @param targetedAdvertisingOptOut TargetedAdvertisingOptOut
         * @param sensitiveDataProcessing SensitiveDataProcessing, one entry per category of the section
         * @param knownChildSensitiveDataConsents KnownChildSensitiveDataConsents
         */
        public UsSection {
            sensitiveDataProcessing = List.copyOf(sensitiveDataProcessing);
            knownChildSensitiveDataConsents = List.copyOf(knownChildSensitiveDataConsents);
        }
    }

    /** A section carried by the string that is not interpreted: by GPP section id and name. */
    public record OtherSection(int id, String name) {
    }

    /**
     * Decodes and checks a GPP string.
     *
     * @param gpp the GPP string, at most {@value #MAX_LENGTH} characters
     * @return the decoded string, its sections checked
     * @throws InvalidSignalException naming the field: a malformed or truncated string or section, a header whose
     *         SectionIds do not match the sections present, a section of another version, a field value outside
     *         0..2, or any rule {@link TcString#decode(String)} checks of the tcfeuv2 section
     */
    public static GppString decode(String gpp) {
        String[] parts = parts(gpp);
        List<Integer> ids;
        try {
            HeaderV1 header = new HeaderV1(parts[0]);
            ids = List.copyOf(header.getSectionsIds());
            int type = (Integer) header.getFieldValue("Id");
            int version = (Integer) header.getFieldValue("Version");
            if (type != 3 || version != 1) {
                throw new InvalidSignalException("header.Type", "is " + type + " version " + version
                        + ", not the GPP header (type 3, version 1)");
            }
        } catch (InvalidSignalException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidSignalException("header", "is malformed or truncated (" + e.getClass().getSimpleName()
                    + ")", e);
        }
        if (ids.size() != parts.length - 1) {
            throw new InvalidSignalException("header.SectionIds", "lists " + ids.size() + " section(s) but the string "
                    + "holds " + (parts.length - 1));
        }
        GppModel model = new GppModel(gpp);
        Optional<TcString> tcf = Optional.empty();
        List<UsSection> us = new ArrayList<>();
        List<OtherSection> other = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            int id = ids.get(i);
            Optional<GppSectionLayout> layout = GppSectionLayout.withId(id);
            if (id == 2) {
                tcf = Optional.of(TcString.decode(parts[i + 1], "tcfeuv2."));
            } else if (layout.isPresent()) {
                us.add(usSection(model, layout.get(), parts[i + 1]));
            } else {
                other.add(new OtherSection(id, Sections.SECTION_ID_NAME_MAP.getOrDefault(id, "unknown")));
            }
        }
        return new GppString(TcString.sha256(gpp), ids, tcf, us, other);
    }

    private static String[] parts(String s) {
        if (s == null || s.isEmpty()) {
            throw new InvalidSignalException("GPPString", "is empty");
        }
        if (s.length() > MAX_LENGTH) {
            throw new InvalidSignalException("GPPString", "is " + s.length() + " characters, more than the "
                    + MAX_LENGTH + " a GPP string may have here");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c == '.' || c == '~')) {
                throw new InvalidSignalException("GPPString", "has a character outside base64url, '.' and '~' at "
                        + "position " + i);
            }
        }
        if (s.charAt(0) != 'D') {
            throw new InvalidSignalException("header.Type", "is not 3: a GPP string starts with 'D'");
        }
        String[] parts = s.split("~", -1);
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                throw new InvalidSignalException("GPPString", "has an empty section (number " + i + ")");
            }
        }
        return parts;
    }

    private static UsSection usSection(GppModel model, GppSectionLayout l, String encoded) {
        String n = l.name() + ".";
        try {
            EncodableSection s = model.getSection(l.name());
            int version = (Integer) s.getFieldValue("Version");
            if (version != s.getVersion()) {
                throw new InvalidSignalException(n + "Version", version + " is not " + s.getVersion() + ", the version "
                        + "of section " + l.name() + " this decoder reads");
            }
            OptionalInt sale = l.saleOptOut() ? OptionalInt.of(twoBits(n + "SaleOptOut", s.getFieldValue("SaleOptOut")))
                    : OptionalInt.empty();
            OptionalInt sharing = l.sharingOptOut()
                    ? OptionalInt.of(twoBits(n + "SharingOptOut", s.getFieldValue("SharingOptOut")))
                    : OptionalInt.empty();
            OptionalInt targeted = l.targetedAdvertisingOptOut() ? OptionalInt.of(twoBits(
                    n + "TargetedAdvertisingOptOut", s.getFieldValue("TargetedAdvertisingOptOut"))) : OptionalInt.empty();
            List<Integer> sensitive = list(n + "SensitiveDataProcessing", s.getFieldValue("SensitiveDataProcessing"),
                    l.sensitiveCount());
            List<Integer> child = list(n + "KnownChildSensitiveDataConsents",
                    s.getFieldValue("KnownChildSensitiveDataConsents"), l.knownChildCount());
            return new UsSection(l.name(), l.id(), version, sale, sharing, targeted, sensitive, child);
        } catch (InvalidSignalException e) {
            throw e;
        } catch (RuntimeException e) {
            if (l.id() == 7 && encoded.split("\\.", -1)[0].length() == LEGACY_USNAT_CORE) {
                throw new InvalidSignalException(l.name(), "has a core segment in the layout before the 2024 revision "
                        + "(12 sensitive-data categories and 2 child consents, 60 bits in 10 characters), which "
                        + "iabgpp-encoder 3.2.3 does not decode (its 3.2.5 does); refused rather than guessed", e);
            }
            throw new InvalidSignalException(l.name(), "is malformed or truncated: the section cannot be decoded ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static int twoBits(String field, Object value) {
        int v = (Integer) value;
        if (v < 0 || v > 2) {
            throw new InvalidSignalException(field, v + " is not 0 (Not Applicable), 1 or 2");
        }
        return v;
    }

    private static List<Integer> list(String field, Object value, int count) {
        List<Integer> out = new ArrayList<>();
        if (value instanceof Integer single) {
            out.add(single);
        } else {
            for (Object o : (List<?>) value) {
                out.add((Integer) o);
            }
        }
        if (out.size() != count) {
            throw new InvalidSignalException(field, "has " + out.size() + " entries, not the " + count
                    + " its section's specification defines");
        }
        for (int i = 0; i < out.size(); i++) {
            twoBits(field + "[" + (i + 1) + "]", out.get(i));
        }
        return out;
    }
}
