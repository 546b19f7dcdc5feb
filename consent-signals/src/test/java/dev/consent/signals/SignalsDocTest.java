package dev.consent.signals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.consent.policy.GppSectionLayout;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/signals.md stays true: its mapping example reads, and it names every section a policy may map. */
class SignalsDocTest {
    static final Path DOC = Path.of("..", "docs", "signals.md");

    @Test
    void theMappingExampleIsAValidSignalsSection() throws Exception {
        String doc = Files.readString(DOC);
        Matcher m = Pattern.compile("```json\n\"signals\": (.*?)```", Pattern.DOTALL).matcher(doc);
        assertThat(m.find()).isTrue();
        ObjectMapper json = new ObjectMapper();
        ObjectNode policy;
        try (InputStream in = SignalsDocTest.class.getResourceAsStream("shop-signals-policy.json")) {
            policy = (ObjectNode) json.readTree(in);
        }
        policy.set("signals", json.readTree(m.group(1)));
        Policy read = PolicyJson.read(policy.toString());
        assertThat(read.signals().orElseThrow().tcf().orElseThrow().vendors()).hasSize(1);
    }

    @Test
    void everyMappableSectionIsNamedWithItsId() throws Exception {
        String doc = Files.readString(DOC);
        for (GppSectionLayout l : GppSectionLayout.all()) {
            assertThat(doc).contains("(`" + l.name() + "`, " + (l.id() == 7 ? "section 7" : String.valueOf(l.id())) + ")");
        }
    }
}
