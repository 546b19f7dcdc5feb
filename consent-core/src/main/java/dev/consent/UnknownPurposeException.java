package dev.consent;

import dev.consent.internal.MessageValues;

/**
 * A purpose id that the policy in force does not declare. Never answered with "allowed": processing
 * for a purpose nobody declared has no legal basis (GDPR Art. 5(1)(b), purpose limitation).
 */
public final class UnknownPurposeException extends ConsentException {
    private static final long serialVersionUID = 1L;

    private final String purpose;

    public UnknownPurposeException(String purpose, String policyId, String policyVersion) {
        super("purpose: " + MessageValues.inMessage("purpose", purpose) + " is not declared by policy " + policyId + " version "
                + policyVersion);
        this.purpose = purpose;
    }

    /** The purpose id that was asked for. */
    public String purpose() {
        return purpose;
    }
}
