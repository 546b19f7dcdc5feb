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

    /**
     * The name of the field whose value breaks the rule.
     */
    private final String field;
    /**
     * The offending value as a string; null when it was missing.
     */
    private final String value;
    /**
     * The rule broken, phrased as what was expected.
     */
    private final String rule;

    /**
     * @param field the field's name, shown in the message
     * @param value the value given, or null when it was missing; shown only when it cannot be personal data
     * @param rule what was expected, e.g. {@code must be at most 200 characters}
     */
    public InvalidValueException(String field, Object value, String rule) {
        super(field + ": " + MessageValues.inMessage(field, value) + " " + rule);
        this.field = field;
        this.value = value == null ? null : String.valueOf(value);
        this.rule = rule;
    }

    /**
     * The name of the field, e.g. {@code subject} or {@code evidence.userAgent}.
     *
     * @return the field's name, as in the message
     */
    public String field() {
        return field;
    }

    /**
     * The offending value as given, or {@code null} when the value was missing. It may be personal data (a subject
     * id, an email, an IP address), which is why the message may not show it: do not log it.
     *
     * @return the value as a string, or null
     */
    public String value() {
        return value;
    }

    /**
     * The rule the value breaks, phrased as what was expected.
     *
     * @return the rule, as in the message
     */
    public String rule() {
        return rule;
    }
}
