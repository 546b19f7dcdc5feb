package dev.consent.policy;

/**
 * One thing wrong with a policy: where (a JSON path such as {@code $.purposes[2].legalBasis}), the
 * value found there, and the rule it breaks. Builder-made policies use the same paths, counting the
 * elements in the order they were added.
 */
public record PolicyProblem(String path, String value, String rule) {

    @Override
    public String toString() {
        return path + ": " + (value == null ? "missing" : value) + " " + rule;
    }
}
