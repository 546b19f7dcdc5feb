package dev.consent.web;

import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;

import java.net.URLDecoder;
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
 * One HTTP request as {@link ConsentWebHandler} reads it, whatever server received it. Immutable: the maps and lists
 * are unmodifiable copies and the body is copied in and out.
 *
 * @param method the HTTP method, upper case ({@code GET}, {@code POST})
 * @param path the decoded path, from the first {@code /}, without the query
 * @param query the query parameters by name, each with its values in order
 * @param headers the headers by lower-case name, each with its values in order; {@code Cookie} included
 * @param cookies the cookies by name, each with its values in the order sent (a client may send one name twice)
 * @param body the body's bytes, empty for none
 * @param remoteAddress the client's address as the server saw it (recorded minimised, as the consent service's
 *     {@link dev.consent.ledger.IpMinimizer} does), empty when unknown
 * @param customer the customer the host's authentication established for this request (through its
 *     {@link CustomerResolver}), never read from what the client sent; empty for an anonymous visitor
 */
public record WebRequest(String method, String path, Map<String, List<String>> query, Map<String, List<String>> headers,
        Map<String, List<String>> cookies, byte[] body, Optional<String> remoteAddress, Optional<SubjectId> customer) {

    /**
     * Copies everything and lower-cases header names.
     *
     * @param method the HTTP method
     * @param path the decoded path
     * @param query the query parameters
     * @param headers the headers
     * @param cookies the cookies
     * @param body the body
     * @param remoteAddress the client's address, if known
     * @param customer the authenticated customer, if any
     * @throws InvalidValueException naming the component that is null, or {@code customer} when it is a visitor's
     *     subject id (a customer is never in the visitor namespace)
     */
    public WebRequest {
        method = required("method", method).toUpperCase(Locale.ROOT);
        required("path", path);
        query = copy("query", query, false);
        headers = copy("headers", headers, true);
        cookies = copy("cookies", cookies, false);
        body = required("body", body).clone();
        required("remoteAddress", remoteAddress);
        required("customer", customer);
        if (customer.isPresent() && customer.get().isVisitor()) {
            throw new InvalidValueException("customer", "visitor:…", "must be a customer, never a visitor's subject id");
        }
    }

    /**
     * A builder for a request with this method and path.
     *
     * @param method the HTTP method
     * @param path the decoded path
     * @return the builder, with no query, headers, cookies, body, address or customer
     */
    public static Builder builder(String method, String path) {
        return new Builder(method, path);
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
     * The body's length, without copying it.
     *
     * @return the number of bytes
     */
    public int bodyLength() {
        return body.length;
    }

    /**
     * The first value of a header.
     *
     * @param name the header's name, any case
     * @return the first value, or empty when absent
     */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /**
     * The values of a header.
     *
     * @param name the header's name, any case
     * @return the values in order, empty when absent
     */
    public List<String> headerValues(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /**
     * The first value of a query parameter.
     *
     * @param name the parameter's name
     * @return the first value, or empty when absent
     */
    public Optional<String> queryParameter(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /**
     * The values of a query parameter.
     *
     * @param name the parameter's name
     * @return the values in order, empty when absent
     */
    public List<String> queryValues(String name) {
        return query.getOrDefault(name, List.of());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WebRequest r && method.equals(r.method) && path.equals(r.path) && query.equals(r.query)
                && headers.equals(r.headers) && cookies.equals(r.cookies) && Arrays.equals(body, r.body)
                && remoteAddress.equals(r.remoteAddress) && customer.equals(r.customer);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hash(method, path, query, headers, cookies, remoteAddress, customer)
                + Arrays.hashCode(body);
    }

    /**
     * The method and path only: a request's query, headers, cookies and body may hold personal data.
     *
     * @return e.g. {@code WebRequest[POST /consent/v1/choices, 120 bytes]}
     */
    @Override
    public String toString() {
        return "WebRequest[" + method + " " + path + ", " + body.length + " bytes]";
    }

    private static <T> T required(String field, T value) {
        if (value == null) {
            throw new InvalidValueException(field, null, "is required");
        }
        return value;
    }

    private static Map<String, List<String>> copy(String field, Map<String, List<String>> map, boolean lowerCase) {
        required(field, map);
        Map<String, List<String>> out = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            String key = lowerCase ? required(field + " name", k).toLowerCase(Locale.ROOT) : required(field + " name", k);
            for (String value : required(field + "." + key, v)) {
                out.computeIfAbsent(key, x -> new ArrayList<>()).add(required(field + "." + key, value));
            }
        });
        out.replaceAll((k, v) -> List.copyOf(v));
        return Collections.unmodifiableMap(out);
    }

    /** Builds a request piece by piece; what adapters use. Not thread-safe. */
    public static final class Builder {
        private final String method;
        private final String path;
        private final Map<String, List<String>> query = new LinkedHashMap<>();
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private final Map<String, List<String>> cookies = new LinkedHashMap<>();
        private byte[] body = new byte[0];
        private Optional<String> remoteAddress = Optional.empty();
        private Optional<SubjectId> customer = Optional.empty();

        private Builder(String method, String path) {
            this.method = method;
            this.path = path;
        }

        /**
         * Adds the parameters of a raw (still percent-encoded) query string, such as {@code locale=de&x=1}.
         *
         * @param rawQuery the query without the {@code ?}, or null for none
         * @return this builder
         */
        public Builder rawQuery(String rawQuery) {
            if (rawQuery == null || rawQuery.isEmpty()) {
                return this;
            }
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                queryParameter(name, value);
            }
            return this;
        }

        private static String decode(String s) {
            try {
                return URLDecoder.decode(s, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException malformed) {
                return s; // kept verbatim: an endpoint that reads it refuses it as a malformed value
            }
        }

        /**
         * Adds one value of a query parameter.
         *
         * @param name the parameter's name
         * @param value its value
         * @return this builder
         */
        public Builder queryParameter(String name, String value) {
            query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            return this;
        }

        /**
         * Adds one header value; a {@code Cookie} header's cookies are also added as {@link #cookie cookies}.
         *
         * @param name the header's name, any case
         * @param value its value
         * @return this builder
         */
        public Builder header(String name, String value) {
            String key = name.toLowerCase(Locale.ROOT);
            headers.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            if (key.equals("cookie")) {
                for (String part : value.split(";")) {
                    int eq = part.indexOf('=');
                    if (eq > 0) {
                        cookie(part.substring(0, eq).strip(), unquote(part.substring(eq + 1).strip()));
                    }
                }
            }
            return this;
        }

        private static String unquote(String v) {
            return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
        }

        /**
         * Adds one cookie, for servers that parse the {@code Cookie} header themselves (then do not also add that
         * header through {@link #header}).
         *
         * @param name the cookie's name
         * @param value its value
         * @return this builder
         */
        public Builder cookie(String name, String value) {
            cookies.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            return this;
        }

        /**
         * The body.
         *
         * @param bytes the body's bytes (copied)
         * @return this builder
         */
        public Builder body(byte[] bytes) {
            this.body = bytes.clone();
            return this;
        }

        /**
         * The client's address as the server saw it.
         *
         * @param address the address, or null when unknown
         * @return this builder
         */
        public Builder remoteAddress(String address) {
            this.remoteAddress = Optional.ofNullable(address);
            return this;
        }

        /**
         * The customer the host's authentication established; never a value the client sent.
         *
         * @param customer the customer, or empty for an anonymous request
         * @return this builder
         */
        public Builder customer(Optional<SubjectId> customer) {
            this.customer = customer;
            return this;
        }

        /**
         * The request.
         *
         * @return the request
         * @throws InvalidValueException as {@link WebRequest#WebRequest the constructor}
         */
        public WebRequest build() {
            return new WebRequest(method, path, query, headers, cookies, body, remoteAddress, customer);
        }
    }
}
