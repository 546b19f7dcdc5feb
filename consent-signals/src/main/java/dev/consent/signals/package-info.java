/**
 * Industry consent signals: IAB TCF v2.2/v2.3 TC strings and IAB GPP strings in, recorded as ordinary consent events
 * through a policy's {@link dev.consent.policy.SignalMappings}; Google Consent Mode v2 signals out, for the page and
 * for server-side uploads. Decoding is IAB Tech Lab's {@code com.iabgpp:iabgpp-encoder}. See {@code docs/signals.md}.
 */
package dev.consent.signals;
