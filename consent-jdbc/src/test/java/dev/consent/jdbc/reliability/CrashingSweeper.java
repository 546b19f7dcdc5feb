package dev.consent.jdbc.reliability;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.consent.jdbc.JdbcStore;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.retention.SweepReport;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.TestKeys;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The child JVM of {@link SweeperCrashTest}: sweeps due access logs with a handler that appends each idempotency
 * key it is given to a file and forces it to disk before returning, until nothing is due or it is killed.
 *
 * <p>Arguments: JDBC URL, table prefix, keys file, node name, lease in milliseconds, batch size. Prints
 * {@code READY} when it starts sweeping and {@code DONE} when no due item is left.
 */
public final class CrashingSweeper {
    private CrashingSweeper() {
    }

    public static void main(String[] args) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[0]);
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(0);
        JdbcStore store = JdbcStore.builder(new HikariDataSource(config)).tablePrefix(args[1]).build();
        try (FileChannel keys = FileChannel.open(Path.of(args[2]), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RetentionPolicy.policy()).store(store).build();
            Sweeper sweeper = Sweeper.builder(retention).node(args[3]).lease(Duration.ofMillis(Long.parseLong(args[4])))
                    // the most a lease allows: a handler given up is interrupted, which closes its FileChannel
                    .handlerTimeout(Duration.ofMillis(Long.parseLong(args[4]) / 2))
                    .batchSize(Integer.parseInt(args[5]))
                    .handler("access.log", r -> {
                        keys.write(ByteBuffer.wrap((r.idempotencyKey() + "\n").getBytes(StandardCharsets.UTF_8)));
                        keys.force(true);
                        Thread.sleep(2); // the host's own delete, standing in
                    }).build();
            System.out.println("READY");
            System.out.flush();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                SweepReport report = sweeper.sweep(10_000, Duration.ofSeconds(30));
                if (report.claimed() == 0) {
                    // what is left is leased by a sweeper that died: wait for its lease to run out
                    if (store.dueItems(Instant.now(), 1).isEmpty()) {
                        System.out.println("DONE");
                        System.out.flush();
                        System.exit(0);
                    }
                    Thread.sleep(100);
                }
            }
            System.out.println("GAVE UP");
            System.exit(1);
        }
    }
}
