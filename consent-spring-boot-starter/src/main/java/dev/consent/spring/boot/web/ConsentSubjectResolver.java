package dev.consent.spring.boot.web;

import dev.consent.ledger.SubjectId;
import jakarta.servlet.http.HttpServletRequest;

import java.util.Optional;

/**
 * Whose request this is: the data subject the {@link ConsentGpcFilter} applies a Global Privacy Control signal for.
 * The auto-configured one is {@link PrincipalOrVisitorSubjectResolver}; an application whose customer ids are not the
 * principal's name (or that keeps visitors elsewhere) defines its own bean of this type.
 *
 * <p>Contract: return empty when the request has no subject the application can vouch for; never throw for what the
 * client sent. A value the client controls (a cookie, a parameter, a header) must only ever name a visitor
 * ({@link dev.consent.ledger.VisitorId#subject()}), never a customer: otherwise a client could record choices in
 * another customer's ledger.
 */
@FunctionalInterface
public interface ConsentSubjectResolver {

    /**
     * The subject of {@code request}, or empty when there is none.
     *
     * @param request the current request, after the application's security and forwarded-header filters
     * @return the subject, or empty
     */
    Optional<SubjectId> resolve(HttpServletRequest request);
}
