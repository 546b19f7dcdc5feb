/**
 * Data-subject rights (GDPR Art. 15-22, CCPA): {@link dev.consent.rights.RightsService} takes requests through a
 * checked lifecycle (received, identity verified, extended with notice, completed or refused with a reason), with
 * deadlines computed on a {@link dev.consent.rights.BusinessCalendar} as the law counts them (GDPR Art. 12(3) with
 * Regulation 1182/71, CCPA's 45 days, the policy's business-day terms), each able to show how it was derived.
 * Erasure, restriction, objection and withdrawal are carried out through the consent and retention services;
 * {@link dev.consent.rights.SubjectExport} writes access and portability exports as one streamed JSON document
 * (described in {@code docs/export-format.md}).
 */
package dev.consent.rights;
