package dev.consent.spring.boot.check;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the parameter of a {@link RequiresConsent} method that names the data subject. Its type is one of
 * {@link dev.consent.ledger.SubjectId}, {@link dev.consent.ledger.VisitorId} (checked under its visitor subject id),
 * {@link String}, {@link java.util.UUID}, {@code long}, {@code int} or their wrappers (as the subject id's text). The
 * value is the application's own, never a client's: a subject id taken from a request parameter lets the client name
 * any customer.
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ConsentSubject {
}
