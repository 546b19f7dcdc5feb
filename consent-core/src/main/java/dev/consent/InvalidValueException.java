package dev.consent;

/**
 * A value given to the library breaks a rule: an id with a control character, a negative period,
 * a string too long for the ledger. Names the field, the value (shortened when long) and the rule.
 */
public final class InvalidValueException extends ConsentException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String value;
    private final String rule;

    public InvalidValueException(String field, Object value, String rule) {
        super(field + ": " + Values.quote(value) + " " + rule);
        this.field = field;
        this.value = value == null ? null : String.valueOf(value);
        this.rule = rule;
    }

    /** The name of the field, e.g. {@code subject} or {@code evidence.userAgent}. */
    public String field() {
        return field;
    }

    /** The offending value as given, or {@code null} when the value was missing. */
    public String value() {
        return value;
    }

    /** The rule the value breaks, phrased as what was expected. */
    public String rule() {
        return rule;
    }
}
