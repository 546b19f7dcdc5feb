package dev.consent.jdbc;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A released migration never changes: the hosts' Flyway and Liquibase histories (and the library's own) hold its
 * checksum, and a changed file would fail their validation at start-up, or worse, leave two databases with different
 * schemas under one version. {@code released-migrations.txt} records the SHA-256 of every migration file per database;
 * this test fails when a recorded file changed or went, and when a file is not recorded (add its line when the
 * migration is released, in the same change that adds it).
 */
class ReleasedMigrationsTest {
    private static final List<String> DIRECTORIES = List.of("h2", "mariadb", "postgresql");

    @Test
    void everyMigrationFileIsRecordedAndUnchanged() throws IOException {
        Map<String, String> recorded = recorded();
        List<String> problems = new ArrayList<>();
        Map<String, String> actual = new LinkedHashMap<>();
        for (String directory : DIRECTORIES) {
            for (SchemaInitializer.Migration m : SchemaInitializer.MIGRATIONS) {
                String file = directory + "/" + m.fileName() + ".sql";
                try (InputStream in = SchemaInitializer.class.getResourceAsStream("schema/" + file)) {
                    if (in == null) {
                        problems.add(file + ": missing, although SchemaInitializer.MIGRATIONS lists it");
                        continue;
                    }
                    actual.put(file, sha256(in.readAllBytes()));
                }
            }
        }
        actual.forEach((file, sum) -> {
            String was = recorded.get(file);
            if (was == null) {
                problems.add(file + ": not recorded; when it is released add the line \"" + file + " " + sum + "\"");
            } else if (!was.equals(sum)) {
                problems.add(file + ": changed since it was released (recorded " + was + ", now " + sum
                        + "); write a new migration instead");
            }
        });
        recorded.keySet().stream().filter(file -> !actual.containsKey(file))
                .forEach(file -> problems.add(file + ": recorded as released but no longer shipped"));
        assertThat(problems).as("released migrations (released-migrations.txt)").isEmpty();
    }

    @Test
    void theRecordIsNotEmptyAndCoversEveryDatabase() throws IOException {
        Map<String, String> recorded = recorded();
        for (String directory : DIRECTORIES) {
            assertThat(recorded.keySet()).as(directory).anyMatch(f -> f.startsWith(directory + "/V1__"));
        }
    }

    private static Map<String, String> recorded() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (InputStream in = ReleasedMigrationsTest.class.getResourceAsStream("released-migrations.txt")) {
            assertThat(in).as("released-migrations.txt beside this test").isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                assertThat(parts).as(line).hasSize(2);
                out.put(parts[0], parts[1]);
            }
        }
        return out;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
