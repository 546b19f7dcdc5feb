package dev.consent.signals;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Applies IAB TCF TC strings and IAB GPP strings to a subject: the choices they imply under the policy's
 * {@link dev.consent.policy.SignalMappings} ({@link ImpliedChoice}) are recorded through
 * {@link ConsentService#record(List)} as ordinary consent events, captured by {@link Method#COOKIE_BANNER} at the
 * instant the host received the string, with evidence holding the string's SHA-256 ({@code noticeHash}), its kind
 * ({@code noticeId} {@code iab-tcf-v2} or {@code iab-gpp-v1}), its consent language, and its CMP id and version,
 * Created, LastUpdated, vendor-list and policy versions and GPP section ids ({@code reference}).
 *
 * <p>Guarantees, per subject and kind of string: the same string applied again writes nothing
 * ({@link SignalResult.Status#ALREADY_APPLIED}; its event ids are derived from the string's hash, the subject and the
 * purpose, so even two concurrent applications record it once); a string older than one applied already, by
 * LastUpdated or by the instant received, writes nothing ({@link SignalResult.Status#STALE}); a newer one is recorded
 * and supersedes, since the ledger decides by the latest choice. A string that breaks a rule throws
 * {@link InvalidSignalException} naming the field, and nothing is recorded. Thread-safe as the service is.
 *
 * @param consents the service the events are recorded through
 * @param policy the policy whose mapping is applied: the one the service decides under when the strings arrive
 */
public record ConsentSignals(ConsentService consents, Policy policy) {

    /**
     * Checks that the policy maps consent signals onto its purposes.
     *
     * @param consents the service the implied choices are recorded through
     * @param policy the policy whose mapping is applied
     * @throws InvalidValueException naming {@code consents} or {@code policy} when null, or {@code policy.signals}
     *         when the policy declares no signal mapping
     */
    public ConsentSignals {
        SignalChecks.required("consents", consents);
        SignalChecks.required("policy", policy);
        if (policy.signals().isEmpty()) {
            throw new InvalidValueException("policy.signals", policy.id() + " " + policy.version(),
                    "is not declared: the policy maps no consent signals onto its purposes (docs/signals.md)");
        }
    }

    /**
     * Decodes a TC string, checks it, and records the choices it implies.
     *
     * @param receivedAt when the host received the string from the banner: the events' occurred-at
     * @param subject whose choices the string carries
     * @param tcString the TC string as the banner wrote it
     * @return what was recorded, or why nothing was
     * @throws InvalidSignalException when the string breaks a rule ({@link TcString#decode(String)}), or lacks the
     *         Disclosed Vendors segment the policy requires
     */
    public SignalResult applyTcString(SubjectId subject, String tcString, Instant receivedAt) {
        SignalChecks.required("subject", subject);
        SignalChecks.required("receivedAt", receivedAt);
        TcString tc = TcString.decode(tcString);
        SignalMapper.Mapping mapping = SignalMapper.map(policy, Optional.of(tc), List.of(), List.of());
        return apply(subject, SignalEvidence.TCF, tc.sha256(), Optional.of(tc.lastUpdated()),
                SignalEvidence.tcf(tc, tc.sha256()), mapping, receivedAt);
    }

    /**
     * Decodes a GPP string, checks it, and records the choices its tcfeuv2 and US sections imply; sections the
     * mapping does not cover are reported in {@link SignalResult#unmapped()}.
     *
     * @param receivedAt when the host received the string: the events' occurred-at (US sections carry no time)
     * @param subject whose choices the string carries
     * @param gppString the GPP string as the banner wrote it
     * @return what was recorded, or why nothing was
     * @throws InvalidSignalException when the string breaks a rule ({@link GppString#decode(String)})
     */
    public SignalResult applyGppString(SubjectId subject, String gppString, Instant receivedAt) {
        SignalChecks.required("subject", subject);
        SignalChecks.required("receivedAt", receivedAt);
        GppString gpp = GppString.decode(gppString);
        SignalMapper.Mapping mapping = SignalMapper.map(policy, gpp.tcfEu(), gpp.usSections(), gpp.otherSections());
        return apply(subject, SignalEvidence.GPP, gpp.sha256(), gpp.tcfEu().map(TcString::lastUpdated),
                SignalEvidence.gpp(gpp), mapping, receivedAt);
    }

    private SignalResult apply(SubjectId subject, String kind, String hash, Optional<Instant> lastUpdated,
            Evidence evidence, SignalMapper.Mapping mapping, Instant receivedAt) {
        List<ConsentEvent> prior = consents.history(subject).stream()
                .filter(e -> kind.equals(e.evidence().noticeId())).toList();
        List<ConsentEvent> same = prior.stream().filter(e -> hash.equals(e.evidence().noticeHash())).toList();
        if (!same.isEmpty()) {
            return result(SignalResult.Status.ALREADY_APPLIED, hash, mapping, same,
                    "this string was applied for the subject at " + same.get(0).occurredAt());
        }
        Optional<Instant> latestUpdate = prior.stream().map(SignalEvidence::lastUpdated).flatMap(Optional::stream)
                .max(Comparator.naturalOrder());
        if (lastUpdated.isPresent() && latestUpdate.isPresent() && lastUpdated.get().isBefore(latestUpdate.get())) {
            return result(SignalResult.Status.STALE, hash, mapping, List.of(), "its LastUpdated " + lastUpdated.get()
                    + " is before " + latestUpdate.get() + ", that of a string applied already");
        }
        Optional<Instant> latestReceived = prior.stream().map(ConsentEvent::occurredAt).max(Comparator.naturalOrder());
        if (latestReceived.isPresent() && !receivedAt.isAfter(latestReceived.get())) {
            return result(SignalResult.Status.STALE, hash, mapping, List.of(), "it was received at " + receivedAt
                    + ", not after " + latestReceived.get() + ", when a string applied already was received");
        }
        if (mapping.choices().isEmpty()) {
            return result(SignalResult.Status.NOTHING_IMPLIED, hash, mapping, List.of(),
                    "the string implies no choice for a purpose the policy maps");
        }
        EventId base = EventId.of("iab-" + TcString.sha256(hash + "/" + subject.value()).substring(0, 40));
        List<ChoiceRecord> records = new ArrayList<>();
        for (ImpliedChoice c : mapping.choices()) {
            records.add(new ChoiceRecord(subject, c.purpose(), c.choice(), Capture.by(Method.COOKIE_BANNER)
                    .at(receivedAt).withEvidence(evidence).withEventId(base.derive(c.purpose().value()))));
        }
        List<ConsentEvent> events = consents.record(records);
        return result(SignalResult.Status.APPLIED, hash, mapping, events,
                events.size() + " choice(s) recorded");
    }

    private static SignalResult result(SignalResult.Status status, String hash, SignalMapper.Mapping mapping,
            List<ConsentEvent> events, String detail) {
        return new SignalResult(status, hash, mapping.choices(), mapping.unmapped(), events, detail);
    }
}
