package dev.consent.web;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * An error answered as an RFC 9457 problem document ({@code application/problem+json}), with the field, the value
 * and the rule broken as extension members. The value is quoted only as far as {@link #MAX_VALUE} characters and
 * never for fields that carry identities (cookies, subject ids): a problem document may end up in a log.
 *
 * @param status the HTTP status
 * @param code the problem's short name, also the anchor of its section in {@code docs/web.md}
 * @param title the problem type's human-readable summary
 * @param field the request field at fault, or null
 * @param value the offending value as the client sent it, or null
 * @param rule the rule broken, as a sentence
 * @param headers extra response headers (such as {@code Retry-After})
 */
record Problem(int status, String code, String title, String field, String value, String rule,
        Map<String, String> headers) {
    /** The longest value quoted back. */
    static final int MAX_VALUE = 100;
    /** Where each problem type is documented; the code is the anchor. */
    static final String TYPE_BASE = "https://github.com/consent-dev/consent/blob/main/docs/web.md#problem-";

    Problem {
        headers = Map.copyOf(headers);
        if (value != null && value.length() > MAX_VALUE) {
            value = value.substring(0, MAX_VALUE) + "…";
        }
    }

    static Problem of(int status, String code, String title, String field, String value, String rule) {
        return new Problem(status, code, title, field, value, rule, Map.of());
    }

    static Problem badRequest(String field, String value, String rule) {
        return of(400, "invalid-request", "The request breaks a rule", field, value, rule);
    }

    ProblemException exception() {
        return new ProblemException(this);
    }

    WebResponse response() {
        ObjectNode doc = Json.object();
        doc.put("type", TYPE_BASE + code);
        doc.put("title", title);
        doc.put("status", status);
        doc.put("detail", (field == null ? "" : field + ": ") + rule);
        if (field != null) {
            doc.put("field", field);
        }
        if (value != null) {
            doc.put("value", value);
        }
        doc.put("rule", rule);
        WebResponse.Headers h = new WebResponse.Headers().set("Content-Type", "application/problem+json")
                .set("Cache-Control", "no-store").set("X-Content-Type-Options", "nosniff");
        headers.forEach(h::set);
        return new WebResponse(status, h.map(), Json.bytes(doc));
    }

    /** A problem thrown out of an endpoint to the handler, which answers it. */
    static final class ProblemException extends RuntimeException {
        private final transient Problem problem;

        ProblemException(Problem problem) {
            super(problem.code() + ": " + problem.rule(), null, false, false);
            this.problem = problem;
        }

        Problem problem() {
            return problem;
        }
    }
}
