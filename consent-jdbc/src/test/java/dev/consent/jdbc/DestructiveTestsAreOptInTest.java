package dev.consent.jdbc;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mvn -B verify} on a developer's machine never restarts their database, terminates its sessions or kills
 * processes: every test method that does so (or whose class does so) carries the JUnit tag {@code faults}, which the
 * build leaves out unless asked with {@code -Pfaults} (what CI does). This test reads the test sources, so a new
 * destructive test without the tag fails the build.
 */
class DestructiveTestsAreOptInTest {
    /** What marks a test as destructive: a server restart, a session kill, a process kill. */
    private static final Pattern DESTRUCTIVE = Pattern.compile(
            "pg_ctlcluster|pg_terminate_backend|KILL CONNECTION|KILL QUERY|destroyForcibly|ChildJvm\\.start");
    private static final String TAG = "@Tag(\"faults\")";

    @Test
    void everyTestThatKillsOrRestartsSomethingIsTaggedFaults() throws IOException {
        Path root = Path.of("src/test/java");
        List<String> untagged = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(root)) {
            sources = files.filter(p -> p.toString().endsWith("Test.java")).toList();
        }
        assertThat(sources).as("test sources found from " + root.toAbsolutePath()).hasSizeGreaterThan(10);
        for (Path source : sources) {
            String text = Files.readString(source);
            if (source.endsWith("DestructiveTestsAreOptInTest.java") || !DESTRUCTIVE.matcher(text).find()) {
                continue;
            }
            int classAt = text.indexOf("class " + source.getFileName().toString().replace(".java", ""));
            if (text.substring(0, classAt).contains(TAG)) {
                continue; // the whole class is opt-in
            }
            // Otherwise each test method whose text (up to the next test) reaches a destructive call must be tagged.
            String[] tests = text.substring(classAt).split("@Test\\b");
            for (int i = 1; i < tests.length; i++) {
                Matcher m = DESTRUCTIVE.matcher(tests[i]);
                String annotations = tests[i].substring(0, Math.max(0, tests[i].indexOf("void ")));
                if (m.find() && !annotations.contains(TAG)) {
                    untagged.add(root.relativize(source) + " test #" + i + " (" + m.group() + ")");
                }
            }
        }
        assertThat(untagged).as("destructive tests without " + TAG).isEmpty();
    }
}
