package dev.consent;

import dev.consent.internal.ConsentFold;
import dev.consent.internal.Ledger;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.EventId;
import dev.consent.ledger.GpcOutcome;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The choices one request makes across a policy's purposes (withdraw everything, restrict, lift a restriction, a GPC
 * signal), derived from the policy in force and the subject's ledger with the same rules and tie-breaks as the
 * decisions themselves ({@link ConsentFold}), so that what is recorded is what a check sees. Each record made for one
 * of several purposes gets its own event id, derived from the capture's ({@link EventId#derive}).
 */
final class PolicyWideChoices {
    private PolicyWideChoices() {
    }

    /** The choices a GPC signal records, and its effect on each purpose flagged for sale or sharing. */
    record GpcRecords(Map<PurposeId, GpcOutcome.Effect> effects, List<ChoiceRecord> records) {
    }

    /** A withdrawal of every purpose on consent whose grant stands at {@code now}. */
    static List<ChoiceRecord> withdrawAll(SubjectId subject, Capture capture, Ledger ledger, Policy policy,
            Instant now) {
        List<ChoiceRecord> records = new ArrayList<>();
        for (Purpose p : policy.purposes()) {
            if (p.basis() == LegalBasis.CONSENT && ConsentFold.grantStands(ledger, policy, p.id(), now)) {
                records.add(new ChoiceRecord(subject, p.id(), Choice.WITHDRAWN, distinct(capture, p)));
            }
        }
        return records;
    }

    /** {@code choice} (a restriction or its lifting) on every root purpose; children inherit it. */
    static List<ChoiceRecord> onRootPurposes(SubjectId subject, Choice choice, Capture capture, Policy policy) {
        List<ChoiceRecord> records = new ArrayList<>();
        for (Purpose p : policy.purposes()) {
            if (p.parent().isEmpty()) {
                records.add(new ChoiceRecord(subject, p.id(), choice, distinct(capture, p)));
            }
        }
        return records;
    }

    /**
     * What a GPC signal recorded with {@code gpc} does to each purpose flagged {@code saleOrSharing}, and the
     * records it adds: none where the signal is already on record since the last explicit choice.
     */
    static GpcRecords gpc(SubjectId subject, Capture gpc, Ledger ledger, Policy policy, Instant now) {
        Map<PurposeId, GpcOutcome.Effect> effects = new LinkedHashMap<>();
        List<ChoiceRecord> records = new ArrayList<>();
        dev.consent.policy.Jurisdiction jurisdiction = ConsentFold.jurisdictionAt(ledger, policy, now);
        boolean advisory = jurisdiction != null && !jurisdiction.gpcBinds();
        // where jurisdictions are declared and the signal binds, it beats a grant made before it (11 CCR § 7025(c)(3))
        boolean beatsGrant = jurisdiction != null && jurisdiction.gpcBinds();
        for (Purpose p : policy.purposes()) {
            if (!p.saleOrSharing()) {
                continue;
            }
            // the same order and tie-breaks as the decisions themselves, so the effect reported is the one checked
            ConsentFold.GpcState state = ConsentFold.gpcState(ledger, policy, p.id(), now);
            GpcOutcome.Effect effect = state.explicit() == null
                    ? (advisory ? GpcOutcome.Effect.ADVISORY : GpcOutcome.Effect.APPLIED)
                    : state.explicit() == Choice.GRANTED
                    ? (beatsGrant ? GpcOutcome.Effect.APPLIED : GpcOutcome.Effect.OVERRIDDEN)
                    : GpcOutcome.Effect.ALREADY_REFUSED;
            effects.put(p.id(), effect);
            if (!state.signalOnRecord()) {
                // a signal an explicit grant overrides is recorded as what it was, not as a denial
                // (Cal. Code Regs. tit. 11, § 7025(c)(3)); otherwise it opts out (§ 7025(c)(1))
                // an advisory signal is recorded as a binding one would be: it decides nothing where it is advisory,
                // and binds from the moment the subject is held to a jurisdiction where it binds
                Choice choice = effect == GpcOutcome.Effect.OVERRIDDEN ? Choice.GPC_OVERRIDDEN
                        : p.basis() == LegalBasis.CONSENT ? Choice.DENIED : Choice.OBJECTED;
                records.add(new ChoiceRecord(subject, p.id(), choice, distinct(gpc, p)));
            }
        }
        return new GpcRecords(effects, records);
    }

    /**
     * An opt-out ({@link dev.consent.policy.OptOut}) of each of {@code purposes}: a denial of a purpose on consent, an
     * objection to one on legitimate interests or public task (a refusal either way, which beats any grant before it).
     */
    static List<ChoiceRecord> optOut(SubjectId subject, java.util.Set<PurposeId> purposes, Capture capture,
            Policy policy) {
        List<ChoiceRecord> records = new ArrayList<>();
        for (Purpose p : policy.purposes()) {
            if (purposes.contains(p.id())) {
                Choice choice = p.basis() == LegalBasis.CONSENT ? Choice.DENIED : Choice.OBJECTED;
                records.add(new ChoiceRecord(subject, p.id(), choice, distinct(capture, p)));
            }
        }
        return records;
    }

    /**
     * A capture applied to several purposes needs one event id per purpose: derived from the given id so that it fits
     * whatever the lengths of that id and of the purpose id ({@link EventId#derive}).
     */
    private static Capture distinct(Capture capture, Purpose p) {
        return capture.eventId().map(id -> capture.withEventId(id.derive(p.id().value()))).orElse(capture);
    }
}
