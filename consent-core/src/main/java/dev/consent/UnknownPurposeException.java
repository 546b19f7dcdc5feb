package dev.consent;

import dev.consent.internal.MessageValues;

/**
 * A purpose id that the policy in force does not declare. Never answered with "allowed": processing
 * for a purpose nobody declared has no legal basis (GDPR Art. 5(1)(b), purpose limitation).
 */
public final class UnknownPurposeException extends ConsentException {
    private static final long serialVersionUID = 1L;

    /**
     * The purpose id that was asked for.
     */
    private final String purpose;

    /**
     * @param purpose the purpose id asked for; redacted in the message unless it is safe to show
     * @param policyId the policy's id
     * @param policyVersion the version in force, which does not declare it
     */
    public UnknownPurposeException(String purpose, String policyId, String policyVersion) {
        super("purpose: " + MessageValues.inMessage("purpose", purpose) + " is not declared by policy " + policyId + " version "
                + policyVersion);
        this.purpose = purpose;
    }

    /**
     * The purpose id that was asked for.
     *
     * @return the id as given
     */
    public String purpose() {
        return purpose;
    }
}
