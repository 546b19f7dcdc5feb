package dev.consent.policy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** docs/policy-format.md stays true: its example reads, its error lines are the reader's, its tables list every field. */
class PolicyFormatDocTest {
    private static final Path DOC = Path.of("..", "docs", "policy-format.md");
    private static String doc;

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

    @Test
    void theCompleteExampleIsAValidPolicy() {
        Policy policy = PolicyJson.read(blocks("json").get(0));

        assertThat(policy.purposes()).hasSize(6);
        assertThat(policy.recipients()).hasSize(2);
        assertThat(policy.controller()).isPresent();
    }

    @Test
    void theCompleteExampleCanIssueConsentReceiptsAndItsReceiptProblemsAreDocumented() {
        assertThat(PolicyJson.read(blocks("json").get(0)).receiptProblems()).isEmpty();
        String lacking = PolicyDocuments.edit(blocks("json").get(0))
                .remove("$.controller.address")
                .remove("$.jurisdictions")
                .remove("$.purposes[0].purposeCategories")
                .remove("$.retention[2]") // cookies-13m, the rule for device.id
                .json();
        List<String> documented = Arrays.stream(blocks("text receipt-problems").get(0).split("\n"))
                .map(String::strip).toList();
        assertThat(PolicyJson.read(lacking).receiptProblems()).extracting(PolicyProblem::toString)
                .containsExactlyElementsOf(documented);
    }

    @Test
    void theExampleErrorLinesAreWhatTheReaderSays() {
        String broken = PolicyDocuments.edit(blocks("json").get(0))
                .set("$.purposes[1].consentLifetime", "\"2 years\"")
                .set("$.purposes[2].legalBasis", "\"CONSNET\"")
                .set("$.purposes[4].categories", "[\"order.record\", \"contact.emial\", \"health.allergy\"]")
                .json();

        InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(broken), InvalidPolicyException.class);

        List<String> documented = Arrays.stream(blocks("text").get(0).split("\n")).map(String::strip).toList();
        assertThat(e.problems()).extracting(PolicyProblem::toString).containsExactlyElementsOf(documented);
    }

    @Test
    void theTablesListExactlyTheFieldsTheReaderKnows() {
        Map<String, String> sections = new LinkedHashMap<>();
        sections.put("## The policy (top level)", "$");
        sections.put("### `controller`", "$.controller");
        sections.put("### `categories[]`", "$.categories[0]");
        sections.put("### `purposes[]`", "$.purposes[0]");
        sections.put("### `recipients[]`", "$.recipients[0]");
        sections.put("### `retention[]`", "$.retention[0]");
        sections.put("### `rights[]`", "$.rights[0]");
        sections.put("### `calendar`", "$.calendar");
        String example = blocks("json").get(0);
        for (Map.Entry<String, String> s : sections.entrySet()) {
            // The reader lists the fields it knows when it meets one it does not.
            String json = PolicyDocuments.edit(example).set(s.getValue() + ".unknownField", "1").json();
            InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(json), InvalidPolicyException.class);
            String rule = e.problems().get(0).rule();
            List<String> known = List.of(rule.substring(rule.indexOf("one of ") + 7, rule.length() - 1).split(", "));

            assertThat(documentedFields(s.getKey())).as(s.getKey()).containsExactlyElementsOf(known);
        }
    }

    @Test
    void theLimitsTableListsEveryLimitWithItsValue() throws IllegalAccessException {
        Map<String, String> documented = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\| [^|]+ \\| (\\d+)[^|]* \\| `(MAX_[A-Z_]+)` \\|").matcher(doc);
        while (m.find()) {
            documented.put(m.group(2), m.group(1));
        }
        Map<String, String> actual = new LinkedHashMap<>();
        for (java.lang.reflect.Field f : PolicyLimits.class.getFields()) {
            actual.put(f.getName(), String.valueOf(f.getInt(null)));
        }

        assertThat(documented).isEqualTo(actual);
    }

    private static List<String> documentedFields(String heading) {
        int start = doc.indexOf(heading);
        assertThat(start).as(heading).isNotNegative();
        int end = doc.indexOf("\n#", start + heading.length());
        List<String> fields = new ArrayList<>();
        boolean inTable = false;
        for (String line : doc.substring(start, end < 0 ? doc.length() : end).split("\n")) {
            if (inTable && !line.startsWith("|")) {
                break; // only the section's first table lists fields
            }
            inTable = line.startsWith("|");
            Matcher m = Pattern.compile("^\\| `([A-Za-z]+)` \\|").matcher(line);
            if (m.find()) {
                fields.add(m.group(1));
            }
        }
        return fields;
    }
}
