package dev.consent.signals;

import dev.consent.ConsentException;

/**
 * A TC string or GPP string was refused: it is malformed or truncated, or it breaks a rule of its specification or of
 * the policy's mapping. The message and {@link #field()} name the field by its name in the specification (e.g.
 * {@code TcfPolicyVersion}, {@code PurposesLITransparency[4]}, {@code usnat.SaleOptOut}); the string itself is never
 * quoted whole. Nothing has been recorded when this is thrown.
 */
public final class InvalidSignalException extends ConsentException {
    private static final long serialVersionUID = 1L;

    /** The field of the string, as its specification names it. */
    private final String field;
    /** The rule the field breaks. */
    private final String rule;

    /**
     * A refusal naming the field and the rule; the message is {@code field: rule}.
     *
     * @param field the field of the string, as its specification names it
     * @param rule the rule it breaks, without quoting the string
     */
    public InvalidSignalException(String field, String rule) {
        super(field + ": " + rule);
        this.field = field;
        this.rule = rule;
    }

    InvalidSignalException(String field, String rule, Throwable cause) {
        super(field + ": " + rule, cause);
        this.field = field;
        this.rule = rule;
    }

    /**
     * The field of the string.
     *
     * @return the field, named as its specification names it
     */
    public String field() {
        return field;
    }

    /**
     * The rule the field breaks.
     *
     * @return the rule, in words
     */
    public String rule() {
        return rule;
    }
}
