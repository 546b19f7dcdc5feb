package dev.consent.internal;

import dev.consent.Decision;
import dev.consent.Reason;
import dev.consent.ledger.Choice;
import dev.consent.ledger.EventRef;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Decides a purpose for a subject at an instant from the subject's {@link Ledger}. The rules, in order:
 *
 * <ol>
 *   <li>Only choices made at or before the instant count; the latest wins (occurred-at, then sequence).</li>
 *   <li>A refusal (denial, withdrawal, objection) of a parent purpose covers its children; a parent's
 *       grant does not grant them.</li>
 *   <li>Explicit choices beat Global Privacy Control: a GPC opt-out only applies where no explicit
 *       choice exists.</li>
 *   <li>A legal obligation is allowed whatever else holds (GDPR Art. 17(3)(b), 18(2), 21).</li>
 *   <li>Restriction (Art. 18) stops everything else except vital interests, and except consent given
 *       after the restriction began (Art. 18(2): "with the data subject's consent").</li>
 *   <li>Contract and vital interests are otherwise allowed; legitimate interests and public task until
 *       the subject objects (Art. 21).</li>
 *   <li>Consent needs a grant from a subject of at least the minimum age (or a guardian, where the
 *       purpose accepts one), under the current consent version, not expired.</li>
 * </ol>
 */
public final class ConsentFold {
    private ConsentFold() {
    }

    public static Decision decide(Ledger ledger, Policy policy, PurposeId purposeId, Instant at) {
        List<Purpose> lineage = policy.lineage(purposeId);
        Purpose purpose = lineage.get(0);
        long t = Ledger.micros(at);

        Ledger.Mark explicit = null;
        Ledger.Mark gpc = null;
        Ledger.Mark restriction = null;
        Ledger.Mark[] marks = ledger.marks;
        for (int i = marks.length - 1; i >= 0 && (explicit == null || restriction == null); i--) {
            Ledger.Mark m = marks[i];
            if (m.occurredMicros > t) {
                continue;
            }
            int depth = depthOf(lineage, m.purpose);
            if (depth < 0) {
                continue;
            }
            if (m.choice.isRestriction()) {
                if (restriction == null) {
                    restriction = m;
                }
            } else if (depth == 0 || m.choice.isRefusal()) {
                if (m.gpc) {
                    if (gpc == null) {
                        gpc = m;
                    }
                } else if (explicit == null) {
                    explicit = m;
                }
            }
        }

        LegalBasis basis = purpose.basis();
        if (basis == LegalBasis.LEGAL_OBLIGATION) {
            return decision(Reason.BASIS_LEGAL_OBLIGATION, purpose, null, at, policy);
        }
        boolean restricted = restriction != null && restriction.choice == Choice.RESTRICTED;
        if (restricted && basis != LegalBasis.VITAL_INTERESTS) {
            boolean consentAfter = basis == LegalBasis.CONSENT && explicit != null && explicit.choice == Choice.GRANTED
                    && explicit.occurredMicros > restriction.occurredMicros;
            if (!consentAfter) {
                return decision(Reason.RESTRICTED, purpose, restriction, at, policy);
            }
        }
        switch (basis) {
            case CONTRACT:
                return decision(Reason.BASIS_CONTRACT, purpose, null, at, policy);
            case VITAL_INTERESTS:
                return decision(Reason.BASIS_VITAL_INTERESTS, purpose, null, at, policy);
            case LEGITIMATE_INTERESTS:
            case PUBLIC_TASK: {
                Reason allowed = basis == LegalBasis.PUBLIC_TASK ? Reason.BASIS_PUBLIC_TASK
                        : Reason.BASIS_LEGITIMATE_INTERESTS;
                if (explicit != null) {
                    return explicit.choice.isRefusal() ? decision(Reason.OBJECTED, purpose, explicit, at, policy)
                            : decision(allowed, purpose, explicit, at, policy);
                }
                if (gpc != null) {
                    return decision(Reason.GPC_OPT_OUT, purpose, gpc, at, policy);
                }
                return decision(allowed, purpose, null, at, policy);
            }
            case CONSENT:
            default:
                return decideConsent(purpose, explicit, gpc, t, at, policy);
        }
    }

