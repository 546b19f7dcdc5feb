package dev.consent.rights;

import dev.consent.internal.Checks;

import java.util.Optional;

/**
 * What the policy promises for one type of request: the deadline, and what the subject is offered if the
 * request is refused (e.g. "we inform you by email of the result and the basis", a complaint to the authority).
 */
public record RightsTerm(RequestType type, DeadlineTerm deadline, Optional<String> refusalAlternative) {
    /**
     * Checks that every part is present (no alternative is an empty optional).
     *
     * @param type the type of request the term is for
     * @param deadline how long the shop has to answer
     * @param refusalAlternative what a refused subject is offered, at most 1000 characters
     * @throws dev.consent.InvalidValueException (field {@code rights.<name>}) naming the field that breaks its rule
     */
    public RightsTerm {
        Checks.required("rights.type", type);
        Checks.required("rights.deadline", deadline);
        Checks.required("rights.refusalAlternative", refusalAlternative);
        refusalAlternative.ifPresent(a -> Checks.text("rights.refusalAlternative", a, 1000));
    }
}
