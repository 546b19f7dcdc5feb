package dev.consent.examples.seeds;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.examples.SeedPolicies;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.PurposeId;
import dev.consent.retention.DisposalRequest;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.rights.RightsService;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.TestKeys;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One seed shop running on the real services over one in-memory store, with a clock the test moves: consent
 * checks, retention (a disposal handler per category that records what it was asked to do; told by the consent
 * service of every minor found when an age is declared) and rights requests.
 */
final class Shop implements AutoCloseable {
    final MutableClock clock;
    final InMemoryStore store = new InMemoryStore();
    final ConsentService consents;
    final RetentionService retention;
    final Sweeper sweeper;
    final RightsService rights;
    /** What the disposal handlers were asked to do, in order. */
    final List<DisposalRequest> disposed = Collections.synchronizedList(new ArrayList<>());

    /**
     * A shop at {@code startIso} under the given policy versions, one view of them shared by consent, retention and
     * rights; the sweeper has a handler for every category of any version.
     */
    private Shop(String startIso, List<Policy> versions) {
        this.clock = MutableClock.at(startIso);
        ConsentService.Builder cb = ConsentService.builder().store(store).clock(clock);
        versions.forEach(cb::policy);
        this.consents = cb.build();
        this.retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .consents(consents).store(store).clock(clock).build();
        Sweeper.Builder sb = Sweeper.builder(retention);
        Set<String> categories = new TreeSet<>();
        versions.forEach(v -> v.categories().forEach(c -> categories.add(c.id().value())));
        categories.forEach(c -> sb.handler(c, disposed::add));
        this.sweeper = sb.build();
        this.rights = RightsService.builder().consents(consents).sweeper(sweeper).store(store).build();
    }

    /** The shop of one seed policy file (see {@link SeedPolicies}). */
    static Shop of(String seedFile, String startIso) {
        return new Shop(startIso, List.of(SeedPolicies.load(seedFile)));
    }

    /** A shop with several versions of one policy. */
    static Shop withVersions(String startIso, Policy... versions) {
        return new Shop(startIso, Arrays.asList(versions));
    }

    /** A policy version kept only for tests, under {@code src/test/resources/history/}. */
    static Policy history(String file) {
        String resource = "/history/" + file;
        try (InputStream in = Shop.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test policy " + resource);
            }
            return PolicyJson.read(in, resource);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Policy policy() {
        return consents.policy();
    }

    Instant now() {
        return clock.instant();
    }

    Decision check(SubjectId subject, String purpose) {
        return consents.check(subject, PurposeId.of(purpose));
    }

    Decision checkAt(SubjectId subject, String purpose, Instant at) {
        return consents.check(subject, PurposeId.of(purpose), at);
    }

    /** The subject's own grant through {@code method}, with a declared age of {@code age}. */
    void grant(SubjectId subject, String purpose, Method method, int age) {
        consents.grant(subject, PurposeId.of(purpose), Capture.by(method).withDeclaredAge(age));
    }

    void grant(SubjectId subject, String purpose, Method method) {
        consents.grant(subject, PurposeId.of(purpose), Capture.by(method));
    }

    void grantByGuardian(SubjectId subject, String purpose, Method method, int subjectAge) {
        consents.grant(subject, PurposeId.of(purpose),
                Capture.by(method).withActor(Actor.GUARDIAN).withDeclaredAge(subjectAge));
    }

    void deny(SubjectId subject, String purpose, Method method) {
        consents.deny(subject, PurposeId.of(purpose), Capture.by(method));
    }

    void withdraw(SubjectId subject, String purpose, Method method) {
        consents.withdraw(subject, PurposeId.of(purpose), Capture.by(method));
    }

    void object(SubjectId subject, String purpose, Method method) {
        consents.object(subject, PurposeId.of(purpose), Capture.by(method));
    }

    /** The categories the disposal handlers were asked about, in order. */
    List<String> disposedCategories() {
        synchronized (disposed) {
            return disposed.stream().map(r -> r.item().category().value()).toList();
        }
    }

    @Override
    public void close() {
        consents.close();
    }
}
