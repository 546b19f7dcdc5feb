package dev.consent.bench.signals;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import dev.consent.policy.SignalMappings;
import dev.consent.signals.ConsentMode;
import dev.consent.signals.ConsentModes;
import dev.consent.store.InMemoryStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Google Consent Mode v2 signals for an audience in bulk (docs/signals.md), on the in-memory store.
 *
 * <p><b>Measured:</b> {@link #library}: {@link ConsentModes#forSubjects} over all {@code subjects}: one bulk
 * {@link ConsentService#checkAll} per purpose the policy's {@code consentMode} mapping names (five), then each
 * subject's seven signals derived ({@link ConsentMode#derive}) into a map in audience order.
 *
 * <p><b>Yardstick:</b> {@link #bulkDecisionsOnly}: the same five {@code checkAll} calls and nothing else, so the ratio
 * is what the derivation and its map add to the decisions it needs. Decomposition: {@link #deriveOnly}, a plain loop
 * of {@link ConsentMode#derive} over decisions computed in setup (no store, no service).
 *
 * <p><b>Data:</b> each subject has device storage, personalised ads and analytics granted or denied at random (seeded),
 * personalised content left unasked; loaded through {@link ConsentService#record} in batches of 10,000 events.
 * <b>Score:</b> milliseconds per call over all subjects. <b>Sizes:</b> small (default) {@code -p subjects=100000};
 * full {@code -p subjects=1000000}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Benchmark)
public class ConsentModeBulkBenchmark {
    @Param("100000")
    public int subjects;

    private ConsentService consents;
    private ConsentModes modes;
    private List<SubjectId> audience;
    private List<PurposeId> mapped;
    private SignalMappings mapping;
    private List<Map<PurposeId, Decision>> precomputed;

    @Setup(Level.Trial)
    public void load() {
        Policy policy = SignalFixture.policy();
        consents = ConsentService.builder().policy(policy).store(new InMemoryStore()).build();
        modes = new ConsentModes(consents, policy);
        mapping = policy.signals().orElseThrow();
        Set<PurposeId> purposes = new LinkedHashSet<>();
        mapping.consentMode().values().forEach(purposes::addAll);
        mapped = List.copyOf(purposes);
        Random random = new Random(7);
        audience = new ArrayList<>(subjects);
        List<ChoiceRecord> batch = new ArrayList<>();
        int adsGranted = 0;
        for (int i = 0; i < subjects; i++) {
            SubjectId s = SubjectId.of("customer-" + i);
            audience.add(s);
            boolean storage = random.nextInt(10) < 8;
            boolean ads = random.nextBoolean();
            adsGranted += storage && ads ? 1 : 0;
            batch.add(choice(s, SignalFixture.STORAGE, storage));
            batch.add(choice(s, SignalFixture.ADS, ads));
            batch.add(choice(s, SignalFixture.ANALYTICS, random.nextInt(10) < 6));
            if (batch.size() >= 10_000) {
                consents.record(batch);
                batch.clear();
            }
        }
        consents.record(batch);
        precomputed = new ArrayList<>(subjects);
        Map<PurposeId, Map<SubjectId, Decision>> byPurpose = bulkDecisionsOnly();
        for (SubjectId s : audience) {
            Map<PurposeId, Decision> d = new HashMap<>();
            byPurpose.forEach((p, all) -> d.put(p, all.get(s)));
            precomputed.add(d);
        }
        long granted = library().values().stream()
                .filter(m -> m.status(SignalMappings.ConsentModeType.AD_STORAGE) == ConsentMode.Status.GRANTED).count();
        if (granted != adsGranted) {
            throw new IllegalStateException("setup: " + adsGranted + " subjects should have ad_storage granted, the"
                    + " derivation says " + granted);
        }
    }

    private static ChoiceRecord choice(SubjectId s, PurposeId p, boolean granted) {
        return new ChoiceRecord(s, p, granted ? Choice.GRANTED : Choice.DENIED, Capture.by(Method.COOKIE_BANNER));
    }

    @TearDown(Level.Trial)
    public void close() {
        consents.close();
    }

    @Benchmark
    public Map<SubjectId, ConsentMode> library() {
        return modes.forSubjects(audience);
    }

    @Benchmark
    public Map<PurposeId, Map<SubjectId, Decision>> bulkDecisionsOnly() {
        Map<PurposeId, Map<SubjectId, Decision>> out = new HashMap<>();
        for (PurposeId p : mapped) {
            out.put(p, consents.checkAll(audience, p));
        }
        return out;
    }

    @Benchmark
    public ConsentMode[] deriveOnly() {
        ConsentMode[] out = new ConsentMode[precomputed.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ConsentMode.derive(mapping, precomputed.get(i)::get);
        }
        return out;
    }
}
