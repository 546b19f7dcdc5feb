package dev.consent.signals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.consent.Decision;
import dev.consent.policy.PurposeId;
import dev.consent.policy.SignalMappings;
import dev.consent.policy.SignalMappings.ConsentModeType;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The Google Consent Mode v2 signals of one subject: each of the seven consent types ({@link ConsentModeType})
 * granted or denied. Immutable; every type is present.
 *
 * <p>Derivation ({@link #derive}): a type is {@code granted} when the policy's mapping lists it and every purpose it
 * lists is allowed for the subject; a type the mapping does not list, a purpose with no decision, an unknown purpose
 * and a denied decision all make it {@code denied}. Nothing defaults to granted.
 *
 * <p>Two renderings: {@link #toGtagJson()} for the page ({@code gtag('consent', 'update', {...})}, Google Tag Platform
 * "Set up consent mode", Consent Mode v2 with {@code ad_user_data} and {@code ad_personalization}), and
 * {@link #uploadConsent()} for the consent fields of server-side uploads.
 */
public record ConsentMode(Map<ConsentModeType, Status> signals) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A consent type's state: {@code granted} or {@code denied}. */
    public enum Status {
        /** The type is granted: the tag may use what it covers. */
        GRANTED,
        /** The type is denied: the tag must not use what it covers. */
        DENIED;

        /**
         * The value {@code gtag} takes.
         *
         * @return {@code granted} or {@code denied}
         */
        public String gtag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Checks that every consent type has a status, and copies the map.
     *
     * @param signals the status of each of the seven types
     * @throws dev.consent.InvalidValueException (field {@code signals}) when the map is null or a type has no status
     */
    public ConsentMode {
        SignalChecks.required("signals", signals);
        Map<ConsentModeType, Status> all = new EnumMap<>(ConsentModeType.class);
        for (ConsentModeType t : ConsentModeType.values()) {
            Status s = signals.get(t);
            if (s == null) {
                throw new dev.consent.InvalidValueException("signals", t.gtagName(), "has no status; every Consent "
                        + "Mode type is granted or denied");
            }
            all.put(t, s);
        }
        signals = Collections.unmodifiableMap(all);
    }

    /**
     * The signals the mapping derives from a subject's decisions.
     *
     * @param mapping the policy's {@code signals.consentMode} mapping
     * @param decisions the subject's decision for a purpose, or {@code null} when there is none (denied)
     * @return the signals; a type is granted only when every purpose the mapping lists for it is allowed
     */
    public static ConsentMode derive(SignalMappings mapping, Function<PurposeId, Decision> decisions) {
        SignalChecks.required("mapping", mapping);
        SignalChecks.required("decisions", decisions);
        Map<ConsentModeType, Status> out = new EnumMap<>(ConsentModeType.class);
        for (ConsentModeType t : ConsentModeType.values()) {
            List<PurposeId> purposes = mapping.consentMode().getOrDefault(t, List.of());
            boolean granted = !purposes.isEmpty();
            for (PurposeId p : purposes) {
                Decision d = decisions.apply(p);
                granted &= d != null && d.allowed();
            }
            out.put(t, granted ? Status.GRANTED : Status.DENIED);
        }
        return new ConsentMode(out);
    }

    /**
     * The status of one type.
     *
     * @param type the consent type
     * @return its status; never null
     */
    public Status status(ConsentModeType type) {
        return signals.get(SignalChecks.required("type", type));
    }

    /**
     * The object for {@code gtag('consent', 'update', ...)}: every type by its gtag name, e.g.
     * {@code {"ad_storage":"denied","analytics_storage":"granted",...}}, in {@link ConsentModeType} order.
     *
     * @return the JSON object, all seven types
     */
    public String toGtagJson() {
        ObjectNode o = JSON.createObjectNode();
        signals.forEach((t, s) -> o.put(t.gtagName(), s.gtag()));
        return o.toString();
    }

    /**
     * The consent fields of a Google Ads upload for this subject.
     *
     * @return {@code ad_user_data} and {@code ad_personalization} as the upload names them
     */
    public AdsUploadConsent uploadConsent() {
        return new AdsUploadConsent(signals.get(ConsentModeType.AD_USER_DATA),
                signals.get(ConsentModeType.AD_PERSONALIZATION));
    }
}
