package dev.consent.retention;

/** What happens to data when its retention ends. */
public enum DisposalAction {
    /** Erase it. */
    DELETE,
    /** Remove what identifies the subject, keeping the rest (e.g. order totals for statistics). */
    ANONYMIZE,
    /** Put it before a person who decides; nothing is erased automatically. */
    REVIEW
}
