package dev.consent.recipients;

/**
 * What a recipient is told of. Each action is a duty of the controller towards the recipients the policy names
 * (seed 001_f688c41ce3130c59.txt, section 4.2, "Third-Party Service Providers": payment processor, analytics service,
 * cloud storage provider, customer support tools).
 */
public enum NoticeAction {
    /**
     * Consent for a purpose was withdrawn (GDPR Art. 7(3)): the recipient stops processing for it. Told so that a
     * processor stops on the controller's instruction (Art. 28(3)(a)) and a third party stops what rested on it.
     */
    WITHDRAWAL,
    /** Processing is restricted (GDPR Art. 18), communicated to each recipient under Art. 19. */
    RESTRICTION,
    /**
     * The data were erased (GDPR Art. 17(1)), communicated to each recipient under Art. 19; a recipient that is a
     * controller in its own right is told that the subject asked for erasure (Art. 17(2)).
     */
    ERASURE,
    /** The data were corrected (GDPR Art. 16), communicated to each recipient under Art. 19. */
    RECTIFICATION
}
