package dev.consent.spring.boot.check;

import dev.consent.ConsentException;
import dev.consent.Reason;
import dev.consent.policy.PurposeId;

/**
 * A {@link RequiresConsent} method was called for a subject that may not be processed for its purpose now, so its
 * body did not run. Carries the purpose and the {@link Reason} (e.g. {@link Reason#WITHDRAWN}, {@link Reason#NO_RECORD},
 * {@link Reason#GPC_OPT_OUT}), never the subject: the message and the fields are safe to log and to map to a
 * response (typically 403, or skipping the subject in a batch).
 */
public final class ConsentRequiredException extends ConsentException {
    private static final long serialVersionUID = 1L;

    /** The purpose the method requires. */
    private final PurposeId purpose;
    /** Why processing is not allowed. */
    private final Reason reason;

    /**
     * @param purpose the purpose the method requires
     * @param reason why the subject may not be processed for it
     * @param method the refusing method, as {@code Type.name}
     */
    public ConsentRequiredException(PurposeId purpose, Reason reason, String method) {
        super("consent required: " + method + " processes data for purpose " + purpose + ", which is not allowed ("
                + reason + ")");
        this.purpose = purpose;
        this.reason = reason;
    }

    /**
     * The purpose the method requires.
     *
     * @return the purpose's id
     */
    public PurposeId purpose() {
        return purpose;
    }

    /**
     * Why processing is not allowed; never a reason that {@link Reason#allows() allows}.
     *
     * @return the reason for the refusal
     */
    public Reason reason() {
        return reason;
    }
}
