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
    private static final int NONE = -1;

    private ConsentFold() {
    }

    public static Decision decide(Ledger ledger, Policy policy, PurposeId purposeId, Instant at) {
        List<Purpose> lineage = policy.lineage(purposeId);
        Purpose purpose = lineage.get(0);
        long t = Ledger.micros(at);

        int explicit = -1;
        int gpc = -1;
        int restriction = -1;
        for (int i = ledger.size() - 1; i >= 0 && (explicit < 0 || restriction < 0); i--) {
            if (ledger.occurredMicros(i) > t) {
                continue;
            }
            int depth = depthOf(lineage, ledger, i);
            if (depth < 0) {
                continue;
            }
            Choice choice = ledger.choice(i);
            if (choice.isRestriction()) {
                if (restriction < 0) {
                    restriction = i;
                }
            } else if (depth == 0 || choice.isRefusal()) {
                if (ledger.gpc(i)) {
                    if (gpc < 0) {
                        gpc = i;
                    }
                } else if (explicit < 0) {
                    explicit = i;
                }
            }
        }

        LegalBasis basis = purpose.basis();
        if (basis == LegalBasis.LEGAL_OBLIGATION) {
            return decision(Reason.BASIS_LEGAL_OBLIGATION, purpose, ledger, NONE, at, policy);
        }
        boolean restricted = restriction >= 0 && ledger.choice(restriction) == Choice.RESTRICTED;
        if (restricted && basis != LegalBasis.VITAL_INTERESTS) {
            boolean consentAfter = basis == LegalBasis.CONSENT && explicit >= 0
                    && ledger.choice(explicit) == Choice.GRANTED
                    && ledger.occurredMicros(explicit) > ledger.occurredMicros(restriction);
            if (!consentAfter) {
                return decision(Reason.RESTRICTED, purpose, ledger, restriction, at, policy);
            }
        }
        switch (basis) {
            case CONTRACT:
                return decision(Reason.BASIS_CONTRACT, purpose, ledger, NONE, at, policy);
            case VITAL_INTERESTS:
                return decision(Reason.BASIS_VITAL_INTERESTS, purpose, ledger, NONE, at, policy);
            case LEGITIMATE_INTERESTS:
            case PUBLIC_TASK: {
                Reason allowed = basis == LegalBasis.PUBLIC_TASK ? Reason.BASIS_PUBLIC_TASK
                        : Reason.BASIS_LEGITIMATE_INTERESTS;
                if (explicit >= 0) {
                    return ledger.choice(explicit).isRefusal()
                            ? decision(Reason.OBJECTED, purpose, ledger, explicit, at, policy)
                            : decision(allowed, purpose, ledger, explicit, at, policy);
                }
                if (gpc >= 0) {
                    return decision(Reason.GPC_OPT_OUT, purpose, ledger, gpc, at, policy);
                }
                return decision(allowed, purpose, ledger, NONE, at, policy);
            }
            case CONSENT:
            default:
                return decideConsent(purpose, ledger, explicit, gpc, t, at, policy);
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
        for (int i = ledger.size() - 1; i >= 0; i--) {
            Choice choice = ledger.choice(i);
            if (ledger.occurredMicros(i) > t || choice.isRestriction()) {
                continue;
            }
            int depth = depthOf(lineage, ledger, i);
            if (depth < 0 || depth > 0 && !choice.isRefusal()) {
                continue;
            }
            if (ledger.gpc(i)) {
                gpcSeen = true;
            } else {
                return new GpcState(choice, gpcSeen);
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
        for (int i = ledger.size() - 1; i >= 0; i--) {
            Choice choice = ledger.choice(i);
            if (ledger.occurredMicros(i) > t || ledger.gpc(i) || choice.isRestriction()) {
                continue;
            }
            int depth = depthOf(lineage, ledger, i);
            if (depth == 0 || depth > 0 && choice.isRefusal()) {
                return choice == Choice.GRANTED;
            }
        }
        return false;
    }

    private static Decision decideConsent(Purpose purpose, Ledger ledger, int explicit, int gpc, long t, Instant at,
            Policy policy) {
        if (explicit < 0) {
            return gpc >= 0 ? decision(Reason.GPC_OPT_OUT, purpose, ledger, gpc, at, policy)
                    : decision(Reason.NO_RECORD, purpose, ledger, NONE, at, policy);
        }
        switch (ledger.choice(explicit)) {
            case DENIED:
            case OBJECTED:
                return decision(Reason.DENIED, purpose, ledger, explicit, at, policy);
            case WITHDRAWN:
                return decision(Reason.WITHDRAWN, purpose, ledger, explicit, at, policy);
            default:
                break;
        }
        if (purpose.minimumAge().isPresent()) {
            boolean guardianCounts = ledger.guardian(explicit) && purpose.guardianConsent();
            if (!guardianCounts && ledger.declaredAge(explicit) < purpose.minimumAge().getAsInt()) {
                // an undeclared age (-1) fails closed as well (GDPR Art. 8(2): reasonable efforts to verify)
                return decision(Reason.UNDER_AGE, purpose, ledger, explicit, at, policy);
            }
        }
        if (ledger.consentVersion(explicit) < purpose.consentVersion()) {
            return decision(Reason.RECONSENT_REQUIRED, purpose, ledger, explicit, at, policy);
        }
        if (ledger.expiresMicros(explicit) <= t) {
            return decision(Reason.EXPIRED, purpose, ledger, explicit, at, policy);
        }
        return decision(Reason.GRANTED, purpose, ledger, explicit, at, policy);
    }

    /** Where mark {@code i}'s purpose sits in the lineage (0 the purpose itself, 1 its parent, ...), or -1. */
    private static int depthOf(List<Purpose> lineage, Ledger ledger, int i) {
        PurposeId marked = ledger.purpose(i);
        for (int k = 0, n = lineage.size(); k < n; k++) {
            PurposeId id = lineage.get(k).id();
            if (marked == id || marked.equals(id)) {
                return k;
            }
        }
        return -1;
    }

    private static Decision decision(Reason reason, Purpose purpose, Ledger ledger, int mark, Instant at,
            Policy policy) {
        return new Decision(reason.allows(), reason, purpose.id(), purpose.basis(),
                mark < 0 ? Optional.empty() : Optional.of(new EventRef(ledger.subject(mark), ledger.sequence(mark))),
                at, policy.version());
    }
}
