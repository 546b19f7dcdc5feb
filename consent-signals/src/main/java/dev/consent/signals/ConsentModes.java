package dev.consent.signals;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.InvalidValueException;
import dev.consent.UnknownPurposeException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import dev.consent.policy.SignalMappings;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Google Consent Mode v2 signals from the consent service's decisions now, through the policy's mapping
 * ({@link ConsentMode#derive}): for one subject (the page) or for many (audiences and server-side uploads). A purpose
 * the policy in force does not declare is denied, never an error that would let a caller fall back to granted.
 * Thread-safe as the service is.
 *
 * @param consents the service asked for decisions
 * @param policy the policy whose {@code signals.consentMode} mapping is applied
 */
public record ConsentModes(ConsentService consents, Policy policy) {

    /**
     * Checks that the policy maps decisions onto Consent Mode.
     *
     * @param consents the service asked for decisions
     * @param policy the policy whose mapping is applied
     * @throws InvalidValueException naming {@code consents} or {@code policy} when null, or {@code policy.signals}
     *         when the policy declares no signal mapping
     */
    public ConsentModes {
        SignalChecks.required("consents", consents);
        SignalChecks.required("policy", policy);
        if (policy.signals().isEmpty()) {
            throw new InvalidValueException("policy.signals", policy.id() + " " + policy.version(),
                    "is not declared: the policy maps no decisions onto Google Consent Mode (docs/signals.md)");
        }
    }

    private SignalMappings mapping() {
        return policy.signals().orElseThrow();
    }

    private Set<PurposeId> purposes() {
        Set<PurposeId> out = new LinkedHashSet<>();
        mapping().consentMode().values().forEach(out::addAll);
        return out;
    }

    /**
     * The subject's signals now, one {@link ConsentService#check} per purpose the mapping names.
     *
     * @param subject whose signals
     * @return the signals; denied wherever a decision does not allow
     */
    public ConsentMode forSubject(SubjectId subject) {
        SignalChecks.required("subject", subject);
        Map<PurposeId, Decision> decisions = new HashMap<>();
        for (PurposeId p : purposes()) {
            try {
                decisions.put(p, consents.check(subject, p));
            } catch (UnknownPurposeException e) {
                // not declared by the policy in force: no decision, so denied
            }
        }
        return ConsentMode.derive(mapping(), decisions::get);
    }

    /**
     * Every subject's signals now, in the order given: one bulk {@link ConsentService#checkAll} per purpose the mapping
     * names, so the store is read in chunks rather than subject by subject.
     *
     * @param subjects the audience
     * @return each subject's signals, in the order given
     */
    public Map<SubjectId, ConsentMode> forSubjects(Collection<SubjectId> subjects) {
        SignalChecks.required("subjects", subjects);
        List<SubjectId> list = List.copyOf(subjects);
        Map<PurposeId, Map<SubjectId, Decision>> byPurpose = new HashMap<>();
        for (PurposeId p : purposes()) {
            try {
                byPurpose.put(p, consents.checkAll(list, p));
            } catch (UnknownPurposeException e) {
                byPurpose.put(p, Map.of());
            }
        }
        Map<SubjectId, ConsentMode> out = new LinkedHashMap<>();
        for (SubjectId s : list) {
            out.put(s, ConsentMode.derive(mapping(), p -> byPurpose.getOrDefault(p, Map.of()).get(s)));
        }
        return out;
    }

    /**
     * Every subject's upload consent ({@link ConsentMode#uploadConsent()}) now, in the order given.
     *
     * @param subjects the subjects of an upload
     * @return each subject's upload consent
     */
    public Map<SubjectId, AdsUploadConsent> uploadConsents(Collection<SubjectId> subjects) {
        Map<SubjectId, AdsUploadConsent> out = new LinkedHashMap<>();
        forSubjects(subjects).forEach((s, m) -> out.put(s, m.uploadConsent()));
        return out;
    }
}
