package dev.consent.spring.boot;

import dev.consent.ConsentException;

/**
 * Start-up refused: the {@code consent.*} configuration lacks something the auto-configuration needs (the policy, the
 * reference key, a DataSource for the JDBC store) or names something it cannot use. Names the property, what is wrong
 * and what to do; {@link ConsentFailureAnalyzer} shows exactly that instead of a stack trace.
 */
public final class ConsentConfigurationException extends ConsentException {
    private static final long serialVersionUID = 1L;
    /** The property (or bean) at fault. */
    private final String property;
    /** What is wrong with it. */
    private final String problem;
    /** What to do about it. */
    private final String action;

    /**
     * @param property the property (or bean) at fault, e.g. {@code consent.retention.reference-key}
     * @param problem what is wrong with it
     * @param action what to do about it
     */
    public ConsentConfigurationException(String property, String problem, String action) {
        this(property, problem, action, null);
    }

    /**
     * As {@link #ConsentConfigurationException(String, String, String)}, with the failure that revealed it.
     *
     * @param property the property (or bean) at fault
     * @param problem what is wrong with it
     * @param action what to do about it
     * @param cause the failure that revealed it; may be null
     */
    public ConsentConfigurationException(String property, String problem, String action, Throwable cause) {
        super(property + ": " + problem + ". " + action, cause);
        this.property = property;
        this.problem = problem;
        this.action = action;
    }

    /**
     * The property (or bean) at fault.
     *
     * @return the property name, e.g. {@code consent.policy}
     */
    public String property() {
        return property;
    }

    /**
     * What is wrong with it.
     *
     * @return the problem, as shown to the operator
     */
    public String problem() {
        return problem;
    }

    /**
     * What to do about it.
     *
     * @return the remedy, as shown to the operator
     */
    public String action() {
        return action;
    }
}
