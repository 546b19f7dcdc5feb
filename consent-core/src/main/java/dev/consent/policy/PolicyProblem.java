package dev.consent.policy;

/**
 * One thing wrong with a policy: where (a JSON path such as {@code $.purposes[2].legalBasis}), the
 * value found there, and the rule it breaks. Builder-made policies use the same paths, counting the
 * elements in the order they were added.
 *
 * @param value the value as it reads in the document (strings quoted), or {@code null} when there is
 *     none to show: the field is missing, or the text is not JSON at all
 */
public record PolicyProblem(String path, String value, String rule) {

    /** Reads as one line, e.g. {@code $.purposes[2].legalBasis: "CONSNET" is not one of CONSENT, ...}. */
    @Override
    public String toString() {
        return path + ": " + (value == null ? "" : value + " ") + rule;
    }
}
