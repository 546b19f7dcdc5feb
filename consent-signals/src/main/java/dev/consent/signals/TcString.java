package dev.consent.signals;

import com.iab.gpp.encoder.section.TcfEuV2;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A decoded IAB TCF v2 TC string ("IAB Tech Lab - Consent string and vendor list formats v2", v2.2 of May 2023 and
 * v2.3 of April 2025), decoded by IAB Tech Lab's {@code iabgpp-encoder}. Immutable; sets hold ids (purpose 1 is
 * {@code 1}), sorted.
 *
 * <p>{@link #decode(String)} guarantees that the string is well-formed and complete and follows the rules of the
 * specification a receiver can check: a core segment of encoding version 2 first, then at most one segment of each
 * other type (Disclosed Vendors, Allowed Vendors, Publisher TC); a TcfPolicyVersion of 4 or more (TCF v2.2: "Post 30
 * September 2023 a TC String created with a policy version set to smaller than 4 will be deemed invalid"); no
 * legitimate interest established for purposes 3 to 6 (removed in TCF v2.2). Whether the Disclosed Vendors segment
 * must be present (mandatory since TCF v2.3) is the policy's to say ({@link dev.consent.policy.SignalMappings.Tcf});
 * {@link #disclosedVendors()} is empty when the segment is absent.
 *
 * @param sha256 the SHA-256 of the string's UTF-8 bytes, lower-case hex: what the evidence of its choices holds
 * @param created the Created field (day-level since TCF v2.2)
 * @param lastUpdated the LastUpdated field; a later one supersedes
 * @param disclosedVendors the vendors of the Disclosed Vendors segment; empty when the string has no such segment
 */
public record TcString(String sha256, int version, Instant created, Instant lastUpdated, int cmpId, int cmpVersion,
        int consentScreen, String consentLanguage, int vendorListVersion, int policyVersion, boolean serviceSpecific,
        SortedSet<Integer> specialFeatureOptIns, SortedSet<Integer> purposeConsents,
        SortedSet<Integer> purposeLegitimateInterests, SortedSet<Integer> vendorConsents,
        SortedSet<Integer> vendorLegitimateInterests, Optional<SortedSet<Integer>> disclosedVendors) {

    /** The longest TC string accepted; a full range-encoded vendor list is a few kilobytes. */
    public static final int MAX_LENGTH = 65_536;
    /** The lowest TcfPolicyVersion accepted: 4, TCF v2.2. */
    public static final int MIN_POLICY_VERSION = 4;

    /**
     * Holds the decoded fields, the sets copied and unmodifiable; {@link #decode(String)} is what checks them.
     *
     * @param sha256 the SHA-256 of the string's UTF-8 bytes, lower-case hex
     * @param version the encoding version
     * @param created the Created field
     * @param lastUpdated the LastUpdated field
     * @param cmpId the consent management platform's id
     * @param cmpVersion the platform's version
     * @param consentScreen the screen the choices were made on
     * @param consentLanguage the language of the banner, two letters
     * @param vendorListVersion the Global Vendor List version
     * @param policyVersion the TcfPolicyVersion
     * @param serviceSpecific whether the string is specific to one service
     * @param specialFeatureOptIns the special features opted in to
     * @param purposeConsents the purposes consented to
     * @param purposeLegitimateInterests the purposes whose legitimate interest was established (not objected to)
     * @param vendorConsents the vendors consented to
     * @param vendorLegitimateInterests the vendors whose legitimate interest was established
     * @param disclosedVendors the vendors of the Disclosed Vendors segment, if the string has one
     */
    public TcString {
        specialFeatureOptIns = frozen(specialFeatureOptIns);
        purposeConsents = frozen(purposeConsents);
        purposeLegitimateInterests = frozen(purposeLegitimateInterests);
        vendorConsents = frozen(vendorConsents);
        vendorLegitimateInterests = frozen(vendorLegitimateInterests);
        disclosedVendors = disclosedVendors.map(TcString::frozen);
    }

    /**
     * Decodes and checks a TC string.
     *
     * @param tcString the TC string, at most {@value #MAX_LENGTH} characters
     * @return the decoded string, checked as the class description says
     * @throws InvalidSignalException naming the field: a malformed or truncated string, an encoding version other
     *         than 2, a TcfPolicyVersion below 4, legitimate interest for purposes 3 to 6
     */
    public static TcString decode(String tcString) {
        return decode(tcString, "");
    }

    /** As {@link #decode(String)}; {@code prefix} names the enclosing field in messages (e.g. {@code tcfeuv2.}). */
    static TcString decode(String tcString, String prefix) {
        String[] segments = segments(tcString, prefix);
        boolean[] seen = new boolean[4];
        for (int i = 1; i < segments.length; i++) {
            int type = segmentType(segments[i], prefix, i);
            if (seen[type]) {
                throw new InvalidSignalException(prefix + "SegmentType", "of segment " + (i + 1) + " is " + type
                        + ", which an earlier segment has already: each segment type appears at most once");
            }
            seen[type] = true;
        }
        boolean disclosed = seen[1];
        TcfEuV2 s = new TcfEuV2(tcString);
        TcString tc;
        try {
            tc = new TcString(sha256(tcString), (Integer) s.getFieldValue("Version"), s.getCreated().toInstant(),
                    s.getLastUpdated().toInstant(), s.getCmpId(), s.getCmpVersion(), s.getConsentScreen(),
                    s.getConsentLanguage(), s.getVendorListVersion(), s.getPolicyVersion(), s.getIsServiceSpecific(),
                    ids(s.getSpecialFeatureOptins()), ids(s.getPurposeConsents()),
                    ids(s.getPurposeLegitimateInterests()), new TreeSet<>(s.getVendorConsents()),
                    new TreeSet<>(s.getVendorLegitimateInterests()),
                    disclosed ? Optional.of(new TreeSet<>(s.getVendorsDisclosed())) : Optional.empty());
            s.getVendorsAllowed();
            s.getPublisherConsents();
        } catch (RuntimeException e) {
            throw new InvalidSignalException(prefix + "TCString", "is malformed or truncated: a segment cannot be "
                    + "decoded (" + e.getClass().getSimpleName() + ")", e);
        }
        if (tc.version != 2) {
            throw new InvalidSignalException(prefix + "Version", tc.version + " is not 2, the encoding version of "
                    + "TCF v2 TC strings");
        }
        if (tc.policyVersion < MIN_POLICY_VERSION) {
            throw new InvalidSignalException(prefix + "TcfPolicyVersion", tc.policyVersion + " is below "
                    + MIN_POLICY_VERSION + ": TC strings of a policy version below 4 are invalid since TCF v2.2 "
                    + "(after 30 September 2023)");
        }
        for (int purpose : dev.consent.policy.SignalMappings.Tcf.NO_LEGITIMATE_INTEREST) {
            if (tc.purposeLegitimateInterests.contains(purpose)) {
                throw new InvalidSignalException(prefix + "PurposesLITransparency[" + purpose + "]", "claims "
                        + "legitimate interest for purpose " + purpose + ", which TCF v2.2 removed for purposes 3 to 6");
            }
        }
        return tc;
    }

    private static String[] segments(String s, String prefix) {
        if (s == null || s.isEmpty()) {
            throw new InvalidSignalException(prefix + "TCString", "is empty");
        }
        if (s.length() > MAX_LENGTH) {
            throw new InvalidSignalException(prefix + "TCString", "is " + s.length() + " characters, more than the "
                    + MAX_LENGTH + " a TC string may have here");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c == '.')) {
                throw new InvalidSignalException(prefix + "TCString", "has a character outside base64url and '.' "
                        + "at position " + i);
            }
        }
        String[] segments = s.split("\\.", -1);
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].isEmpty()) {
                throw new InvalidSignalException(prefix + "TCString", "has an empty segment (number " + (i + 1) + ")");
            }
        }
        if (segments[0].charAt(0) != 'C') {
            throw new InvalidSignalException(prefix + "Version", "is not 2: a TCF v2 core segment starts with 'C'");
        }
        return segments;
    }

    /** The segment type of a segment after the core (its first 3 bits), each type at most once. */
    private static int segmentType(String segment, String prefix, int index) {
        char c = segment.charAt(0);
        int type = c >= 'I' && c <= 'P' ? 1 : c >= 'Q' && c <= 'X' ? 2 : c >= 'Y' && c <= 'Z' || c >= 'a' && c <= 'f'
                ? 3 : -1;
        if (type < 0) {
            throw new InvalidSignalException(prefix + "SegmentType", "of segment " + (index + 1) + " is not 1 "
                    + "(Disclosed Vendors), 2 (Allowed Vendors) or 3 (Publisher TC)");
        }
        return type;
    }

    private static SortedSet<Integer> ids(List<Boolean> bits) {
        SortedSet<Integer> out = new TreeSet<>();
        for (int i = 0; i < bits.size(); i++) {
            if (Boolean.TRUE.equals(bits.get(i))) {
                out.add(i + 1);
            }
        }
        return out;
    }

    private static SortedSet<Integer> frozen(SortedSet<Integer> set) {
        return Collections.unmodifiableSortedSet(new TreeSet<>(set));
    }

    /** SHA-256 of the UTF-8 bytes, lower-case hex. */
    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
