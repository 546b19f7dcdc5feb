package dev.consent.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.consent.ConsentService;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;

/**
 * {@code POST /link}: after a login, links the visitor of the visitor cookie to the customer the host's
 * authentication resolved ({@link WebRequest#customer()}), so that the choices made before logging in count for the
 * customer, the most recent explicit choice winning ({@link ConsentService#link}). The customer never comes from the
 * request: a body naming anything is refused, so that a client cannot be mistaken into believing it chose.
 */
final class LinkEndpoint {
    private final ConsentService consents;

    LinkEndpoint(ConsentService consents) {
        this.consents = consents;
    }

    WebResponse handle(Exchange x) {
        ObjectNode body = Json.readObject(x.request.body());
        if (!body.isEmpty()) {
            String member = body.fieldNames().next();
            throw Problem.badRequest(member, null, "is not read: the customer is the one logged in, and the visitor is"
                    + " the cookie's; send {}").exception();
        }
        SubjectId customer = x.request.customer().orElseThrow(() -> Problem.of(401, "not-logged-in",
                "No customer is logged in", null, null, "log in first: the visitor is linked to the customer the"
                        + " login established").exception());
        VisitorId visitor = x.cookieVisitor().orElseThrow(() -> Problem.badRequest("cookie", null, "must carry one"
                + " well-formed visitor id: there is no visitor to link").exception());
        consents.link(visitor, customer);
        ObjectNode doc = Json.object();
        doc.put("linked", true);
        return x.json(200, doc);
    }
}
