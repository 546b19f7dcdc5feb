package dev.consent;

import dev.consent.internal.Checks;
import dev.consent.internal.ConsentFold;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Tells the {@link ConsentService#onMinorFound} listeners of every subject that a newly recorded declaration makes a
 * known minor under the service-wide minimum age (seed 004, section 8; GDPR Art. 8, Art. 17(1)). Runs after the
 * declaration is stored, reading the subject's ledger from the store, so that the latest declaration decides (as the
 * checks do). A listener that throws makes the call that recorded the declaration throw after the event is stored;
 * recording it again with the same event id (a redelivery) tells the listeners again.
 */
final class AgeFindings {
    private final List<Consumer<MinorFound>> listeners = new CopyOnWriteArrayList<>();
    private final PolicyVersions versions;
    private final LedgerLoader loader;
    private final Clock clock;
    private final boolean anyMinimumAge;

    AgeFindings(PolicyVersions versions, LedgerLoader loader, Clock clock) {
        this.versions = versions;
        this.loader = loader;
        this.clock = clock;
        this.anyMinimumAge = versions.all().stream().anyMatch(p -> p.minimumAge().isPresent());
    }

    void add(Consumer<MinorFound> listener) {
        listeners.add(Checks.required("listener", listener));
    }

    /** The subject's age at {@code at} by the declarations made by {@code knownAt}, in the zone of the policy in force at {@code at}. */
    OptionalInt ageAt(SubjectId subject, Instant at, Instant knownAt) {
        return ConsentFold.ageAt(loader.load(subject), at, knownAt, versions.at(at).zone());
    }

    /** Tells the listeners of each subject among {@code events} whose declarations make it a known minor now. */
    void afterRecording(List<ConsentEvent> events) {
        if (listeners.isEmpty() || !anyMinimumAge) {
            return;
        }
        Map<SubjectId, ConsentEvent> declared = new LinkedHashMap<>();
        for (ConsentEvent e : events) {
            if (e.declaredAge().isPresent()) {
                declared.put(e.subject(), e);
            }
        }
        if (declared.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        Policy policy = versions.at(now);
        if (policy.minimumAge().isEmpty()) {
            return;
        }
        int minimum = policy.minimumAge().getAsInt();
        for (Map.Entry<SubjectId, ConsentEvent> d : declared.entrySet()) {
            OptionalInt age = ConsentFold.ageAt(loader.load(d.getKey()), now, policy.zone());
            if (age.isPresent() && age.getAsInt() < minimum) {
                MinorFound found = new MinorFound(d.getKey(), d.getValue().recordedAt(), age.getAsInt(), minimum,
                        d.getValue().ref());
                listeners.forEach(l -> l.accept(found));
            }
        }
    }
}
