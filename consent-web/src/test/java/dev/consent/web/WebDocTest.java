package dev.consent.web;

import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.PurposeId;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/web.md stays true: every problem type answered is documented at its anchor, every route listed. */
class WebDocTest {
    static final Path DOC = Path.of("..", "docs", "web.md");
    static final Path SOURCES = Path.of("src", "main", "java", "dev", "consent", "web");

    @Test
    void everyProblemTypeHasItsAnchor() throws Exception {
        Set<String> codes = new TreeSet<>();
        Pattern of = Pattern.compile("Problem\\.of\\(\\d{3}, \"([a-z-]+)\"|new Problem\\(\\d{3}, \"([a-z-]+)\"");
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path f : files.toList()) {
                Matcher m = of.matcher(Files.readString(f));
                while (m.find()) {
                    codes.add(m.group(1) != null ? m.group(1) : m.group(2));
                }
            }
        }
        codes.add("invalid-request"); // Problem.badRequest
        String doc = Files.readString(DOC);

        assertThat(codes).hasSizeGreaterThan(8);
        assertThat(codes).allSatisfy(code -> assertThat(doc).contains("<a id=\"problem-" + code + "\"></a>`" + code + "`"));
    }

    @Test
    void everyRouteIsInTheEndpointsTable() throws Exception {
        String doc = Files.readString(DOC);
        for (String route : OpenApiRoutesTest.documented()) {
            String method = route.substring(0, route.indexOf(' '));
            String path = route.substring(route.indexOf(' ') + 1);
            assertThat(doc).as(route).containsPattern("\\| `[^|]*" + method + " " + Pattern.quote(path));
        }
    }

    @Test
    void theTranslationExampleIsAPurposeThePolicyReaderTakes() throws Exception {
        Matcher m = Pattern.compile("```json\n(\\{ \"id\": \"analytics\".*?)```", Pattern.DOTALL)
                .matcher(Files.readString(DOC));
        assertThat(m.find()).isTrue();

        Policy policy = PolicyJson.read("{\"id\":\"shop\",\"version\":\"1\",\"effectiveFrom\":\"2025-01-01\","
                + "\"timeZone\":\"UTC\",\"language\":\"en\",\"categories\":[{\"id\":\"device.cookie\","
                + "\"description\":\"Cookies\"}],\"purposes\":[" + m.group(1) + "]}");

        assertThat(policy.findPurpose(PurposeId.of("analytics")).orElseThrow().translations()).containsOnlyKeys("de",
                "fr");
    }
}
