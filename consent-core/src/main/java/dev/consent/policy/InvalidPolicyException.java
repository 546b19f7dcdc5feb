package dev.consent.policy;

import dev.consent.ConsentException;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A policy was rejected. Carries every problem found, not only the first, up to
 * {@link PolicyLimits#MAX_PROBLEMS}.
 */
public final class InvalidPolicyException extends ConsentException {
    private static final long serialVersionUID = 1L;
    /** The last problem when more were found than are listed. */
    static final String MORE = "has more problems than the " + PolicyLimits.MAX_PROBLEMS + " listed before this one "
            + "(PolicyLimits.MAX_PROBLEMS); correct those and read the policy again";

    private final transient List<PolicyProblem> problems;

    /**
     * @param problems never empty; when there are more than {@link PolicyLimits#MAX_PROBLEMS}, the first ones are
     *     kept and a last problem at {@code $} says that more were found
     * @param source names the document in the message, e.g. its file; null for none
     */
    public InvalidPolicyException(String source, List<PolicyProblem> problems) {
        super(message(source, listed(problems)));
        this.problems = listed(problems);
    }

    private static String message(String source, List<PolicyProblem> listed) {
        return "invalid policy" + (source == null ? "" : " " + source) + " (" + count(listed) + "):\n  "
                + listed.stream().map(PolicyProblem::toString).collect(Collectors.joining("\n  "));
    }

    /** At most the limit, and the note that there are more when there are; the same list again for such a list. */
    private static List<PolicyProblem> listed(List<PolicyProblem> problems) {
        if (problems.size() <= PolicyLimits.MAX_PROBLEMS) {
            return List.copyOf(problems);
        }
        List<PolicyProblem> listed = new ArrayList<>(problems.subList(0, PolicyLimits.MAX_PROBLEMS));
        listed.add(new PolicyProblem("$", null, MORE));
        return List.copyOf(listed);
    }

    private static String count(List<PolicyProblem> listed) {
        if (listed.size() > PolicyLimits.MAX_PROBLEMS) {
            return "more than " + PolicyLimits.MAX_PROBLEMS + " problems";
        }
        return listed.size() + " problem" + (listed.size() == 1 ? "" : "s");
    }

    /**
     * Every problem, never empty: first what single fields hold (syntax, types, formats, unknown
     * fields), then the rules between fields (declared ids, basis and mechanism, parents). When more than
     * {@link PolicyLimits#MAX_PROBLEMS} were found, the first ones and a last problem at {@code $} saying so.
     *
     * @return the problems, unmodifiable; empty after this exception was deserialized, since problems are not
     *     serializable
     */
    public List<PolicyProblem> problems() {
        return problems;
    }
}
