package dev.consent.examples.cli;

import dev.consent.store.InMemoryStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.ConsentService;
import dev.consent.examples.SeedPolicies;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.rights.Deadline;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ConsentCliTest {
    @TempDir
    Path dir;

    /** What one run printed and returned. */
    record Run(int exit, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        /** The line of a table whose first column is {@code key}, split into its columns. */
        List<String> row(String key) {
            return out.lines().filter(l -> l.startsWith(key + " ")).findFirst()
                    .map(l -> Arrays.asList(l.split(" {2,}"))).orElseThrow(() -> new AssertionError("no row " + key
                            + " in:\n" + out));
        }

        /** An error: one line on stderr, nothing else, and nothing on stdout unless stated. */
        Run failedWith(int code, String message) {
            assertThat(exit).as("exit code; stderr: " + err).isEqualTo(code);
            assertThat(err.lines()).as("stderr is one line").singleElement().asString().contains(message)
                    .doesNotContain("\tat ").doesNotContain("Exception");
            return this;
        }

        Run failedWithNoOutput(int code, String message) {
            failedWith(code, message);
            assertThat(out).as("nothing half-written on stdout").isEmpty();
            return this;
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = ConsentCli.run(args, o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String seed(String file) {
        try {
            return Path.of(SeedPolicies.class.getResource("/policies/" + file).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    static List<String> seeds() {
        return SeedPolicies.ALL;
    }

    @Nested
    class Validate {
        @ParameterizedTest
        @MethodSource("dev.consent.examples.cli.ConsentCliTest#seeds")
        void everySeedPolicyIsValid(String file) {
            Policy policy = SeedPolicies.load(file);
            Run r = run("validate", seed(file));
            assertThat(r.exit()).isZero();
            assertThat(r.out()).isEqualTo("valid: " + policy.id() + " " + policy.version() + System.lineSeparator());
            assertThat(r.err()).isEmpty();
        }

        @Test
        void anInvalidPolicyListsEveryProblemOneLineEachAndExits1() throws IOException {
            Path bad = write("bad.json", """
                    {
                      "id": "Shop",
                      "version": "1",
                      "effectiveFrom": "2025-02-30",
                      "timeZone": "Europe/Berlin",
                      "categories": [ { "id": "contact.email", "description": "Email" } ],
                      "purposes": [
                        { "id": "marketing", "title": "Marketing", "legalBasis": "CONSNET", "categories": ["contact.email"] },
                        { "id": "orders", "title": "Orders", "legalBasis": "CONTRACT", "categories": ["contact.emial"] }
                      ]
                    }
                    """);
            Run r = run("validate", bad.toString());
            r.failedWith(ConsentCli.INVALID_INPUT, "bad.json: 4 problems");
            assertThat(r.outLines()).containsExactly(
                    "$.effectiveFrom: \"2025-02-30\" is not an ISO-8601 date (expected e.g. 2025-01-31)",
                    "$.purposes[0].legalBasis: \"CONSNET\" is not one of CONSENT, CONTRACT, LEGAL_OBLIGATION, "
                            + "VITAL_INTERESTS, PUBLIC_TASK, LEGITIMATE_INTERESTS",
                    "$.id: \"Shop\" must be lower-case dotted segments of [a-z0-9_-], each starting with a letter",
                    "$.purposes[1].categories[0]: \"contact.emial\" is not a declared category (declare it under "
                            + "$.categories)");
        }

        @Test
        void aFileThatIsNotJsonIsOneProblem() throws IOException {
            Run r = run("validate", write("text.json", "privacy policy").toString());
            r.failedWith(ConsentCli.INVALID_INPUT, "1 problem");
            assertThat(r.outLines()).singleElement().asString().startsWith("$: is not valid JSON at line 1");
        }

        @Test
        void aMissingFileOrADirectoryIsInvalidInput() {
            run("validate", dir.resolve("nowhere.json").toString())
                    .failedWithNoOutput(ConsentCli.INVALID_INPUT, "nowhere.json: no such file");
            run("validate", dir.toString()).failedWithNoOutput(ConsentCli.INVALID_INPUT, "not a regular file");
        }

        @Test
        void usageErrors() {
            run("validate").failedWithNoOutput(ConsentCli.USAGE, "validate needs <policy.json>; 1 missing");
            run("validate", "a.json", "b.json").failedWithNoOutput(ConsentCli.USAGE, "unexpected [b.json]");
            run("validate", "--strict", "a.json").failedWithNoOutput(ConsentCli.USAGE, "unknown option --strict");
        }
    }

    @Nested
    class Show {
        @Test
        void tablesOfPurposesRetentionRightsCalendarAndRecipients() {
            Run r = run("show", seed(SeedPolicies.TAX_COMPLIANT_SHOP));
            assertThat(r.exit()).isZero();
            assertThat(r.err()).isEmpty();
            assertThat(r.outLines()).startsWith("policy tax-compliant-shop, version 1",
                    "effective from 2025-01-01 (2024-12-31T23:00:00Z), last updated 2025-01-01, time zone Europe/Berlin",
                    "controller: not stated");
            assertThat(r.out()).contains("PURPOSES (5)", "RETENTION RULES (5)", "RECIPIENTS (4)", "CATEGORIES (5)");

            assertThat(r.outLines().get(r.outLines().indexOf("PURPOSES (5)") + 1).split(" {2,}"))
                    .containsExactly("ID", "BASIS", "MECHANISM", "CATEGORIES", "FLAGS", "TITLE");
            assertThat(r.row("marketing.email")).containsExactly("marketing.email", "CONSENT", "OPT_IN", "contact.email",
                    "-", "Product updates and promotions");
            assertThat(r.row("orders")).containsExactly("orders", "CONTRACT", "NOTICE_ONLY",
                    "account.profile, contact.email, transaction.record", "-", "Process orders and deliver products");
            assertThat(r.row("transactions-tax-7y")).containsExactly("transactions-tax-7y", "transaction.record", "any",
                    "MINIMUM", "P7Y", "last_transaction", "keep", "legal: tax law: transaction data retained at least "
                            + "seven years");
            assertThat(r.row("support-30d")).startsWith("support-30d", "support.record", "any", "MAXIMUM", "P30D",
                    "ticket_resolved", "DELETE");
            assertThat(r.row("ACCESS")).containsExactly("ACCESS",
                    "5 business days from receipt, extendable to 30 calendar days", "-");
            assertThat(r.row("ERASURE")).containsExactly("ERASURE", "15 business days from receipt",
                    "We inform you by email of the result and its basis. You may complain to your local data "
                            + "protection supervisory authority.");
            assertThat(r.outLines()).contains("time zone: Europe/Berlin", "weekend: SATURDAY, SUNDAY",
                    "holidays: 2025-06-09, 2025-12-25, 2025-12-26", "weekend days worked: none");
            assertThat(r.row("support-outsourcing")).containsExactly("support-outsourcing", "PROCESSOR",
                    "transaction.record, support.record", "support", "-",
                    "Customer service outsourcing team (the order number)");
        }

        @Test
        void flagsAgeLimitsSaleOrSharingAndMakeUpWorkingDays() {
            Run happysell = run("show", seed(SeedPolicies.HAPPYSELL));
            assertThat(happysell.row("permission.camera").get(4)).isEqualTo("minimum age 18 (no guardian consent)");
            assertThat(happysell.outLines()).contains(
                    "weekend days worked: 2025-01-26, 2025-02-08, 2025-04-27, 2025-09-28, 2025-10-11");
            assertThat(happysell.row("ACCESS").get(1)).isEqualTo("15 business days from identity verification");

            Run example = run("show", seed(SeedPolicies.EXAMPLE_COMPANY));
            assertThat(example.row("cookies.marketing").get(4)).isEqualTo("sale/sharing (GPC opts out)");
            assertThat(example.out()).contains("none: every item is reported NO_RULE (the policy names no period)");
            assertThat(example.row("PORTABILITY").get(1)).isEqualTo(
                    "1 month from receipt, extendable by 2 months (GDPR Art. 12(3); the policy states no term)");
            assertThat(example.row("payment-processor")).startsWith("payment-processor", "PROCESSOR",
                    "transaction.record", "transactions");
        }

        @Test
        void anInvalidPolicyIsOneLinePointingToValidate() throws IOException {
            Path bad = write("bad.json", "{\"id\": \"x\"}");
            run("show", bad.toString()).failedWithNoOutput(ConsentCli.INVALID_INPUT,
                    "bad.json is not a valid policy (5 problems, the first: $.version: is required); 'validate ");
            run("show").failedWithNoOutput(ConsentCli.USAGE, "show needs <policy.json>");
        }
    }

    @Nested
    class Preview {
        private static final String AT = "2025-06-01T00:00:00Z";

        private Path items() throws IOException {
            return write("items.jsonl", """
                    {"subject": "c-1", "category": "contact.email", "anchors": {"last_transaction": "2024-01-01T00:00:00Z"}}
                    {"subject": "c-1", "category": "order.record", "anchors": {"last_transaction": "2024-01-01T00:00:00Z"}, "erasureRequestedAt": "2025-05-01T00:00:00Z"}

                    {"subject": "c-2", "category": "access.log", "anchors": {"collected": "2025-01-01T00:00:00Z"}}
                    {"subject": "c-2", "category": "cookie.session", "anchors": {"collected": "2025-05-31T00:00:00Z"}}
                    {"subject": "c-3", "category": "support.record", "anchors": {"collected": "2024-01-01T00:00:00Z"}, "holds": 2}
                    {"subject": "c-3", "category": "contact.email", "purpose": "support", "anchors": {"last_transaction": "2023-05-01T00:00:00Z"}}
                    """);
        }

        @Test
        void aTableOfVerdictsWithLineNumbersThenTotalsPerCategoryAndRule() throws IOException {
            Run r = run("preview", seed(SeedPolicies.SELL4SERVICE), items().toString(), "--at", AT);
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err()).isEmpty();
            assertThat(r.outLines().get(0)).isEqualTo("retention preview of policy sell4service 2025-01 at " + AT
                    + ": 6 items from " + dir.resolve("items.jsonl"));
            assertThat(r.row("LINE")).containsExactly("LINE", "SUBJECT", "CATEGORY", "PURPOSE", "STATUS", "UNTIL/SINCE",
                    "ACTION", "RULE", "NOTE");
            assertThat(r.row("1")).containsExactly("1", "c-1", "contact.email", "-", "KEEP",
                    "until 2026-01-01T00:00:00Z", "DELETE", "email-2y", "-");
            assertThat(r.row("2")).containsExactly("2", "c-1", "order.record", "-", "KEEP", "until 2026-01-01T00:00:00Z",
                    "DELETE", "orders-min-2y", "erasure requested: restrict processing until then");
            assertThat(r.row("4")).containsExactly("4", "c-2", "access.log", "-", "DUE", "since 2025-04-01T00:00:00Z",
                    "DELETE", "access-logs-90d", "-");
            assertThat(r.row("5")).containsExactly("5", "c-2", "cookie.session", "-", "NOT_STARTED", "-", "-", "-",
                    "waits for session_ended");
            assertThat(r.row("6")).containsExactly("6", "c-3", "support.record", "-", "HELD",
                    "otherwise due 2025-01-01T00:00:00Z", "DELETE", "support-1y", "held by 2 legal holds");
            assertThat(r.row("7")).containsExactly("7", "c-3", "contact.email", "support", "DUE",
                    "since 2025-05-01T00:00:00Z", "DELETE", "email-2y", "-");

            int categories = r.outLines().indexOf("TOTALS BY CATEGORY");
            int rules = r.outLines().indexOf("TOTALS BY RULE");
            assertThat(r.outLines().subList(categories + 1, rules - 1)).containsExactly(
                    "CATEGORY        ITEMS  KEEP  DUE  HELD  NOT_STARTED  NO_RULE",
                    "access.log      1      0     1    0     0            0",
                    "contact.email   2      1     1    0     0            0",
                    "cookie.session  1      0     0    0     1            0",
                    "order.record    1      1     0    0     0            0",
                    "support.record  1      0     0    1     0            0");
            assertThat(r.outLines().subList(rules + 1, r.outLines().size())).containsExactly(
                    "RULE             ITEMS  KEEP  DUE  HELD  NOT_STARTED  NO_RULE",
                    "(none)           1      0     0    0     1            0",
                    "access-logs-90d  1      0     1    0     0            0",
                    "email-2y         2      1     1    0     0            0",
                    "orders-min-2y    1      1     0    0     0            0",
                    "support-1y       1      0     0    1     0            0");
        }

        @Test
        void jsonLinesOneVerdictPerItemThenOneTotalsLine() throws IOException {
            Run r = run("preview", seed(SeedPolicies.SELL4SERVICE), items().toString(), "--at", AT, "--format=jsonl");
            assertThat(r.exit()).as(r.err()).isZero();
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> lines = r.out().lines().map(l -> {
                try {
                    return json.readTree(l);
                } catch (IOException e) {
                    throw new AssertionError(l, e);
                }
            }).toList();
            assertThat(lines).hasSize(7);
            assertThat(lines.subList(0, 6)).allMatch(n -> n.path("type").asText().equals("verdict"));
            assertThat(lines.get(1).toString()).isEqualTo("{\"type\":\"verdict\",\"line\":2,\"subject\":\"c-1\","
                    + "\"category\":\"order.record\",\"purpose\":null,\"status\":\"KEEP\",\"until\":\"2026-01-01T00:00:00Z\","
                    + "\"since\":null,\"action\":\"DELETE\",\"rule\":\"orders-min-2y\",\"restrictProcessing\":true,"
                    + "\"holds\":0}");
            assertThat(lines.get(4).path("holds").asInt()).isEqualTo(2);
            assertThat(lines.get(4).path("status").asText()).isEqualTo("HELD");
            assertThat(lines.get(3).path("rule").isNull()).isTrue();
            JsonNode totals = lines.get(6);
            assertThat(totals.path("type").asText()).isEqualTo("totals");
            assertThat(totals.path("items").asInt()).isEqualTo(6);
            assertThat(totals.path("at").asText()).isEqualTo(AT);
            assertThat(totals.path("byCategory").path("contact.email").toString())
                    .isEqualTo("{\"items\":2,\"KEEP\":1,\"DUE\":1,\"HELD\":0,\"NOT_STARTED\":0,\"NO_RULE\":0}");
            assertThat(totals.path("byRule").path("(none)").path("NOT_STARTED").asInt()).isEqualTo(1);
        }

        @Test
        void aPolicyWithoutRulesReportsEveryItemAsAGap() throws IOException {
            Path one = write("one.jsonl", "{\"subject\": \"u\", \"category\": \"transaction.record\"}\n");
            Run r = run("preview", seed(SeedPolicies.EXAMPLE_COMPANY), one.toString(), "--at", AT);
            assertThat(r.row("1")).containsExactly("1", "u", "transaction.record", "-", "NO_RULE", "-", "-", "-",
                    "no MAXIMUM rule for this category: a gap in the policy");
        }

        @Test
        void anEmptyFileHasNoItems() throws IOException {
            Run r = run("preview", seed(SeedPolicies.SELL4SERVICE), write("empty.jsonl", "\n\n").toString(), "--at", AT);
            assertThat(r.exit()).isZero();
            assertThat(r.outLines().get(0)).endsWith(": 0 items from " + dir.resolve("empty.jsonl"));
        }

        @Test
        void badLinesAreReportedWithTheirLineNumberAndNothingIsPrinted() throws IOException {
            String good = "{\"subject\": \"c\", \"category\": \"contact.email\"}\n";
            String[][] cases = {
                    {good + "\n" + "{\"subject\": \"c\", \"category\": \"contact.emial\"}\n",
                            ":3: category: \"contact.emial\" is not declared by policy sell4service 2025-01"},
                    {"{\"subject\": \"c\", \"category\": \"contact.email\", \"anchors\": {\"last_transaction\": \"yesterday\"}}",
                            ":1: anchors.last_transaction: \"yesterday\" is not an ISO-8601 instant"},
                    {good + "{\"subject\": \"c\", \"category\": \"contact.email\"\n",
                            ":2: not valid JSON at column 45: Unexpected end-of-input: expected close marker for Object "
                                    + "(opened at column 1)"},
                    {good + good + "{\"subject\": \"c\", \"category\": \"contact.email\", \"anchor\": {}}",
                            ":3: \"anchor\" is not a known field (expected subject, category, purpose, anchors, "
                                    + "erasureRequestedAt, holds)"},
                    {"[1]", ":1: expected one JSON object per line, found an array"},
                    {"{\"subject\": \"c\", \"category\": \"contact.email\"} {}", ":1: not valid JSON"},
                    {"{\"category\": \"contact.email\"}", ":1: subject: is required"},
                    {"{\"subject\": 7, \"category\": \"contact.email\"}", ":1: subject: expected a string, found a number (7)"},
                    {"{\"subject\": \"c\", \"subject\": \"d\", \"category\": \"contact.email\"}", ":1: not valid JSON"},
                    {"{\"subject\": \"c\", \"category\": \"contact.email\", \"holds\": -1}",
                            ":1: holds: -1 is not a count of legal holds"},
                    {"{\"subject\": \"c\", \"category\": \"contact.email\", \"holds\": 1.5}",
                            ":1: holds: 1.5 is not a count of legal holds"},
                    {"{\"subject\": \"c\", \"category\": \"contact.email\", \"purpose\": \"security\"}",
                            ":1: purpose: \"security\" does not use category contact.email"},
                    {"{\"subject\": \"c\", \"category\": \"contact.email\", \"purpose\": \"profiling\"}",
                            ":1: purpose: \"profiling\" is not declared by policy sell4service 2025-01"},
                    {"{\"subject\": \"c\", \"category\": \"contact.email\", \"anchors\": {\"Last Transaction\": \"x\"}}",
                            ":1: anchors: \"Last Transaction\" must be lower-case dotted segments"},
                    {"{\"subject\": \"c\", \"category\": \"contact.email\", \"anchors\": [\"collected\"]}",
                            ":1: anchors: expected an object of anchor names and ISO-8601 instants, found an array"},
                    {"{\"subject\": \"c\", \"category\": \"contact.email\", \"erasureRequestedAt\": 20250101}",
                            ":1: erasureRequestedAt: expected an ISO-8601 instant string, found a number"},
            };
            for (int i = 0; i < cases.length; i++) {
                Path file = write("bad" + i + ".jsonl", cases[i][0]);
                run("preview", seed(SeedPolicies.SELL4SERVICE), file.toString(), "--at", AT)
                        .failedWithNoOutput(ConsentCli.INVALID_INPUT, file + cases[i][1]);
            }
        }

        @Test
        void bytesThatAreNotUtf8AreReportedOnTheirLine() throws IOException {
            byte[] good = "{\"subject\": \"c\", \"category\": \"contact.email\"}\n".getBytes(StandardCharsets.UTF_8);
            byte[] bad = {'{', '"', 's', (byte) 0xff, '"', ':', '1', '}', '\n'};
            Path file = dir.resolve("latin1.jsonl");
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < 400; i++) {
                bytes.write(good); // far more than a reader's buffer, so the line number is not the buffer's
            }
            bytes.write(bad);
            Files.write(file, bytes.toByteArray());
            run("preview", seed(SeedPolicies.SELL4SERVICE), file.toString(), "--at", AT)
                    .failedWithNoOutput(ConsentCli.INVALID_INPUT, file + ":401: is not UTF-8 text");
        }

        @Test
        void usageErrors() throws IOException {
            String policy = seed(SeedPolicies.SELL4SERVICE);
            String items = items().toString();
            run("preview", policy, items).failedWithNoOutput(ConsentCli.USAGE, "preview needs --at <ISO instant>");
            run("preview", policy, items, "--at").failedWithNoOutput(ConsentCli.USAGE, "--at needs a value");
            run("preview", policy, items, "--at", "2025-06-01").failedWithNoOutput(ConsentCli.USAGE,
                    "--at \"2025-06-01\" is not an ISO-8601 instant");
            run("preview", policy, items, "--at", AT, "--format", "csv").failedWithNoOutput(ConsentCli.USAGE,
                    "--format \"csv\" is not table or jsonl");
            run("preview", policy, items, "--at", AT, "--at", AT).failedWithNoOutput(ConsentCli.USAGE, "given twice");
            run("preview", policy, "--at", AT).failedWithNoOutput(ConsentCli.USAGE,
                    "preview needs <policy.json> <items.jsonl>; 1 missing");
            run("preview", policy, items, "--at", AT, "--fromat", "jsonl").failedWithNoOutput(ConsentCli.USAGE,
                    "unknown option --fromat");
            run("preview", policy, dir.resolve("none.jsonl").toString(), "--at", AT)
                    .failedWithNoOutput(ConsentCli.INVALID_INPUT, "none.jsonl: no such file");
        }
    }

    @Nested
    class DeadlineCommand {
        @Test
        void erasureCountedFromIdentityVerificationWithItsDerivation() {
            Run r = run("deadline", seed(SeedPolicies.SELL4SERVICE), "ERASURE", "--received", "2025-06-04",
                    "--verified", "2025-06-10");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.outLines()).containsExactly(
                    "ERASURE under policy sell4service 2025-01 (time zone UTC)",
                    "term: 30 business days from identity verification",
                    "received: 2025-06-04, identity verified: 2025-06-10",
                    "deadline: due by the end of 2025-07-22 (ERASURE: 30 business days from identity verification): "
                            + "starts 2025-06-10 (TUESDAY), which is not counted; counted 30 working days, skipping 12 "
                            + "weekend days and holidays",
                    "due before: 2025-07-23T00:00:00Z");
        }

        @Test
        void anExtensionToThirtyDaysAndTheNoticeItNeeds() {
            Run r = run("deadline", seed(SeedPolicies.TAX_COMPLIANT_SHOP), "access", "--received", "2025-06-04",
                    "--extended");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.outLines()).contains(
                    "original: due by the end of 2025-06-12 (ACCESS: 5 business days from receipt, extendable to 30 "
                            + "calendar days): starts 2025-06-04 (WEDNESDAY), which is not counted; counted 5 working "
                            + "days, skipping 3 weekend days and holidays",
                    "the subject must be told of the extension, with the reasons, before 2025-06-12T22:00:00Z",
                    "due before: 2025-07-04T22:00:00Z");
            assertThat(r.out()).contains("extended: due by the end of 2025-07-04");
        }

        @Test
        void workingDaysOnTheChineseCalendarAndTheGdprDefault() {
            Run china = run("deadline", seed(SeedPolicies.HAPPYSELL), "RECTIFICATION", "--received", "2025-09-25",
                    "--verified", "2025-09-26");
            assertThat(china.out()).contains("due by the end of 2025-10-23", "due before: 2025-10-23T16:00:00Z");

            Run gdpr = run("deadline", seed(SeedPolicies.EXAMPLE_COMPANY), "PORTABILITY", "--received", "2025-01-31");
            assertThat(gdpr.outLines()).contains(
                    "term: 1 month from receipt, extendable by 2 months (GDPR Art. 12(3); the policy states no term "
                            + "for PORTABILITY)",
                    "extension: extendable by 2 months (add --extended to compute it)");
            assertThat(gdpr.out()).contains("due by the end of 2025-02-28");
            assertThat(run("deadline", seed(SeedPolicies.EXAMPLE_COMPANY), "PORTABILITY", "--received", "2025-01-31",
                    "--extended").out()).contains("extended: due by the end of 2025-04-30");
        }

        /** The command line must give the answer RightsService gives for a request received and verified then. */
        @ParameterizedTest
        @MethodSource("dev.consent.examples.cli.ConsentCliTest#seeds")
        void agreesWithRightsServiceForEveryTypeOfEverySeed(String file) {
            Policy policy = SeedPolicies.load(file);
            LocalDate received = LocalDate.of(2025, 9, 24);
            LocalDate verified = LocalDate.of(2025, 9, 26);
            for (RequestType type : RequestType.values()) {
                MutableClock clock = new MutableClock(received.atTime(LocalTime.NOON).atZone(policy.zone()).toInstant());
                try (ConsentService consents = ConsentService.builder().store(new InMemoryStore())
                        .policy(policy).clock(clock).build()) {
                    RightsService rights = RightsService.builder().store(new InMemoryStore())
                            .consents(consents).build();
                    RightsRequest request = rights.receive(SubjectId.of("s"), type, "test");
                    clock.set(verified.atTime(LocalTime.NOON).atZone(policy.zone()).toInstant());
                    request = rights.verifyIdentity(request.id(), "test", "test");
                    DeadlineReport report = new DeadlineReport(policy, type, received, Optional.of(verified), false);
                    assertThat(report.deadline().explain()).as(file + " " + type)
                            .isEqualTo(request.deadline().orElseThrow().explain());
                    if (rights.termFor(type).extension().isPresent()) {
                        Deadline extended = rights.extend(request.id(), "test", "complex", clock.instant()).deadline()
                                .orElseThrow();
                        assertThat(new DeadlineReport(policy, type, received, Optional.of(verified), true).deadline())
                                .as(file + " " + type + " extended").isEqualTo(extended);
                    }
                }
            }
        }

        @Test
        void errors() {
            String s000 = seed(SeedPolicies.SELL4SERVICE);
            run("deadline", s000, "ERASURE", "--received", "2025-06-04").failedWithNoOutput(ConsentCli.USAGE,
                    "ERASURE under policy sell4service 2025-01 is counted from identity verification: give --verified");
            run("deadline", s000, "ERASURE", "--received", "2025-06-04", "--verified", "2025-06-01")
                    .failedWithNoOutput(ConsentCli.USAGE, "--verified 2025-06-01 is before --received 2025-06-04");
            run("deadline", s000, "ACCESS", "--received", "2025-06-04", "--extended").failedWithNoOutput(
                    ConsentCli.INVALID_INPUT, "ACCESS has no extendable deadline under policy sell4service 2025-01");
            run("deadline", s000, "DELETION", "--received", "2025-06-04").failedWithNoOutput(ConsentCli.USAGE,
                    "\"DELETION\" is not a request type; expected one of ACCESS, RECTIFICATION, ERASURE");
            run("deadline", s000, "ACCESS", "--received", "04.06.2025").failedWithNoOutput(ConsentCli.USAGE,
                    "--received \"04.06.2025\" is not an ISO-8601 date");
            run("deadline", s000, "ACCESS").failedWithNoOutput(ConsentCli.USAGE, "deadline needs --received <ISO date>");
            run("deadline", s000, "ACCESS", "--received", "2025-06-04", "--extended=yes")
                    .failedWithNoOutput(ConsentCli.USAGE, "--extended takes no value");
            run("deadline", s000, "--received", "2025-06-04").failedWithNoOutput(ConsentCli.USAGE,
                    "deadline needs <policy.json> <REQUEST_TYPE>; 1 missing");
        }
    }

    @Nested
    class HelpAndDispatch {
        @Test
        void helpListsEveryCommandAndExits0() {
            for (String help : List.of("help", "--help", "-h")) {
                Run r = run(help);
                assertThat(r.exit()).isZero();
                assertThat(r.err()).isEmpty();
                assertThat(r.out()).contains("validate <policy.json>", "show <policy.json>",
                        "preview <policy.json> <items.jsonl> --at <ISO instant> [--format table|jsonl]",
                        "deadline <policy.json> <REQUEST_TYPE> --received <ISO date> [--verified <ISO date>] [--extended]",
                        "ACCESS, RECTIFICATION, ERASURE, RESTRICTION, PORTABILITY, OBJECTION, WITHDRAW_CONSENT",
                        "exit codes: 0 done, 1 invalid input, 2 usage error");
            }
        }

        @Test
        void noCommandAnUnknownCommandOrExtraArgumentsAreUsageErrors() {
            run().failedWithNoOutput(ConsentCli.USAGE, "usage error: no command given; 'help' lists the commands");
            run("check", "policy.json").failedWithNoOutput(ConsentCli.USAGE, "unknown command \"check\"");
            run("help", "preview").failedWithNoOutput(ConsentCli.USAGE, "unexpected [preview]");
        }
    }
}
