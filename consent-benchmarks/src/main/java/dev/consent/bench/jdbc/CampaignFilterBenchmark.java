package dev.consent.bench.jdbc;

import dev.consent.ConsentService;
import dev.consent.bench.BenchDb;
import dev.consent.email.CampaignAudience;
import dev.consent.email.CampaignFilter;
import dev.consent.email.CampaignId;
import dev.consent.email.EmailAddress;
import dev.consent.email.Recipient;
import dev.consent.email.Suppression;
import dev.consent.email.SuppressionKeys;
import dev.consent.email.SuppressionReason;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.SubjectId;
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

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A campaign's audience filter with the suppression list and per-recipient proof, against the same filter without
 * them.
 *
 * <p><b>Measured:</b> {@link CampaignFilter#filter} over all {@code subjects} preloaded subjects, each with its address,
 * for the newsletter: per chunk of {@code chunk} recipients one decision read, one suppression lookup (every address
 * hashed under both keys of a rotated ring) and one batched write of the included recipients' proof. Each call is a new
 * campaign, so every call writes its proof (about three in four subjects).
 *
 * <p><b>Yardstick:</b> {@link #plainFilter}: {@link ConsentService#filterAllowed} over the same subjects with the same
 * chunk size, on a cold cache: the same decisions, no suppression and no proof.
 *
 * <p><b>Target:</b> at most 1.3x the yardstick's time.
 *
 * <p><b>Data:</b> {@link LedgerFixture#twoChoices} per subject (three in four may be sent the newsletter), one address
 * in a hundred on the suppression list, loaded in the trial setup; {@code ANALYZE} after.
 *
 * <p><b>Score:</b> milliseconds per call over all subjects. <b>Sizes:</b> small (default) {@code -p subjects=100000};
 * full {@code -p subjects=1000000}; database {@code -p database=postgresql|h2|mariadb}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Benchmark)
public class CampaignFilterBenchmark {
    @Param("postgresql")
    public String database;

    @Param("100000")
    public int subjects;

    @Param("1000")
    public int chunk;

    private BenchDb db;
    private ConsentService service;
    private CampaignFilter filter;
    private List<SubjectId> asked;
    private List<Recipient> audience;
    private int campaigns;

    @Setup(Level.Trial)
    public void load() {
        db = BenchDb.open(database, 4);
        JdbcStore store = db.store();
        service = LedgerFixture.service(store, 100_000, chunk);
        SubjectId[] keys = LedgerFixture.randomSubjects(subjects, 11);
        LedgerFixture.preload(service, keys, 10_000);
        Suppression suppression = Suppression.builder().store(store)
                .keys(SuppressionKeys.of("k2", secret('b')).withOlder("k1", secret('a'))).build();
        audience = new ArrayList<>(subjects);
        for (int i = 0; i < keys.length; i++) {
            EmailAddress address = EmailAddress.of("user" + i + "@mail.example");
            audience.add(new Recipient(keys[i], address));
            if (i % 100 == 1) {
                suppression.suppress(address, SuppressionReason.NEVER_CONTACT);
            }
        }
        db.analyze();
        asked = Collections.unmodifiableList(Arrays.asList(keys));
        filter = CampaignFilter.builder().consents(service).store(store).suppression(suppression).chunkSize(chunk)
                .build();
        CampaignAudience first = filter.filter(CampaignId.of("check"), LedgerFixture.NEWSLETTER, audience);
        int plain = service.filterAllowed(asked, LedgerFixture.NEWSLETTER).size();
        if (first.included().size() + first.suppressed().size() != plain || first.suppressed().isEmpty()) {
            throw new IllegalStateException("the campaign included " + first.included().size() + " and suppressed "
                    + first.suppressed().size() + "; the plain filter allowed " + plain);
        }
    }

    private static byte[] secret(char c) {
        return String.valueOf(c).repeat(32).getBytes(StandardCharsets.US_ASCII);
    }

    @Setup(Level.Iteration)
    public void coldCache() {
        service.invalidateCache();
    }

    @TearDown(Level.Trial)
    public void close() {
        service.close();
        db.close();
    }

    @Benchmark
    public CampaignAudience withSuppressionAndProof() {
        return filter.filter(CampaignId.of("campaign-" + ++campaigns), LedgerFixture.NEWSLETTER, audience);
    }

    @Benchmark
    public List<SubjectId> plainFilter() {
        return service.filterAllowed(asked, LedgerFixture.NEWSLETTER);
    }
}
