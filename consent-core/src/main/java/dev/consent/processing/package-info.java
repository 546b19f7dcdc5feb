/**
 * The processing log: uses of subjects' data, each checked against the subject's consents and the policy and logged
 * only when allowed ({@link dev.consent.processing.ProcessingLog}), one at a time or for a whole campaign;
 * pseudonymised on erasure with counts and dates kept; kept for the log category's own retention period. GDPR Art.
 * 30 and 5(2); seed 002 ("all internal data usage activities are systematically logged").
 */
package dev.consent.processing;
