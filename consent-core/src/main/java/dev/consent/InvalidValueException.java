package dev.consent;

import dev.consent.internal.MessageValues;

/**
 * A value given to the library breaks a rule: an id with a control character, a negative period,
 * a string too long for the ledger. The message names the field, the value and the rule; the value is shown in
 * full (quoted, shortened when long) only when it cannot be personal data (numbers, instants, the policy's
 * vocabulary, configuration), and otherwise redacted to its length and a tag that no list of emails can be
 * matched against, e.g. {@code subject: <redacted: 201 chars, #3fa9c2d1> must be at most 200 characters}.
 */
public final class InvalidValueException extends ConsentException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String value;
    private final String rule;

    public InvalidValueException(String field, Object value, String rule) {
        super(field + ": " + MessageValues.inMessage(field, value) + " " + rule);
        this.field = field;
        this.value = value == null ? null : String.valueOf(value);
        this.rule = rule;
    }

    /** The name of the field, e.g. {@code subject} or {@code evidence.userAgent}. */
    public String field() {
        return field;
    }

    /**
     * The offending value as given, or {@code null} when the value was missing. It may be personal data (a subject
     * id, an email, an IP address), which is why the message may not show it: do not log it.
     */
    public String value() {
        return value;
    }

    /** The rule the value breaks, phrased as what was expected. */
    public String rule() {
        return rule;
    }
}
