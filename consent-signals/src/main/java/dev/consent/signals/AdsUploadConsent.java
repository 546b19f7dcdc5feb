package dev.consent.signals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The consent of one user as server-side uploads to Google carry it: the {@code Consent} message of the Google Ads API
 * ({@code adUserData} and {@code adPersonalization}, each {@code GRANTED} or {@code DENIED}) that click conversion
 * uploads and Customer Match user data carry (Google Ads API, "Consent" common type, since v15 for the EU user
 * consent policy). Derived from Consent Mode v2's {@code ad_user_data} and {@code ad_personalization}. Immutable.
 */
public record AdsUploadConsent(ConsentMode.Status adUserData, ConsentMode.Status adPersonalization) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Both fields are required: an upload never carries a consent left unsaid.
     *
     * @param adUserData whether the user's data may be sent to Google for advertising
     * @param adPersonalization whether it may be used for personalised advertising
     * @throws dev.consent.InvalidValueException naming the field that is null
     */
    public AdsUploadConsent {
        SignalChecks.required("adUserData", adUserData);
        SignalChecks.required("adPersonalization", adPersonalization);
    }

    /**
     * The {@code consent} object of an upload.
     *
     * @return JSON such as {@code {"adUserData":"GRANTED","adPersonalization":"DENIED"}}
     */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("adUserData", adUserData.name());
        o.put("adPersonalization", adPersonalization.name());
        return o.toString();
    }
}
