package dev.consent;

/**
 * A use of a subject's data was checked and refused: the {@link #decision()} does not allow processing, so the
 * processing log wrote nothing and the host must not go ahead (GDPR Art. 6(1): no processing without a legal basis;
 * Art. 7(3): a withdrawal stops processing from the moment it was made). The message carries the decision's
 * explanation (purpose, reason, basis, policy version), never the subject id.
 */
public final class ProcessingRefusedException extends ConsentException {
    private static final long serialVersionUID = 1L;

    private final transient Decision decision;

    /**
     * @param decision the decision that does not allow processing
     */
    public ProcessingRefusedException(Decision decision) {
        super("processing refused, nothing was logged: " + decision.explain());
        this.decision = decision;
    }

    /**
     * The decision that refused the use: its reason, basis, policy version and the event it rests on.
     *
     * @return the decision; null after this exception was deserialized, since a decision is not serializable
     */
    public Decision decision() {
        return decision;
    }

    /**
     * Why the use was refused, e.g. {@link Reason#WITHDRAWN}.
     *
     * @return the decision's reason
     */
    public Reason reason() {
        return decision.reason();
    }
}
