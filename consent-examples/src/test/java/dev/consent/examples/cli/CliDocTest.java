package dev.consent.examples.cli;

import dev.consent.examples.SeedPolicies;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/cli.md stays true: every {@code console} example is run, with the page's own example files and the seed
 * policies, and what it prints (standard output, then standard error) and its exit code ({@code $ echo $?}, 0 when
 * not shown) must be what the page shows.
 */
class CliDocTest {
    private static final Path DOC = Path.of("..", "docs", "cli.md");
    private static String doc;

    @TempDir
    static Path dir;

    @BeforeAll
    static void readDoc() throws IOException {
        doc = Files.readString(DOC);
    }

    private static List<String> blocks(String language) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("```" + language + "\n(.*?)```", Pattern.DOTALL).matcher(doc);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The files the examples name, written from the page's own blocks (in the order the page lists them). */
    private static Map<String, Path> files() throws IOException {
        Map<String, Path> files = new LinkedHashMap<>();
        files.put("broken.json", Files.writeString(dir.resolve("broken.json"), blocks("json").get(0)));
        files.put("items.jsonl", Files.writeString(dir.resolve("items.jsonl"), blocks("jsonl").get(0)));
        files.put("typo.jsonl", Files.writeString(dir.resolve("typo.jsonl"), blocks("jsonl").get(1)));
        files.put("receipt.jws", Files.writeString(dir.resolve("receipt.jws"), blocks("jws").get(0)));
        files.put("tampered.jws", Files.writeString(dir.resolve("tampered.jws"), blocks("jws").get(1)));
        files.put("receipt-key.jwk", Files.writeString(dir.resolve("receipt-key.jwk"), blocks("jwk").get(0)));
        for (String seed : SeedPolicies.ALL) {
            files.put("policies/" + seed, Path.of(ConsentCliTest.seed(seed)));
        }
        return files;
    }

    @Test
    void everyConsoleExampleIsWhatTheCommandPrints() throws IOException {
        Map<String, Path> files = files();
        List<String> examples = blocks("console");
        assertThat(examples).hasSizeGreaterThanOrEqualTo(8);
        int commands = 0;
        for (String block : examples) {
            List<String> lines = block.lines().toList();
            int i = 0;
            while (i < lines.size()) {
                String command = lines.get(i);
                assertThat(command).as("an example starts with a command").startsWith("$ consent ");
                List<String> expected = new ArrayList<>();
                for (i++; i < lines.size() && !lines.get(i).startsWith("$ "); i++) {
                    expected.add(lines.get(i));
                }
                int exit = 0;
                if (i < lines.size() && lines.get(i).equals("$ echo $?")) {
                    exit = Integer.parseInt(lines.get(i + 1));
                    i += 2;
                }
                String[] args = command.substring("$ consent ".length()).split(" ");
                for (int a = 0; a < args.length; a++) {
                    Path file = files.get(args[a]);
                    args[a] = file == null ? args[a] : file.toString();
                }
                ConsentCliTest.Run run = ConsentCliTest.run(args);
                List<String> printed = new ArrayList<>();
                (run.out() + run.err()).lines().map(l -> unmap(l, files)).forEach(printed::add);
                assertThat(printed).as(command).containsExactlyElementsOf(expected);
                assertThat(run.exit()).as(command + ": exit code").isEqualTo(exit);
                commands++;
            }
        }
        assertThat(commands).isGreaterThanOrEqualTo(12);
    }

    private static String unmap(String line, Map<String, Path> files) {
        String out = line;
        for (Map.Entry<String, Path> f : files.entrySet()) {
            out = out.replace(f.getValue().toString(), f.getKey());
        }
        return out;
    }

    @Test
    void theUsageTextNamesEveryCommandThePageDocuments() {
        int start = doc.indexOf("| command | what it does |");
        String table = doc.substring(start, doc.indexOf("\n\n", start));
        Matcher m = Pattern.compile("^\\| `([\\w-]+)[ `]", Pattern.MULTILINE).matcher(table);
        List<String> documented = new ArrayList<>();
        while (m.find()) {
            documented.add(m.group(1));
        }
        assertThat(documented).containsExactly("validate", "show", "preview", "deadline", "verify-receipt", "help");
        for (String command : documented) {
            assertThat(ConsentCli.USAGE_TEXT).contains("  " + command);
        }
        assertThat(ConsentCliTest.run("help").out()).isEqualTo(ConsentCli.USAGE_TEXT);
    }
}
