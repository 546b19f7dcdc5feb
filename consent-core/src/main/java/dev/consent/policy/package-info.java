/**
 * Privacy policy as code: a versioned, effective-dated {@link dev.consent.policy.Policy} of purposes on the six
 * legal bases of GDPR Art. 6(1), data categories, recipients, retention rules, rights terms and a business
 * calendar, built in Java or read from JSON by {@link dev.consent.policy.PolicyJson}.
 *
 * <p>A policy is validated whole when it is built or read: {@link dev.consent.policy.InvalidPolicyException} lists
 * every problem with its JSON path, the value found and the rule broken. A built policy is immutable and
 * thread-safe. The JSON format is described in {@code docs/policy-format.md}.
 */
package dev.consent.policy;
