package dev.consent.bench;

import dev.consent.ConsentService;
import dev.consent.email.Confirmation;
import dev.consent.email.DoubleOptIn;
import dev.consent.email.EmailKeys;
import dev.consent.email.OneClickUnsubscribe;
import dev.consent.email.OptInRequest;
import dev.consent.email.UnsubscribeLink;
import dev.consent.email.Unsubscription;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.store.InMemoryStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Issuing and verifying the email tokens (docs/email.md), on the in-memory store.
 *
 * <p><b>Measured:</b> {@link #issueUnsubscribe}: {@link OneClickUnsubscribe#link} (the fields, the derived nonce (an
 * HMAC-SHA256), AES-256-GCM sealing, the URL and both headers); {@link #verifyUnsubscribe}: {@link
 * OneClickUnsubscribe#handle} of a valid token whose purpose is withdrawn already (parse, GCM open and tag check, the
 * nonce re-derived, erasure predicate, one cached consent check; nothing written); {@link #issueConfirmation}: {@link
 * DoubleOptIn#tokenFor}; {@link #verifyConfirmation}: {@link DoubleOptIn#confirm} of a token confirmed already (parse,
 * GCM open, one event read by id; nothing written).
 *
 * <p><b>Yardstick:</b> none; the figures say how many mails a node can sign and how many one-click POSTs it can answer
 * per second. <b>Score:</b> operations per second, one thread.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@State(Scope.Benchmark)
public class EmailTokenBenchmark {
    private static final PurposeId NEWSLETTER = PurposeId.of("newsletter");
    private static final SubjectId SUBJECT = SubjectId.of("3f2b9c4e-8a61-4d07-9a55-1b2c3d4e5f60");
    private static final Evidence POST = Evidence.builder().userAgent("GoogleOneClick/1.0").ip("209.85.220.41").build();

    private ConsentService consents;
    private OneClickUnsubscribe unsubscribe;
    private DoubleOptIn optIn;
    private ConsentEvent grant;
    private String unsubscribeToken;
    private String confirmationToken;

    @Setup
    public void setUp() {
        Policy policy = Policy.builder("bench", "1").effectiveFrom(java.time.LocalDate.of(2024, 1, 1))
                .zone(java.time.ZoneId.of("Europe/Berlin")).controller("Bench Shop", "privacy@bench.example")
                .category("contact.email", "Email address")
                .purpose(Purpose.builder(NEWSLETTER.value()).title("Newsletter")
                        .basis(dev.consent.policy.LegalBasis.CONSENT).categories("contact.email")
                        .confirmationWindow(Duration.ofDays(3)).build())
                .build();
        consents = ConsentService.builder().policy(policy).store(new InMemoryStore()).build();
        EmailKeys keys = EmailKeys.of("k1", "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
        optIn = new DoubleOptIn(consents, keys);
        unsubscribe = new OneClickUnsubscribe(consents, keys, URI.create("https://shop.example/email/unsubscribe"),
                s -> false);
        OptInRequest request = optIn.request(SUBJECT, NEWSLETTER, Capture.by(Method.WEB_FORM));
        grant = request.grant();
        confirmationToken = request.token();
        if (optIn.confirm(confirmationToken, POST).status() != Confirmation.Status.CONFIRMED) {
            throw new IllegalStateException("the confirmation did not confirm");
        }
        UnsubscribeLink link = unsubscribe.link(SUBJECT, NEWSLETTER);
        String query = link.url().getRawQuery();
        unsubscribeToken = query.substring(query.indexOf("token=") + "token=".length());
        if (unsubscribe.handle(unsubscribeToken, POST).status() != Unsubscription.Status.UNSUBSCRIBED) {
            throw new IllegalStateException("the unsubscribe did not withdraw");
        }
    }

    @TearDown
    public void close() {
        consents.close();
    }

    @Benchmark
    public UnsubscribeLink issueUnsubscribe() {
        return unsubscribe.link(SUBJECT, NEWSLETTER);
    }

    @Benchmark
    public Unsubscription verifyUnsubscribe() {
        return unsubscribe.handle(unsubscribeToken, POST);
    }

    @Benchmark
    public OptInRequest issueConfirmation() {
        return optIn.tokenFor(grant);
    }

    @Benchmark
    public Confirmation verifyConfirmation() {
        return optIn.confirm(confirmationToken, POST);
    }
}
