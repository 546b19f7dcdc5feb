package dev.consent.email;

import java.net.URI;

/**
 * What one marketing mail to one recipient for one purpose carries to be unsubscribable in one click (RFC 8058,
 * RFC 2369): the signed HTTPS URL and the two header values. Gmail and Yahoo require both headers of bulk senders
 * (Gmail "Email sender guidelines", Yahoo "Sender Best Practices", in force since February 2024) and that an
 * unsubscribe is honoured within two days.
 *
 * @param url                 the signed unsubscribe URL: the host's base URL with the token as query parameter
 *                            {@code token}; also fit for the footer link of the mail
 * @param listUnsubscribe     the value of the {@code List-Unsubscribe} header: {@code <url>} (RFC 2369 section 3.2)
 * @param listUnsubscribePost the value of the {@code List-Unsubscribe-Post} header:
 *                            {@code List-Unsubscribe=One-Click} (RFC 8058 section 3.1)
 */
public record UnsubscribeLink(URI url, String listUnsubscribe, String listUnsubscribePost) {
    /** The value RFC 8058 section 3.1 prescribes for {@code List-Unsubscribe-Post}. */
    public static final String ONE_CLICK = "List-Unsubscribe=One-Click";

    /**
     * @param url the signed unsubscribe URL
     * @param listUnsubscribe the {@code List-Unsubscribe} header value
     * @param listUnsubscribePost the {@code List-Unsubscribe-Post} header value, {@link #ONE_CLICK}
     * @throws dev.consent.InvalidValueException when a component is null
     */
    public UnsubscribeLink {
        dev.consent.internal.Checks.required("url", url);
        dev.consent.internal.Checks.required("listUnsubscribe", listUnsubscribe);
        dev.consent.internal.Checks.required("listUnsubscribePost", listUnsubscribePost);
    }
}
