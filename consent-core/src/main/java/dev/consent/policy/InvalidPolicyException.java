package dev.consent.policy;

import dev.consent.ConsentException;

import java.util.List;
import java.util.stream.Collectors;

/** A policy was rejected. Carries every problem found, not only the first. */
public final class InvalidPolicyException extends ConsentException {
    private static final long serialVersionUID = 1L;

    private final transient List<PolicyProblem> problems;

    public InvalidPolicyException(String source, List<PolicyProblem> problems) {
        super("invalid policy" + (source == null ? "" : " " + source) + " (" + problems.size() + " problem"
                + (problems.size() == 1 ? "" : "s") + "):\n  "
                + problems.stream().map(PolicyProblem::toString).collect(Collectors.joining("\n  ")));
        this.problems = List.copyOf(problems);
    }

    /**
     * Every problem, never empty: first what single fields hold (syntax, types, formats, unknown
     * fields), then the rules between fields (declared ids, basis and mechanism, parents).
     */
    public List<PolicyProblem> problems() {
        return problems;
    }
}