    /**
     * What a Global Privacy Control signal meets for a purpose at {@code at}, in the fold's own order: the latest
     * explicit choice (null when none) and whether a GPC signal is already on record after it.
     */
    public record GpcState(Choice explicit, boolean signalOnRecord) {
    }

    public static GpcState gpcState(Ledger ledger, Policy policy, PurposeId purposeId, Instant at) {
        List<Purpose> lineage = policy.lineage(purposeId);
        long t = Ledger.micros(at);
        boolean gpcSeen = false;
        Ledger.Mark[] marks = ledger.marks;
        for (int i = marks.length - 1; i >= 0; i--) {
            Ledger.Mark m = marks[i];
            if (m.occurredMicros > t || m.choice.isRestriction()) {
                continue;
            }
            int depth = depthOf(lineage, m.purpose);
            if (depth < 0 || depth > 0 && !m.choice.isRefusal()) {
                continue;
            }
            if (m.gpc) {
                gpcSeen = true;
            } else {
                return new GpcState(m.choice, gpcSeen);
            }
        }
        return new GpcState(null, gpcSeen);
    }

    /**
     * Whether a grant is the latest explicit choice for the purpose at {@code at}, whatever else (restriction,
     * expiry, version, age) keeps it from allowing processing now: such a grant still needs withdrawing.
     */
    public static boolean grantStands(Ledger ledger, Policy policy, PurposeId purposeId, Instant at) {
        List<Purpose> lineage = policy.lineage(purposeId);
        long t = Ledger.micros(at);
        Ledger.Mark[] marks = ledger.marks;
        for (int i = marks.length - 1; i >= 0; i--) {
            Ledger.Mark m = marks[i];
            if (m.occurredMicros > t || m.gpc || m.choice.isRestriction()) {
                continue;
            }
            int depth = depthOf(lineage, m.purpose);
            if (depth == 0 || depth > 0 && m.choice.isRefusal()) {
                return m.choice == Choice.GRANTED;
            }
        }
        return false;
    }

    private static Decision decideConsent(Purpose purpose, Ledger.Mark explicit, Ledger.Mark gpc, long t, Instant at,
            Policy policy) {
        if (explicit == null) {
            return gpc != null ? decision(Reason.GPC_OPT_OUT, purpose, gpc, at, policy)
                    : decision(Reason.NO_RECORD, purpose, null, at, policy);
        }
        switch (explicit.choice) {
            case DENIED:
            case OBJECTED:
                return decision(Reason.DENIED, purpose, explicit, at, policy);
            case WITHDRAWN:
                return decision(Reason.WITHDRAWN, purpose, explicit, at, policy);
            default:
                break;
        }
        if (purpose.minimumAge().isPresent()) {
            boolean guardianCounts = explicit.guardian && purpose.guardianConsent();
            if (!guardianCounts && explicit.declaredAge < purpose.minimumAge().getAsInt()) {
                // an undeclared age (-1) fails closed as well (GDPR Art. 8(2): reasonable efforts to verify)
                return decision(Reason.UNDER_AGE, purpose, explicit, at, policy);
            }
        }
        if (explicit.consentVersion < purpose.consentVersion()) {
            return decision(Reason.RECONSENT_REQUIRED, purpose, explicit, at, policy);
        }
        if (explicit.expiresMicros <= t) {
            return decision(Reason.EXPIRED, purpose, explicit, at, policy);
        }
        return decision(Reason.GRANTED, purpose, explicit, at, policy);
    }

    private static int depthOf(List<Purpose> lineage, PurposeId id) {
        for (int i = 0, n = lineage.size(); i < n; i++) {
            if (lineage.get(i).id().equals(id)) {
                return i;
            }
        }
        return -1;
    }

    private static Decision decision(Reason reason, Purpose purpose, Ledger.Mark m, Instant at, Policy policy) {
        return new Decision(reason.allows(), reason, purpose.id(), purpose.basis(),
                m == null ? Optional.empty() : Optional.of(new EventRef(m.subject, m.sequence)), at, policy.version());
    }
}
