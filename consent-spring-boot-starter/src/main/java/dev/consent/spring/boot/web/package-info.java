/**
 * Web integration: a servlet filter that applies Global Privacy Control ({@code Sec-GPC: 1}) for the request's
 * subject once per change, with the subject found by a pluggable
 * {@link dev.consent.spring.boot.web.ConsentSubjectResolver}.
 */
package dev.consent.spring.boot.web;
