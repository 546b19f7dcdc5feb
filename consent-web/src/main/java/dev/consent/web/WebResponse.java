package dev.consent.web;

import dev.consent.InvalidValueException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP response from {@link ConsentWebHandler}, for an adapter to write out as it is. Immutable.
 *
 * @param status the status code
 * @param headers the headers by lower-case name, each with its values in order (several {@code set-cookie} values
 *     are several headers)
 * @param body the body's bytes, empty for none
 */
public record WebResponse(int status, Map<String, List<String>> headers, byte[] body) {

    /**
     * Copies everything and lower-cases header names.
     *
     * @param status a status code from 100 to 599
     * @param headers the headers
     * @param body the body
     * @throws InvalidValueException naming the component that is null or out of range
     */
    public WebResponse {
        if (status < 100 || status > 599) {
            throw new InvalidValueException("status", status, "must be an HTTP status code from 100 to 599");
        }
        if (headers == null || body == null) {
            throw new InvalidValueException(headers == null ? "headers" : "body", null, "is required");
        }
        Map<String, List<String>> h = new LinkedHashMap<>();
        headers.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        headers = Collections.unmodifiableMap(h);
        body = body.clone();
    }

    /**
     * The body's bytes.
     *
     * @return a copy
     */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /**
     * The body read as UTF-8, for tests and logs of non-personal responses.
     *
     * @return the text
     */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * The first value of a header.
     *
     * @param name the header's name, any case
     * @return the value, or empty
     */
    public Optional<String> header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WebResponse r && status == r.status && headers.equals(r.headers)
                && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * status + headers.hashCode()) + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "WebResponse[" + status + ", " + body.length + " bytes]";
    }

    /** Collects a response's headers; package use. */
    static final class Headers {
        private final Map<String, List<String>> values = new LinkedHashMap<>();

        Headers set(String name, String value) {
            values.put(name.toLowerCase(Locale.ROOT), new ArrayList<>(List.of(value)));
            return this;
        }

        Headers add(String name, String value) {
            values.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
            return this;
        }

        Map<String, List<String>> map() {
            return values;
        }
    }
}
