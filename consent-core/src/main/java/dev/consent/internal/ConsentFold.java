package dev.consent.internal;

import dev.consent.Decision;
import dev.consent.Reason;
import dev.consent.ledger.AgeDeclaration;
import dev.consent.ledger.Choice;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Jurisdiction;
import dev.consent.policy.JurisdictionId;
import dev.consent.policy.JurisdictionRules;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Mechanism;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides a purpose for a subject at an instant from the subject's {@link Ledger}. The rules, in order:
 *
 * <ol>
 *   <li>Only choices made at or before the instant count (a withdrawal is effective from when it was made, GDPR
 *       Art. 7(3)). Among them the latest wins: by occurred-at; at the same instant a refusal (denial, withdrawal,
 *       objection) beats a grant, whatever their sequences or subjects; otherwise the later sequence, then the
 *       subject id.</li>
 *   <li>A refusal recorded after a grant beats it, whatever occurred-at the grant claims: a grant outranks a
 *       refusal only if it was both made later and recorded later (in one chain: a higher sequence; across a
 *       customer's and its linked visitors' chains: a later recorded-at). Why: a grant dated ahead (a phone with a
 *       fast clock, a bad import) would otherwise overrule, once its date arrives, a withdrawal the subject really
 *       made after it. The price, accepted because it fails closed: a genuine grant recorded before an older
 *       withdrawal that reached the ledger late loses to it, until the subject grants again.</li>
 *   <li>A refusal (denial, withdrawal, objection) of a parent purpose covers its children; a parent's
 *       grant does not grant them.</li>
 *   <li>Explicit choices beat Global Privacy Control: a GPC opt-out only applies where no explicit
 *       choice exists (where the policy declares jurisdictions and the signal binds, see below, also over a grant
 *       made before the signal).</li>
 *   <li>A legal obligation is allowed whatever else holds (GDPR Art. 17(3)(b), 18(2), 21).</li>
 *   <li>A subject whose age at the instant, by the latest declaration made by then (an age declaration, or the age a
 *       capture declared, on any purpose; a birth date read at the instant in the policy's zone), is below the
 *       policy's service-wide {@link Policy#minimumAge() minimum age} is refused every purpose but vital interests
 *       (GDPR Art. 6(1)(d)) with UNDER_AGE (seed 004, HappySell: "If you are a minor (under the age of 18), this
 *       platform refuses to provide you with services"). An undeclared age does not count as a minor here.</li>
 *   <li>Restriction (Art. 18) stops everything else except vital interests, and except consent given
 *       after the restriction began (Art. 18(2): "with the data subject's consent"): a grant made and recorded
 *       after the restriction, as in rule 2.</li>
 *   <li>Contract and vital interests are otherwise allowed; legitimate interests and public task until
 *       the subject objects (Art. 21).</li>
 *   <li>Consent needs a grant from a subject of at least the minimum age when the grant was given (GDPR Art. 8(1)),
 *       by the latest declaration made by the instant checked; an undeclared age fails closed (Art. 8(2)); or a
 *       guardian's grant, where the purpose accepts one, under the purpose's current consent version (an older one needs re-consent; a
 *       higher one, which the purpose does not have, fails closed the same way), not expired.</li>
 *   <li>A purpose that {@link Purpose#requiresConfirmation() requires confirmation} (double opt-in, German case law
 *       on &sect; 7(2) UWG, BGH I ZR 164/09) counts a grant only once a {@link Choice#CONFIRMED} event of the same
 *       chain, purpose and consent version follows it within the confirmation window (checked after age and consent
 *       version, before expiry); until then PENDING_CONFIRMATION,
 *       after the window NO_RECORD (nothing is written when a window runs out). A confirmation is not a choice of its
 *       own and is skipped when the deciding choice is picked.</li>
 * </ol>
 *
 * <p>Where the policy declares jurisdictions ({@code docs/jurisdictions.md}), the subject's jurisdiction at the instant
 * is the one covering the latest location recorded with an occurred-at at or before it, or the strictest rules the
 * policy declares when none was ({@link JurisdictionRules#forRegion}); the decision names it. There, rule 4 holds only
 * where Global Privacy Control binds (elsewhere a signal is on record and decides nothing), and where it binds a
 * signal received after a grant beats the grant (11 CCR &sect; 7025(c)(3): the signal is processed as an opt-out
 * despite a setting that allowed sale or sharing; a grant after the signal wins again), and where the
 * jurisdiction gives the purpose another mechanism than its own, that mechanism decides after rules 5 to 7:
 * <ul>
 *   <li>OPT_IN: as consent (rule 9); without a grant, JURISDICTION_OPT_IN_REQUIRED;</li>
 *   <li>OPT_OUT: an explicit refusal refuses (DENIED, WITHDRAWN, OBJECTED); else a Global Privacy Control signal where
 *       it binds (GPC_OPT_OUT); else allowed (JURISDICTION_OPT_OUT). A subject known to be under the purpose's
 *       minimum age is held to consent instead (Cal. Civ. Code &sect; 1798.120(c): no sale or sharing of a consumer
 *       under 16 without affirmative authorisation);</li>
 *   <li>NOTICE_ONLY: an explicit refusal is honoured all the same; else allowed (JURISDICTION_NOTICE_ONLY).</li>
 * </ul>
 *
 * <p>{@link #decide}, {@link #gpcState} and {@link #grantStands} pick the deciding explicit choice the same way, so
 * that what applyGpc reports and what withdrawAll withdraws is what a check sees. Nothing here throws for any
 * ledger: every instant is a microsecond count ({@link Ledger}).
 */
public final class ConsentFold {
    private static final int NONE = -1;
    private static final Reason[] REASONS = Reason.values();
    /** One {@code Optional} per jurisdiction id, shared by the answers built from precomputed fields. */
    private static final Map<JurisdictionId, Optional<JurisdictionId>> JURISDICTIONS = new ConcurrentHashMap<>();

    private ConsentFold() {
    }

    /**
     * The purposes whose events {@link #decide} reads for {@code purposeId} under {@code policy}: its lineage (the
     * purpose and its ancestors, whose refusals and restrictions cover it). Besides these, a decision reads only age
     * declarations (events declaring an age, on any purpose) and recorded locations (which decide the jurisdiction),
     * so a ledger of the facts of these purposes' events, of every age declaration and of every location decides the
     * purpose as the whole ledger does
     * ({@link dev.consent.store.ConsentStore#decisionFacts(java.util.Collection, java.util.Set)}). A rule that comes to
     * read events of other purposes must name them here.
     */
    public static Set<PurposeId> purposesRead(Policy policy, PurposeId purposeId) {
        Set<PurposeId> out = new LinkedHashSet<>();
        for (Purpose p : policy.lineage(purposeId)) {
            out.add(p.id());
        }
        return out;
    }

    public static Decision decide(Ledger ledger, Policy policy, PurposeId purposeId, Instant at) {
        List<Purpose> lineage = policy.lineage(purposeId);
        Purpose purpose = lineage.get(0);
        long t = Ledger.micros(at);

        int explicit = -1;
        int gpc = -1;
        int restriction = -1;
        Refusals below = null;
        for (int i = ledger.size() - 1; i >= 0 && (explicit < 0 || restriction < 0); i--) {
            if (ledger.occurredMicros(i) > t) {
                continue;
            }
            int depth = depthOf(lineage, ledger, i);
            if (depth < 0) {
                continue;
            }
            Choice choice = ledger.choice(i);
            if (choice == Choice.CONFIRMED) {
                continue; // not a choice of its own: read by decideConsent for the grant it confirms
            }
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
                    if (ledger.overtaken(i)) {
                        below = below != null ? below : Refusals.below(ledger, lineage, i);
                        if (below.overrule(ledger, i)) {
                            continue; // a refusal recorded after this grant, made before it, decides instead
                        }
                    }
                    explicit = i;
                }
            }
        }

        Jurisdiction jurisdiction = jurisdictionAt(ledger, policy, t);
        Decider d = new Decider(purpose, ledger, at, policy, jurisdiction);
        if (jurisdiction != null && !jurisdiction.gpcBinds()) {
            gpc = -1; // an advisory signal is on record and decides nothing
        }
        if (jurisdiction != null && gpc > explicit && explicit >= 0 && ledger.choice(explicit) == Choice.GRANTED) {
            // where the signal binds, one received after a grant that allows sale or sharing is processed as an
            // opt-out (11 CCR § 7025(c)(3): "the business shall process the opt-out preference signal as a valid
            // request to opt-out of sale/sharing"); a grant given after the signal, the consumer's consent once told
            // of the conflict, decides again
            explicit = NONE;
        }
        LegalBasis basis = purpose.basis();
        if (basis == LegalBasis.LEGAL_OBLIGATION) {
            return d.decision(Reason.BASIS_LEGAL_OBLIGATION, NONE);
        }
        if (basis != LegalBasis.VITAL_INTERESTS && policy.minimumAge().isPresent()) {
            int age = latestDeclaration(ledger, t, at, policy.zone());
            if (age >= 0 && ageOf(ledger, age, at, policy.zone()) < policy.minimumAge().getAsInt()) {
                // seed 004 (HappySell): "If you are a minor (under the age of 18), this platform refuses to provide
                // you with services"; a known minor is refused every purpose, the contract included
                return d.decision(Reason.UNDER_AGE, age);
            }
        }
        boolean restricted = restriction >= 0 && ledger.choice(restriction) == Choice.RESTRICTED;
        if (restricted && basis != LegalBasis.VITAL_INTERESTS) {
            boolean consentAfter = basis == LegalBasis.CONSENT && explicit >= 0
                    && ledger.choice(explicit) == Choice.GRANTED
                    && ledger.occurredMicros(explicit) > ledger.occurredMicros(restriction)
                    && ledger.recordedAfter(explicit, restriction);
            if (!consentAfter) {
                return d.decision(Reason.RESTRICTED, restriction);
            }
        }
        if (jurisdiction != null) {
            Mechanism mechanism = jurisdiction.mechanismOf(purpose);
            if (mechanism != purpose.mechanism()) {
                return decideMechanism(d, mechanism, explicit, gpc, t);
            }
        }
        switch (basis) {
            case CONTRACT:
                return d.decision(Reason.BASIS_CONTRACT, NONE);
            case VITAL_INTERESTS:
                return d.decision(Reason.BASIS_VITAL_INTERESTS, NONE);
            case LEGITIMATE_INTERESTS:
            case PUBLIC_TASK: {
                Reason allowed = basis == LegalBasis.PUBLIC_TASK ? Reason.BASIS_PUBLIC_TASK
                        : Reason.BASIS_LEGITIMATE_INTERESTS;
                if (explicit >= 0) {
                    return ledger.choice(explicit).isRefusal()
                            ? d.decision(Reason.OBJECTED, explicit)
                            : d.decision(allowed, explicit);
                }
                if (gpc >= 0) {
                    return d.decision(Reason.GPC_OPT_OUT, gpc);
                }
                return d.decision(allowed, NONE);
            }
            case CONSENT:
            default:
                return decideConsent(d, explicit, gpc, t);
        }
    }

    // ------------------------------------------------------------------------------- precomputed answers

    /**
     * As {@link #decide}, from the answer {@code ledger} holds for {@code purposeId} when it holds one for {@code at}
     * ({@link #answered}): then without folding, the decision built from the held reason and deciding mark (equal to
     * what {@link #decide} answers, see {@link #answered}); otherwise by {@link #decide}.
     *
     * @param policy the policy in force at {@code at}, as for {@link #decide}
     */
    public static Decision decideCached(Ledger ledger, Policy policy, PurposeId purposeId, Instant at) {
        int field = ledger.answer(Ledger.micros(at), purposeId);
        if (field == 0) {
            return decide(ledger, policy, purposeId, at);
        }
        return fromField(ledger, policy, policy.purpose(purposeId), field, at);
    }

    /**
     * As {@link #decideCached(Ledger, Policy, PurposeId, Instant)} for a purpose the caller already looked up in
     * {@code policy}.
     *
     * @param purpose the purpose as {@code policy} declares it
     */
    public static Decision decideCached(Ledger ledger, Policy policy, Purpose purpose, Instant at) {
        int field = ledger.answer(Ledger.micros(at), purpose.id());
        if (field == 0) {
            return decide(ledger, policy, purpose.id(), at);
        }
        return fromField(ledger, policy, purpose, field, at);
    }

    /**
     * The reason of the answer {@code ledger} holds for {@code purposeId} at every instant of the millisecond starting
     * at {@code epochMilli} ({@link #answered}), or null when it holds none for the whole of it. When not null it is
     * the reason {@link #decideCached} (and so {@link #decide}) gives at any instant of that millisecond, under the
     * policy version in force then, which declares the purpose: answers are held only for declared purposes, and never
     * across a version's effective instant. Reads two words and one field; allocates nothing.
     *
     * @param epochMilli the millisecond asked about, as {@link java.time.Clock#millis()} reads it
     */
    public static Reason heldReason(Ledger ledger, PurposeId purposeId, long epochMilli) {
        if (epochMilli < 0 || epochMilli >= Long.MAX_VALUE / 1_000L) {
            return null;
        }
        long t = epochMilli * 1_000L;
        if (ledger.answersUntil() <= t + 999) { // the millisecond's last microsecond lies past the window
            return null;
        }
        int field = ledger.answer(t, purposeId);
        return field == 0 ? null : REASONS[(field & (1 << Ledger.REASON_BITS) - 1) - 1];
    }

    private static Decision fromField(Ledger ledger, Policy policy, Purpose purpose, int field, Instant at) {
        Reason reason = REASONS[(field & (1 << Ledger.REASON_BITS) - 1) - 1];
        int mark = (field >>> Ledger.REASON_BITS) - 1;
        Optional<JurisdictionId> jurisdiction = Optional.empty();
        int j = ledger.answerJurisdiction();
        if (j > 0) {
            JurisdictionRules rules = policy.jurisdictionRules().orElseThrow();
            JurisdictionId id = (j == 1 ? rules.strictest() : rules.all().get(j - 2)).id();
            jurisdiction = JURISDICTIONS.computeIfAbsent(id, Optional::of);
        }
        return new Decision(reason.allows(), reason, purpose.id(), purpose.basis(),
                mark < 0 ? Optional.empty() : Optional.of(new EventRef(ledger.subject(mark), ledger.sequence(mark))),
                at, policy.version(), jurisdiction);
    }

    /**
     * {@code ledger} holding the answers to its table's answered purposes ({@link Ledger.PurposeTable#of(
     * java.util.Collection, int)}) for every instant of the longest window around {@code now} over which none of them
     * can change: from the latest instant at or before {@code now}, to the earliest after it, at which a decision may
     * turn. The fold reads the instant asked about only through comparisons with such instants: a mark's
     * occurred-at (rule 1, the age and location in force), a grant's expiry, a double opt-in's confirmation deadline
     * (grant plus the window of a purpose of the same id) and a policy version's effective instant; so between two of
     * them every decision is the same but for the instant it names. A birth date makes the age turn at a birthday
     * in the policy's zone: a ledger holding one gets no answers (every check folds), as does a purpose the policy in
     * force does not declare, a jurisdiction outside the policy's list, or a deciding mark beyond what a field holds.
     * Each held answer is checked here against the decision built from it, and is not held unless they are equal.
     *
     * @param ledger a ledger whose table has answer slots (else it is returned as it is)
     * @param versions the service's policy versions
     * @param now the instant the answers are computed at
     * @return a copy holding the answers, or {@code ledger} when it can hold none
     */
    public static Ledger answered(Ledger ledger, PolicyVersions versions, Instant now) {
        int slots = ledger.answerSlots();
        if (slots == 0) {
            return ledger;
        }
        long t0 = Ledger.micros(now);
        Policy policy = versions.at(now);
        int n = ledger.size();
        long[] window = {Long.MIN_VALUE, Long.MAX_VALUE};
        for (int i = 0; i < n; i++) {
            if (ledger.birthEpochDay(i) != Ledger.NO_BIRTH_DATE) {
                return ledger; // the age turns on a birthday: fold every time
            }
            narrow(window, t0, ledger.occurredMicros(i));
            Choice choice = ledger.choice(i);
            if (choice != Choice.AGE_DECLARED && choice != Choice.LOCATION_RECORDED) {
                narrow(window, t0, ledger.expiresMicros(i)); // only a grant's counts; the others' are never earlier
            }
            Optional<Purpose> marked = policy.findPurpose(ledger.purpose(i));
            if (marked.isPresent() && marked.get().requiresConfirmation()) {
                narrow(window, t0, confirmationDeadline(ledger, i, marked.get()));
            }
        }
        List<Policy> all = versions.all();
        for (int v = 1; v < all.size(); v++) { // the earliest version governs every instant before the second
            narrow(window, t0, Ledger.micros(all.get(v).effectiveInstant()));
        }
        int[] fields = new int[slots + 1];
        Jurisdiction jurisdiction = jurisdictionAt(ledger, policy, t0);
        if (jurisdiction != null) { // 1 for the strictest rules, 2 and up for a declared jurisdiction
            JurisdictionRules rules = policy.jurisdictionRules().orElseThrow();
            int j = jurisdiction == rules.strictest() ? -1 : rules.all().indexOf(jurisdiction);
            if (j < -1 || j + 2 > 0xFFFF) {
                return ledger;
            }
            fields[0] = j + 2;
        }
        Ledger probe = ledger.withAnswers(t0, t0 + 1, fields); // the jurisdiction's field, read by fromField
        for (int k = 0; k < slots; k++) {
            Optional<Purpose> purpose = policy.findPurpose(ledger.answerPurpose(k));
            if (purpose.isEmpty()) {
                continue; // not declared now: the check throws, after no answer
            }
            Decision d = decide(ledger, policy, purpose.get().id(), now);
            int mark = NONE;
            if (d.decidingEvent().isPresent()) {
                mark = markOf(ledger, d.decidingEvent().get());
                if (mark < 0 || mark + 1 > Ledger.MAX_ANSWER_MARK) {
                    continue;
                }
            }
            int field = d.reason().ordinal() + 1 | (mark + 1) << Ledger.REASON_BITS;
            if (fromField(probe, policy, purpose.get(), field, now).equals(d)) {
                fields[k + 1] = field;
            }
        }
        return ledger.withAnswers(window[0], window[1], fields);
    }

    /** Narrows {@code window} (from, until) around {@code t0} by an instant at which a decision may turn. */
    private static void narrow(long[] window, long t0, long turn) {
        if (turn <= t0) {
            window[0] = Math.max(window[0], turn);
        } else {
            window[1] = Math.min(window[1], turn);
        }
    }

    /** The mark of the event {@code ref} names, or -1. */
    private static int markOf(Ledger ledger, EventRef ref) {
        for (int i = ledger.size() - 1; i >= 0; i--) {
            if (ledger.sequence(i) == ref.sequence() && ledger.subject(i).equals(ref.subject())) {
                return i;
            }
        }
        return NONE;
    }

    /** Until when grant {@code g} of a double opt-in purpose may be confirmed: its occurred-at plus the window. */
    private static long confirmationDeadline(Ledger ledger, int g, Purpose purpose) {
        return saturatedAdd(ledger.occurredMicros(g), purpose.confirmationWindow().get().toMillis() * 1_000L);
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
        int explicit = explicitChoice(ledger, lineage, t);
        for (int i = ledger.size() - 1; i > explicit; i--) {
            Choice choice = ledger.choice(i);
            if (ledger.occurredMicros(i) > t || choice.isRestriction() || !ledger.gpc(i)) {
                continue;
            }
            int depth = depthOf(lineage, ledger, i);
            if (depth == 0 || depth > 0 && choice.isRefusal()) {
                return new GpcState(explicit < 0 ? null : ledger.choice(explicit), true);
            }
        }
        return new GpcState(explicit < 0 ? null : ledger.choice(explicit), false);
    }

    /**
     * Whether a grant of the purpose still needs withdrawing at {@code at}: whether the explicit choice that decides
     * it at {@code at}, or at any later instant, is a grant (whatever else, restriction, expiry, version or age, keeps
     * it from allowing processing now). A grant dated after {@code at} (within the recording tolerance, or stored
     * before there was one) counts: a check would see it once its date arrives. A withdrawal recorded now beats
     * every such grant (rule 2), so withdrawing where this says so leaves no grant any check can see.
     */
    public static boolean grantStands(Ledger ledger, Policy policy, PurposeId purposeId, Instant at) {
        List<Purpose> lineage = policy.lineage(purposeId);
        long t = Ledger.micros(at);
        if (isGrant(ledger, explicitChoice(ledger, lineage, t))) {
            return true;
        }
        // The decision changes only where a mark's occurred-at is reached, and if a grant decides at some later
        // instant, it decides at its own occurred-at too: asking there is enough.
        for (int i = ledger.size() - 1; i >= 0 && ledger.occurredMicros(i) > t; i--) {
            if (ledger.choice(i) == Choice.GRANTED && !ledger.gpc(i) && depthOf(lineage, ledger, i) == 0
                    && isGrant(ledger, explicitChoice(ledger, lineage, ledger.occurredMicros(i)))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isGrant(Ledger ledger, int mark) {
        return mark >= 0 && ledger.choice(mark) == Choice.GRANTED;
    }

    /** The mark of the explicit choice that decides the purpose at {@code t} (as {@link #decide} picks it), or -1. */
    private static int explicitChoice(Ledger ledger, List<Purpose> lineage, long t) {
        Refusals below = null;
        for (int i = ledger.size() - 1; i >= 0; i--) {
            Choice choice = ledger.choice(i);
            if (ledger.occurredMicros(i) > t || ledger.gpc(i) || choice.isRestriction() || choice == Choice.CONFIRMED) {
                continue;
            }
            int depth = depthOf(lineage, ledger, i);
            if (depth == 0 || depth > 0 && choice.isRefusal()) {
                if (ledger.overtaken(i)) {
                    below = below != null ? below : Refusals.below(ledger, lineage, i);
                    if (below.overrule(ledger, i)) {
                        continue;
                    }
                }
                return i;
            }
        }
        return -1;
    }

    /**
     * The explicit refusals on a purpose's lineage sorted before a grant the scan reached, summarised per subject
     * (highest sequence, highest recording rank). Built only for a grant {@link Ledger#overtaken flagged} as possibly
     * overruled, once per scan: a scan that passes an overruled grant meets no refusal of the lineage before the next
     * grant it considers (it would have stopped there), so the summary holds for that one too, and the scan stays
     * linear in the ledger's size.
     */
    private static final class Refusals {
        private final List<SubjectId> subjects = new ArrayList<>(2);
        private final List<long[]> highest = new ArrayList<>(2);

        static Refusals below(Ledger ledger, List<Purpose> lineage, int grant) {
            Refusals r = new Refusals();
            for (int k = grant - 1; k >= 0; k--) {
                if (ledger.choice(k).isRefusal() && !ledger.gpc(k) && depthOf(lineage, ledger, k) >= 0) {
                    SubjectId s = ledger.subject(k);
                    int j = r.subjects.indexOf(s);
                    if (j < 0) {
                        r.subjects.add(s);
                        r.highest.add(new long[] {ledger.sequence(k), ledger.recordingRank(k)});
                    } else {
                        long[] h = r.highest.get(j);
                        h[0] = Math.max(h[0], ledger.sequence(k));
                        h[1] = Math.max(h[1], ledger.recordingRank(k));
                    }
                }
            }
            return r;
        }

        /** Whether one of these refusals was not recorded before the grant {@code g}, and so beats it. */
        boolean overrule(Ledger ledger, int g) {
            if (ledger.choice(g) != Choice.GRANTED) {
                return false;
            }
            SubjectId s = ledger.subject(g);
            for (int j = 0; j < subjects.size(); j++) {
                long[] h = highest.get(j);
                boolean own = subjects.get(j).equals(s);
                if (own ? h[0] > ledger.sequence(g) : h[1] >= ledger.recordingRank(g)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * The purpose held by its jurisdiction to {@code mechanism}, which is not its own (see the class comment). Rules 1
     * to 7 have been applied.
     */
    private static Decision decideMechanism(Decider d, Mechanism mechanism, int explicit, int gpc, long t) {
        Ledger ledger = d.ledger;
        if (explicit >= 0 && ledger.choice(explicit).isRefusal()) {
            return d.decision(switch (ledger.choice(explicit)) {
                case WITHDRAWN -> Reason.WITHDRAWN;
                case OBJECTED -> Reason.OBJECTED;
                default -> Reason.DENIED;
            }, explicit);
        }
        if (mechanism == Mechanism.OPT_IN) {
            Decision consent = decideConsent(d, explicit, -1, t);
            return consent.reason() == Reason.NO_RECORD
                    ? d.decision(Reason.JURISDICTION_OPT_IN_REQUIRED, consent.decidingEvent().isPresent() ? explicit
                    : NONE) : consent;
        }
        if (mechanism == Mechanism.NOTICE_ONLY) {
            return d.decision(Reason.JURISDICTION_NOTICE_ONLY, NONE);
        }
        if (d.purpose.minimumAge().isPresent()) {
            int declared = latestDeclaration(ledger, t, d.at, d.policy.zone());
            if (declared >= 0 && ageOf(ledger, declared, d.at, d.policy.zone()) < d.purpose.minimumAge().getAsInt()) {
                // Cal. Civ. Code § 1798.120(c): a consumer known to be under 16 is sold or shared only with consent
                return decideConsent(d, explicit, gpc, t);
            }
        }
        if (explicit < 0 && gpc >= 0) {
            return d.decision(Reason.GPC_OPT_OUT, gpc);
        }
        return d.decision(Reason.JURISDICTION_OPT_OUT, explicit);
    }

    private static Decision decideConsent(Decider d, int explicit, int gpc, long t) {
        Purpose purpose = d.purpose;
        Ledger ledger = d.ledger;
        Instant at = d.at;
        Policy policy = d.policy;
        if (explicit < 0) {
            return gpc >= 0 ? d.decision(Reason.GPC_OPT_OUT, gpc)
                    : d.decision(Reason.NO_RECORD, NONE);
        }
        switch (ledger.choice(explicit)) {
            case DENIED:
            case OBJECTED:
                return d.decision(Reason.DENIED, explicit);
            case WITHDRAWN:
                return d.decision(Reason.WITHDRAWN, explicit);
            default:
                break;
        }
        if (purpose.minimumAge().isPresent()) {
            boolean guardianCounts = ledger.guardian(explicit) && purpose.guardianConsent();
            // GDPR Art. 8(1): the age when consent was given, by the latest declaration known at the instant checked
            Instant given = instant(ledger.occurredMicros(explicit));
            int declared = latestDeclaration(ledger, t, given, policy.zone());
            int age = declared < 0 ? -1 : ageOf(ledger, declared, given, policy.zone());
            if (!guardianCounts && age < purpose.minimumAge().getAsInt()) {
                // an undeclared age (-1) fails closed as well (GDPR Art. 8(2): reasonable efforts to verify)
                return d.decision(Reason.UNDER_AGE, explicit);
            }
        }
        if (ledger.consentVersion(explicit) != purpose.consentVersion()) {
            return d.decision(Reason.RECONSENT_REQUIRED, explicit);
        }
        if (purpose.requiresConfirmation() && !confirmed(ledger, explicit, purpose, t)) {
            // double opt-in (BGH I ZR 164/09): pending within the window, then as if never given
            long deadline = confirmationDeadline(ledger, explicit, purpose);
            return t < deadline ? d.decision(Reason.PENDING_CONFIRMATION, explicit)
                    : d.decision(Reason.NO_RECORD, explicit);
        }
        if (ledger.expiresMicros(explicit) <= t) {
            return d.decision(Reason.EXPIRED, explicit);
        }
        return d.decision(Reason.GRANTED, explicit);
    }

    /**
     * Whether grant {@code g} is confirmed at {@code t}: a {@link Choice#CONFIRMED} mark of the same chain, purpose and
     * consent version, recorded after the grant (a higher sequence), made by {@code t} and within the purpose's
     * confirmation window from the grant. A confirmation confirms only the grant before it: a later grant (a new
     * sign-up, a new consent version) needs its own.
     */
    static boolean confirmed(Ledger ledger, int g, Purpose purpose, long t) {
        long deadline = confirmationDeadline(ledger, g, purpose);
        SubjectId subject = ledger.subject(g);
        PurposeId id = ledger.purpose(g);
        for (int k = ledger.size() - 1; k >= 0; k--) {
            if (ledger.choice(k) == Choice.CONFIRMED && ledger.sequence(k) > ledger.sequence(g)
                    && ledger.occurredMicros(k) <= t && ledger.occurredMicros(k) < deadline
                    && ledger.consentVersion(k) == ledger.consentVersion(g) && ledger.purpose(k).equals(id)
                    && ledger.subject(k).equals(subject)) {
                return true;
            }
        }
        return false;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /**
     * The subject's age at {@code at}, by the latest declaration made at or before {@code at} (an age declaration or
     * a capture's declared age, on any purpose; several at the same instant: the lowest age at {@code at}), in
     * {@code zone}; empty when none was made. See {@link dev.consent.ledger.AgeDeclaration} for how an age is read.
     */
    public static OptionalInt ageAt(Ledger ledger, Instant at, ZoneId zone) {
        return ageAt(ledger, at, at, zone);
    }

    /**
     * As {@link #ageAt(Ledger, Instant, ZoneId)} by the latest declaration made at or before {@code knownAt}: the age
     * a grant made at {@code at} was given at, as a check at {@code knownAt} reads it (GDPR Art. 8(1)).
     */
    public static OptionalInt ageAt(Ledger ledger, Instant at, Instant knownAt, ZoneId zone) {
        int mark = latestDeclaration(ledger, Ledger.micros(knownAt), at, zone);
        return mark < 0 ? OptionalInt.empty() : OptionalInt.of(ageOf(ledger, mark, at, zone));
    }

    /**
     * The mark of the subject's latest declaration made at or before {@code t}, on any purpose, or -1 when none was
     * made. Declarations made at the same instant answer with the one giving the lowest age at {@code ageAt} (fail
     * closed).
     */
    private static int latestDeclaration(Ledger ledger, long t, Instant ageAt, ZoneId zone) {
        if (!ledger.declaresAge()) {
            return -1;
        }
        int found = -1;
        int foundAge = 0;
        for (int i = ledger.size() - 1; i >= 0; i--) {
            long occurred = ledger.occurredMicros(i);
            if (occurred > t) {
                continue;
            }
            if (found >= 0 && occurred < ledger.occurredMicros(found)) {
                break;
            }
            if (ledger.declaredAge(i) >= 0) {
                int age = ageOf(ledger, i, ageAt, zone);
                if (found < 0 || age < foundAge) {
                    found = i;
                    foundAge = age;
                }
            }
        }
        return found;
    }

    /**
     * The age declaration {@code mark} gives at {@code at}: from its birth date the whole years to the date of
     * {@code at} in {@code zone}; otherwise the age it declared, at every instant.
     */
    private static int ageOf(Ledger ledger, int mark, Instant at, ZoneId zone) {
        long born = ledger.birthEpochDay(mark);
        if (born == Ledger.NO_BIRTH_DATE) {
            return ledger.declaredAge(mark);
        }
        return AgeDeclaration.yearsBetween(LocalDate.ofEpochDay(born), at, zone);
    }

    /** The instant of a microsecond count (never out of range: a count is at most about 292,000 years). */
    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
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

    /** What every answer of one decision shares: the purpose, ledger, instant, policy and jurisdiction applied. */
    private static final class Decider {
        final Purpose purpose;
        final Ledger ledger;
        final Instant at;
        final Policy policy;
        final Optional<JurisdictionId> jurisdiction;

        Decider(Purpose purpose, Ledger ledger, Instant at, Policy policy, Jurisdiction jurisdiction) {
            this.purpose = purpose;
            this.ledger = ledger;
            this.at = at;
            this.policy = policy;
            this.jurisdiction = jurisdiction == null ? Optional.empty() : Optional.of(jurisdiction.id());
        }

        Decision decision(Reason reason, int mark) {
            return new Decision(reason.allows(), reason, purpose.id(), purpose.basis(),
                    mark < 0 ? Optional.empty() : Optional.of(new EventRef(ledger.subject(mark), ledger.sequence(mark))),
                    at, policy.version(), jurisdiction);
        }
    }

    /**
     * The jurisdiction whose rules hold the subject at {@code at} (see the class comment): the one covering the
     * latest location recorded by then, or the strictest rules; null when the policy declares no jurisdictions.
     *
     * @param ledger the subject's ledger
     * @param policy the policy in force at {@code at}
     * @param at the instant
     * @return the jurisdiction, or null
     */
    public static Jurisdiction jurisdictionAt(Ledger ledger, Policy policy, Instant at) {
        return jurisdictionAt(ledger, policy, Ledger.micros(at));
    }

    private static Jurisdiction jurisdictionAt(Ledger ledger, Policy policy, long t) {
        Optional<JurisdictionRules> rules = policy.jurisdictionRules();
        if (rules.isEmpty()) {
            return null;
        }
        int mark = latestLocation(ledger, t);
        return rules.get().forRegion(mark < 0 ? Optional.empty() : Optional.ofNullable(ledger.region(mark)));
    }

    /**
     * The mark of the latest location recorded with an occurred-at at or before {@code t} (of the same instant, the
     * one sorted last: the higher sequence), or -1.
     *
     * @param ledger the subject's ledger
     * @param t the instant, in microseconds
     * @return the mark, or -1
     */
    static int latestLocation(Ledger ledger, long t) {
        if (!ledger.locates()) {
            return -1;
        }
        for (int i = ledger.size() - 1; i >= 0; i--) {
            if (ledger.occurredMicros(i) <= t && ledger.choice(i) == Choice.LOCATION_RECORDED) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The region of the latest location recorded with an occurred-at at or before {@code at}.
     *
     * @param ledger the subject's ledger
     * @param at the instant
     * @return the region code, or empty when none was recorded by then
     */
    public static Optional<String> regionAt(Ledger ledger, Instant at) {
        int mark = latestLocation(ledger, Ledger.micros(at));
        return mark < 0 ? Optional.empty() : Optional.ofNullable(ledger.region(mark));
    }
}
