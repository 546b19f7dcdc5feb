package dev.consent.web;

import dev.consent.policy.Mechanism;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;

import java.util.List;

/**
 * The purposes a subject can decide in the banner and preference centre: every purpose of the policy in force
 * whose mechanism offers a choice (opt-in or opt-out; a notice-only purpose has nothing to decide), in the policy's
 * order. Both the listing and the recording of choices ask this one place, so what can be recorded is exactly what
 * is offered.
 *
 * <p>The one place where the subject's jurisdiction will narrow or change this: when the policy declares per region
 * each purpose's mechanism and whether Global Privacy Control binds, the jurisdiction resolved for the request is
 * applied here (unknown meaning the strictest rule declared), and both endpoints follow.
 */
final class DecidablePurposes {
    private DecidablePurposes() {
    }

    static List<Purpose> of(Policy policy, WebRequest request) {
        return policy.purposes().stream().filter(p -> p.mechanism() != Mechanism.NOTICE_ONLY).toList();
    }
}
