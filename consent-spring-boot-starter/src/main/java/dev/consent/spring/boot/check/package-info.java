/**
 * Declarative consent checks: {@link dev.consent.spring.boot.check.RequiresConsent} on a service method, with the
 * subject in the parameter marked {@link dev.consent.spring.boot.check.ConsentSubject}, refuses the call with
 * {@link dev.consent.spring.boot.check.ConsentRequiredException} unless the subject's decision allows the purpose.
 */
package dev.consent.spring.boot.check;
