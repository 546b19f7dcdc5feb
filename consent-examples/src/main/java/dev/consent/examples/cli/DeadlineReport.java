package dev.consent.examples.cli;

import dev.consent.InvalidValueException;
import dev.consent.policy.Policy;
import dev.consent.rights.Deadline;
import dev.consent.rights.DeadlineTerm;
import dev.consent.rights.Deadlines;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsService;
import dev.consent.rights.RightsTerm;

import java.io.PrintStream;
import java.time.LocalDate;
import java.util.Optional;

/**
 * {@code deadline}: when a request received (and verified) on given dates must be answered under a policy, and how
 * that date was derived. Computed as {@link RightsService} computes it (same term, calendar, rules and rule text),
 * without a store: the operator asks "if a request came in on this day, when would it be due?".
 */
final class DeadlineReport {
    private final Policy policy;
    private final RequestType type;
    private final DeadlineTerm term;
    private final boolean policyTerm;
    private final LocalDate received;
    private final Optional<LocalDate> verified;
    private final Deadline original;
    private final Optional<Deadline> extended;
    private final Optional<Deadline> acknowledge;

    DeadlineReport(Policy policy, RequestType type, LocalDate received, Optional<LocalDate> verified,
            boolean extend) {
        this.policy = policy;
        this.type = type;
        Optional<DeadlineTerm> stated = policy.rightsTerm(type).map(RightsTerm::deadline);
        this.policyTerm = stated.isPresent();
        this.term = stated.orElse(RightsService.GDPR_DEFAULT);
        this.received = received;
        this.verified = verified;
        if (verified.isPresent() && verified.get().isBefore(received)) {
            throw CliException.usage("--verified " + verified.get() + " is before --received " + received
                    + ": identity is verified after the request is received");
        }
        LocalDate start;
        if (term.start() == DeadlineTerm.Start.IDENTITY_VERIFIED) {
            start = verified.orElseThrow(() -> CliException.usage(type + " under policy " + policy.id() + " "
                    + policy.version() + " is counted from identity verification: give --verified <ISO date>"));
        } else {
            start = received;
        }
        String rule = type + ": " + term;
        this.original = Deadlines.after(start, term.amount(), term.unit(), policy.calendar(), rule);
        this.acknowledge = term.acknowledgeWithin().map(a -> Deadlines.after(received, a.amount(), a.unit(),
                policy.calendar(), "acknowledge " + type + " within " + a.amount() + " " + unit(a.unit())));
        if (extend) {
            DeadlineTerm.Extension ext = term.extension().orElseThrow(() -> CliException.invalid(
                    type + " has no extendable deadline under policy " + policy.id() + " " + policy.version()
                            + " (" + term + ")"));
            // as RightsService.extend: one period from the same start, moved to a working day only at its end
            try {
                this.extended = Optional.of(Deadlines.extended(start, term, policy.calendar(),
                        rule + (ext.toTotal() ? ", extended to " : ", extended by ") + ext.amount() + " "
                                + unit(ext.unit())));
            } catch (InvalidValueException e) {
                throw CliException.invalid(e.getMessage()); // a policy whose extension ends before its term
            }
        } else {
            this.extended = Optional.empty();
        }
    }

    /** The deadline that applies: the extended one when asked for, else the original. */
    Deadline deadline() {
        return extended.orElse(original);
    }

    Deadline original() {
        return original;
    }

    private static String unit(DeadlineTerm.Unit u) {
        return switch (u) {
            case BUSINESS_DAYS -> "business days";
            case CALENDAR_DAYS -> "calendar days";
            case MONTHS -> "months";
        };
    }

    void print(PrintStream out) {
        out.println(type + " under policy " + policy.id() + " " + policy.version() + " (time zone "
                + policy.zone().getId() + ")");
        out.println("term: " + term + (policyTerm ? "" : " (GDPR Art. 12(3); the policy states no term for " + type + ")"));
        out.println("received: " + received + verified.map(v -> ", identity verified: " + v).orElse(""));
        acknowledge.ifPresent(a -> out.println("acknowledge: " + a.explain()));
        if (extended.isPresent()) {
            out.println("original: " + original.explain());
            out.println("extended: " + extended.get().explain());
            out.println("the subject must be told of the extension, with the reasons, before " + original.dueBefore());
        } else {
            out.println("deadline: " + original.explain());
            term.extension().ifPresent(e -> out.println("extension: " + e + " (add --extended to compute it)"));
        }
        out.println("due before: " + deadline().dueBefore());
    }
}
