package dev.consent.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;

import java.util.Optional;

/**
 * One request on its way through the handler: the request, whose it is, and the headers every answer to it carries
 * (a fresh visitor cookie).
 */
final class Exchange {
    final WebRequest request;
    private final Visitors visitors;
    private final WebResponse.Headers headers = new WebResponse.Headers();
    private Optional<VisitorId> visitor;
    private boolean issued;

    Exchange(WebRequest request, Visitors visitors) {
        this.request = request;
        this.visitors = visitors;
        this.visitor = visitors.read(request);
    }

    /** The visitor the cookie names, if it names one (never issues one). */
    Optional<VisitorId> cookieVisitor() {
        return issued ? Optional.empty() : visitor;
    }

    /**
     * Whose choices this request reads and records: the authenticated customer, else the visitor, issued now (and
     * set as a cookie in the answer) when the request carries no well-formed visitor id.
     */
    SubjectId subject() {
        if (request.customer().isPresent()) {
            return request.customer().get();
        }
        if (visitor.isEmpty()) {
            visitor = Optional.of(visitors.issue());
            issued = true;
            headers.add("Set-Cookie", visitors.setCookie(visitor.get()));
        }
        return visitor.get().subject();
    }

    /** The key this request's rate limit is counted under. */
    String rateKey() {
        if (request.customer().isPresent()) {
            return "customer:" + request.customer().get().value();
        }
        if (visitor.isPresent()) {
            return "visitor:" + visitor.get().value();
        }
        return "address:" + request.remoteAddress().orElse("unknown");
    }

    WebResponse json(int status, JsonNode body) {
        headers.set("Content-Type", "application/json").set("Cache-Control", "no-store")
                .set("X-Content-Type-Options", "nosniff");
        return new WebResponse(status, headers.map(), Json.bytes(body));
    }

    WebResponse respond(int status, String contentType, byte[] body) {
        headers.set("Content-Type", contentType).set("X-Content-Type-Options", "nosniff");
        return new WebResponse(status, headers.map(), body);
    }

    WebResponse.Headers headers() {
        return headers;
    }
}
