package dev.consent.bench.signals;

import com.iab.gpp.encoder.GppModel;
import com.iab.gpp.encoder.section.EncodableSection;
import com.iab.gpp.encoder.section.TcfEuV2;
import dev.consent.ConsentService;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.signals.ConsentSignals;
import dev.consent.signals.SignalResult;
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
import org.openjdk.jmh.infra.Blackhole;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Decoding and applying the strings a certified banner hands over (docs/signals.md), on the in-memory store, one thread.
 *
 * <p><b>Measured:</b> {@link #applyTcString}: {@link ConsentSignals#applyTcString} of a TC string for a subject seen
 * for the first time (checks, iabgpp decode, the policy's mapping, the subject's history read, SHA-256 of the string,
 * and the implied choices recorded: six events with their hash chain); {@link #applyGppString}: the same for a GPP
 * string with usnat and usca sections (one or two events); {@link #reapplyTcString}: the same TC string again for the
 * same subject, as a banner sends it on every page view ({@code ALREADY_APPLIED}: decode, map, history read, nothing
 * written).
 *
 * <p><b>Yardstick:</b> IAB Tech Lab's decoder alone: {@link #decodeTcString} ({@code new TcfEuV2(s)} and every field
 * the mapping reads: purposes, legitimate interests, special features, vendor consents and interests, disclosed vendors,
 * policy version, LastUpdated) and {@link #decodeGppString} ({@code new GppModel(s)} and the opt-out fields of both
 * sections). The ratio says what checking, mapping and recording add to decoding.
 *
 * <p><b>Data:</b> {@code strings} distinct strings of each kind ({@link SignalFixture}: TC strings disclose 300 vendors,
 * about 150 consented), taken in turn; every apply is for a new subject, on a new service and store per iteration so the
 * store's size does not grow across iterations. <b>Score:</b> microseconds per string; strings per second is
 * 1,000,000 / score. <b>Sizes:</b> {@code -p strings=256} (default) both small and full.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Benchmark)
public class SignalApplyBenchmark {
    private static final Instant RECEIVED = Instant.parse("2025-10-01T12:00:00Z");

    @Param("256")
    public int strings;

    private Policy policy;
    private String[] tc;
    private String[] gpp;
    private ConsentService consents;
    private ConsentSignals signals;
    private SubjectId returning;
    private long next;

    @Setup(Level.Trial)
    public void strings() {
        policy = SignalFixture.policy();
        tc = SignalFixture.tcStrings(strings, 42).toArray(String[]::new);
        gpp = SignalFixture.gppStrings(strings, 43).toArray(String[]::new);
    }

    @Setup(Level.Iteration)
    public void service() {
        consents = ConsentService.builder().policy(policy).store(new InMemoryStore()).build();
        signals = new ConsentSignals(consents, policy);
        returning = SubjectId.of("returning-visitor");
        check(signals.applyTcString(returning, tc[0], RECEIVED), SignalResult.Status.APPLIED, 6);
        check(signals.applyTcString(returning, tc[0], RECEIVED), SignalResult.Status.ALREADY_APPLIED, 6);
        check(signals.applyGppString(SubjectId.of("us-visitor"), gpp[0], RECEIVED), SignalResult.Status.APPLIED, -1);
    }

    private static void check(SignalResult r, SignalResult.Status expected, int events) {
        if (r.status() != expected || events >= 0 && r.events().size() != events) {
            throw new IllegalStateException("setup: expected " + expected + " with " + events + " events, got "
                    + r.status() + " with " + r.events().size() + ": " + r.detail());
        }
    }

    @TearDown(Level.Iteration)
    public void close() {
        consents.close();
    }

    private SubjectId newSubject() {
        return SubjectId.of("visitor-" + next++);
    }

    @Benchmark
    public SignalResult applyTcString() {
        return signals.applyTcString(newSubject(), tc[(int) (next % strings)], RECEIVED);
    }

    @Benchmark
    public SignalResult applyGppString() {
        return signals.applyGppString(newSubject(), gpp[(int) (next % strings)], RECEIVED);
    }

    @Benchmark
    public SignalResult reapplyTcString() {
        return signals.applyTcString(returning, tc[0], RECEIVED);
    }

    @Benchmark
    public void decodeTcString(Blackhole bh) {
        TcfEuV2 s = new TcfEuV2(tc[(int) (next++ % strings)]);
        bh.consume(s.getPolicyVersion());
        bh.consume(s.getLastUpdated());
        bh.consume(s.getPurposeConsents());
        bh.consume(s.getPurposeLegitimateInterests());
        bh.consume(s.getSpecialFeatureOptins());
        bh.consume(s.getVendorConsents());
        bh.consume(s.getVendorLegitimateInterests());
        bh.consume(s.getVendorsDisclosed());
    }

    @Benchmark
    public void decodeGppString(Blackhole bh) {
        GppModel m = new GppModel(gpp[(int) (next++ % strings)]);
        for (String section : List.of("usnat", "usca")) {
            EncodableSection s = m.getSection(section);
            bh.consume(s.getFieldValue("SaleOptOut"));
            bh.consume(s.getFieldValue("SharingOptOut"));
        }
        bh.consume(m.getSection("usnat").getFieldValue("TargetedAdvertisingOptOut"));
    }
}
