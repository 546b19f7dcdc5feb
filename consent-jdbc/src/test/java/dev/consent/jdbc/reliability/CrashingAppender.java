package dev.consent.jdbc.reliability;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consent.ConsentService;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.testing.ShopPolicy;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The child JVM of {@link AppenderCrashTest}: appends consent events in batches until it is killed, and prints
 * each batch's event ids only after {@link ConsentService#record} returned them.
 *
 * <p>Arguments: JDBC URL, table prefix, run number, seed, subjects, writer threads. Output lines:
 * {@code READY}, then per batch {@code OK <reference> <event id>...}; {@code FAIL <reference> <exception>} when an
 * append threw (that batch may or may not be stored only if the message says the outcome is unknown).
 *
 * <p>Every event of a batch carries the batch's reference {@code r<run>-t<thread>-b<batch>/<size>} in
 * {@code evidence.reference} and the id {@code <reference>#<index>}, so the parent can tell a whole batch from
 * a partial one without knowing what this process was about to write.
 */
public final class CrashingAppender {
    private static final PurposeId[] PURPOSES = {ShopPolicy.MARKETING_EMAIL, ShopPolicy.MARKETING_SMS, ShopPolicy.ADS,
            ShopPolicy.MARKETING};
    private static final Object OUT_LOCK = new Object();

    private CrashingAppender() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String prefix = args[1];
        int run = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        int subjects = Integer.parseInt(args[4]);
        int threads = Integer.parseInt(args[5]);

        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(threads + 1);
        config.setMinimumIdle(0);
        config.setPoolName("crashing-appender");
        HikariDataSource pool = new HikariDataSource(config);
        JdbcStore store = JdbcStore.builder(pool).tablePrefix(prefix).build();
        ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store).build();
        PrintStream out = System.out;
        line(out, "READY");

        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread w = new Thread(() -> write(consents, out, run, thread, new Random(seed * 31 + thread), subjects),
                    "writer-" + t);
            writers.add(w);
            w.start();
        }
        for (Thread w : writers) {
            w.join();
        }
    }

    private static void write(ConsentService consents, PrintStream out, int run, int thread, Random random,
            int subjects) {
        for (int batch = 0; batch < 1_000_000; batch++) {
            int size = 1 + random.nextInt(5);
            String reference = "r" + run + "-t" + thread + "-b" + batch + "/" + size;
            List<ChoiceRecord> records = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                SubjectId subject = SubjectId.of("subject-" + random.nextInt(subjects));
                PurposeId purpose = PURPOSES[random.nextInt(PURPOSES.length)];
                Choice choice = purpose.equals(ShopPolicy.MARKETING) || random.nextBoolean() ? Choice.WITHDRAWN
                        : Choice.GRANTED;
                Capture capture = Capture.by(Method.API).withEventId(reference + "#" + i)
                        .withEvidence(Evidence.builder().reference(reference).locale("de-DE").build());
                records.add(new ChoiceRecord(subject, purpose, choice, capture));
            }
            try {
                List<ConsentEvent> stored = consents.record(records);
                StringBuilder b = new StringBuilder("OK ").append(reference);
                for (ConsentEvent e : stored) {
                    b.append(' ').append(e.id().value());
                }
                line(out, b.toString());
            } catch (RuntimeException e) {
                line(out, "FAIL " + reference + " " + e.toString().replace('\n', ' '));
            }
        }
    }

    private static void line(PrintStream out, String s) {
        synchronized (OUT_LOCK) {
            out.println(s);
            out.flush();
        }
    }
}
