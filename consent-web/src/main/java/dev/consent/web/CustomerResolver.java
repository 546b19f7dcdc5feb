package dev.consent.web;

import dev.consent.ledger.SubjectId;

import java.util.Optional;

/**
 * Who the host's authentication says a request comes from, as a customer's subject id: what an adapter puts in
 * {@link WebRequest#customer()}. Supplied by the host, over its server's own request type ({@code R}), e.g. the
 * session's logged-in customer.
 *
 * <p>Contract: answer empty for an anonymous request; never take the id from what the client sent (a body, a
 * parameter, a header, a cookie), or a client could read and record choices in another customer's name; never
 * answer an id in the visitor namespace ({@code visitor:...}); never throw for what the client sent.
 *
 * @param <R> the server's request type
 */
@FunctionalInterface
public interface CustomerResolver<R> {
    /**
     * The customer the request was authenticated as.
     *
     * @param request the server's request
     * @return the customer's subject id, or empty for an anonymous request
     */
    Optional<SubjectId> customer(R request);

    /**
     * The resolver for a site without logins: every request is anonymous.
     *
     * @param <R> the server's request type
     * @return the resolver
     */
    static <R> CustomerResolver<R> anonymous() {
        return request -> Optional.empty();
    }
}
