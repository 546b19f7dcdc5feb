package dev.consent.rights;

import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Jurisdiction;
import dev.consent.policy.JurisdictionId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The deadlines of {@link RightsService}'s requests: each request is held to the terms and the business calendar of
 * the policy version in force when it was received (GDPR Art. 12(3) counts the deadline "from receipt of the
 * request", so the promise in force at receipt is the one the subject was made), with the host's holidays.
 *
 * <p>Where that policy declares jurisdictions ({@code docs/jurisdictions.md}), the term is the one of the subject's
 * jurisdiction at receipt (GDPR Art. 12(3): one month, extendable by two; Cal. Civ. Code &sect; 1798.130(a)(2): 45
 * days, extendable by 45), or the policy's own where that jurisdiction declares none for the type. For a subject whose
 * jurisdiction is not known, the term of any jurisdiction whose deadline, counted from the day of receipt, ends first.
 */
final class RequestTerms {
    private final PolicyVersions versions;
    private final HolidaySource holidays;
    private final BiFunction<SubjectId, Instant, Optional<Jurisdiction>> jurisdictions;

    RequestTerms(PolicyVersions versions, HolidaySource holidays,
            BiFunction<SubjectId, Instant, Optional<Jurisdiction>> jurisdictions) {
        this.versions = versions;
        this.holidays = holidays;
        this.jurisdictions = jurisdictions;
    }

    /** The policy version whose terms govern a request received at {@code receivedAt}. */
    Policy policyAt(Instant receivedAt) {
        return versions.at(receivedAt);
    }

    BusinessCalendar calendarAt(Instant receivedAt) {
        return policyAt(receivedAt).calendar().withHolidaySource(holidays);
    }

    DeadlineTerm termAt(Instant receivedAt, RequestType type) {
        return policyAt(receivedAt).rightsTerm(type).map(RightsTerm::deadline).orElse(RightsService.GDPR_DEFAULT);
    }

    /** The term of {@code subject}'s request of {@code type} received at {@code receivedAt} (see above). */
    Optional<RightsTerm> rightsTermAt(SubjectId subject, Instant receivedAt, RequestType type) {
        Policy policy = policyAt(receivedAt);
        Optional<Jurisdiction> jurisdiction = policy.jurisdictionRules().isEmpty() ? Optional.empty()
                : jurisdictions.apply(subject, receivedAt);
        if (jurisdiction.isEmpty()) {
            return policy.rightsTerm(type);
        }
        if (!jurisdiction.get().id().equals(JurisdictionId.UNKNOWN)) {
            return jurisdiction.get().rightsTerm(type).or(() -> policy.rightsTerm(type));
        }
        // unknown: the shortest deadline any jurisdiction gives, counted from the day of receipt
        BusinessCalendar calendar = calendarAt(receivedAt);
        LocalDate day = dayOf(receivedAt, calendar);
        Optional<RightsTerm> shortest = Optional.empty();
        Instant due = null;
        for (Jurisdiction j : policy.jurisdictionRules().get().all()) {
            Optional<RightsTerm> candidate = j.rights().isEmpty() ? policy.rightsTerm(type) : j.rightsTerm(type);
            if (candidate.isEmpty()) {
                continue;
            }
            DeadlineTerm term = candidate.get().deadline();
            Instant end = Deadlines.after(day, term.amount(), term.unit(), calendar, "").dueBefore();
            boolean earlier = due == null || end.isBefore(due) || end.equals(due)
                    && term.start() == DeadlineTerm.Start.RECEIPT
                    && shortest.get().deadline().start() != DeadlineTerm.Start.RECEIPT;
            if (earlier) {
                shortest = candidate;
                due = end;
            }
        }
        return shortest.or(() -> policy.rightsTerm(type));
    }

    /** The deadline term of {@code subject}'s request of {@code type} received at {@code receivedAt}. */
    DeadlineTerm termAt(SubjectId subject, Instant receivedAt, RequestType type) {
        return rightsTermAt(subject, receivedAt, type).map(RightsTerm::deadline).orElse(RightsService.GDPR_DEFAULT);
    }

    /** The answer deadline of a request received at {@code at}, when its term counts from receipt. */
    Optional<Deadline> onReceipt(SubjectId subject, RequestType type, Instant at) {
        DeadlineTerm term = termAt(subject, at, type);
        if (term.start() != DeadlineTerm.Start.RECEIPT) {
            return Optional.empty();
        }
        BusinessCalendar calendar = calendarAt(at);
        return Optional.of(Deadlines.after(dayOf(at, calendar), term.amount(), term.unit(), calendar,
                ruleText(type, term)));
    }

    /** When receipt of a request received at {@code at} must be confirmed, where its term asks for it. */
    Optional<Deadline> acknowledgement(SubjectId subject, RequestType type, Instant at) {
        BusinessCalendar calendar = calendarAt(at);
        return termAt(subject, at, type).acknowledgeWithin().map(a -> Deadlines.after(dayOf(at, calendar), a.amount(),
                a.unit(), calendar, "acknowledge " + type + " within " + DeadlineTerm.text(a.amount(), a.unit())));
    }

    /** The deadline of {@code r} once its requester is verified at {@code at}: started now if its term says so. */
    Optional<Deadline> onVerification(RightsRequest r, Instant at) {
        DeadlineTerm term = termAt(r.subject(), r.receivedAt(), r.type());
        if (term.start() != DeadlineTerm.Start.IDENTITY_VERIFIED) {
            return r.deadline();
        }
        BusinessCalendar calendar = calendarAt(r.receivedAt());
        return Optional.of(Deadlines.after(dayOf(at, calendar), term.amount(), term.unit(), calendar,
                ruleText(r.type(), term)));
    }

    /**
     * {@code r} extended as far as its term allows, the subject told at {@code toldAt}, recorded at
     * {@code recordedAt}; see {@link RightsService#extend} for the rules.
     */
    RightsRequest extended(RightsRequest r, String reason, Instant subjectToldAt, Instant toldAt, Instant recordedAt) {
        DeadlineTerm term = termAt(r.subject(), r.receivedAt(), r.type());
        DeadlineTerm.Extension ext = term.extension().orElseThrow(() -> new InvalidValueException("request.type",
                r.type(), "has no extendable deadline under policy " + policyAt(r.receivedAt()).id() + " (" + term
                        + "); allowed next steps: " + r.status().nextSteps(r.type(), RequestStatus.EXTENDED)));
        Deadline original = r.deadline().orElseThrow(() -> new ConflictException("request " + r.id()
                + ": its deadline has not started (identity not verified), so it cannot be extended; allowed next"
                + " steps: " + r.status().nextSteps(r.type())));
        if (!toldAt.isBefore(original.dueBefore())) {
            throw new InvalidValueException("subjectToldAt", subjectToldAt,
                    "must be before the original deadline " + original.dueBefore()
                            + ": the subject is told of an extension within the original period (GDPR Art. 12(3))"
                            + "; allowed next steps: " + r.status().nextSteps(r.type(), RequestStatus.EXTENDED));
        }
        if (toldAt.isAfter(recordedAt)) {
            throw new InvalidValueException("subjectToldAt", subjectToldAt, "must not be in the future");
        }
        Deadline extended = Deadlines.extended(original.start(), term, calendarAt(r.receivedAt()),
                ruleText(r.type(), term) + (ext.toTotal() ? ", extended to " : ", extended by ")
                        + DeadlineTerm.text(ext.amount(), ext.unit()));
        return new RightsRequest(r.id(), r.subject(), r.type(), r.status(), r.receivedAt(), r.verifiedAt(),
                Optional.of(extended), r.acknowledgeBy(),
                Optional.of(new RightsRequest.Extension(reason, toldAt, recordedAt, original)),
                r.outcome(), r.history(), r.version());
    }

    /** The history note of an extension: its reason, and a flag when it was recorded after the original deadline. */
    static String extensionNote(RightsRequest extended) {
        RightsRequest.Extension e = extended.extensionNotice().orElseThrow();
        if (!e.late()) {
            return e.reason();
        }
        return "LATE EXTENSION: recorded " + e.recordedAt() + ", after the original deadline (end of "
                + e.original().lastDay() + ", due before " + e.original().dueBefore() + "); subject told "
                + e.subjectToldAt() + ". " + e.reason();
    }

    private static LocalDate dayOf(Instant at, BusinessCalendar calendar) {
        return at.atZone(calendar.zone()).toLocalDate();
    }

    private static String ruleText(RequestType type, DeadlineTerm term) {
        return type + ": " + term;
    }
}
