package dev.consent.rights;

import dev.consent.internal.Checks;

import java.util.Optional;

/**
 * What the policy promises for one type of request: the deadline, and what the subject is offered if the
 * request is refused (e.g. "we inform you by email of the result and the basis", a complaint to the authority).
 */
public record RightsTerm(RequestType type, DeadlineTerm deadline, Optional<String> refusalAlternative) {
    public RightsTerm {
        Checks.required("rights.type", type);
        Checks.required("rights.deadline", deadline);
        Checks.required("rights.refusalAlternative", refusalAlternative);
        refusalAlternative.ifPresent(a -> Checks.text("rights.refusalAlternative", a, 1000));
    }
}
