package dev.consent.examples.cli;

import dev.consent.policy.InvalidPolicyException;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyProblem;
import dev.consent.rights.RequestType;

import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator command line, for the people who run a shop's privacy programme: check a policy file, read it as
 * tables, preview what retention would do to a set of items at an instant, compute a request's deadline, and check a
 * signed consent receipt with the shop's public key.
 * Input and output formats are described in {@code docs/cli.md}.
 *
 * <pre>
 * java -cp ... dev.consent.examples.cli.ConsentCli validate policy.json
 * </pre>
 *
 * Exit codes: {@value #OK} done; {@value #INVALID_INPUT} the input (a policy, an items file) is invalid or cannot be
 * read; {@value #USAGE} the command line is wrong. Every error is one line on standard error, never a stack trace.
 */
public final class ConsentCli {
    public static final int OK = 0;
    public static final int INVALID_INPUT = 1;
    public static final int USAGE = 2;

    static final String USAGE_TEXT = """
            usage: ConsentCli <command> [arguments]

            commands:
              validate <policy.json>
                  Check a policy file. Prints "valid: <id> <version>", or every problem, one per line
                  ("path: value rule"), and exits 1.
              show <policy.json>
                  The policy as plain-text tables: categories, purposes, retention rules, rights terms,
                  calendar, recipients.
              preview <policy.json> <items.jsonl> --at <ISO instant> [--format table|jsonl]
                  Retention dry run: the verdict for each item of a JSON Lines file at the instant given
                  (status, until/since, action, deciding rule), then totals per category and per rule.
                  Each line: {"subject": "...", "category": "...", "purpose": "...", "anchors":
                  {"last_transaction": "2024-01-01T00:00:00Z"}, "erasureRequestedAt": "...", "holds": 0}
                  (purpose, anchors, erasureRequestedAt and holds are optional).
              deadline <policy.json> <REQUEST_TYPE> --received <ISO date> [--verified <ISO date>] [--extended]
                  The deadline of a data-subject request and how it was derived. REQUEST_TYPE is one of
                  %s.
              verify-receipt <receipt.jws> <public-key.jwk>
                  Check a signed consent receipt with the shop's public key alone: prints "valid: ..." and
                  what the receipt says, or why it is not valid, and exits 1.
              help
                  This text.

            exit codes: 0 done, 1 invalid input, 2 usage error. Formats: docs/cli.md.
            """.formatted(Arrays.stream(RequestType.values()).map(Enum::name).collect(Collectors.joining(", ")));

    private ConsentCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; what it prints goes to {@code out}, errors (one line) to {@code err}. Returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0) {
                throw CliException.usage("no command given; 'help' lists the commands");
            }
            List<String> rest = List.of(args).subList(1, args.length);
            return switch (args[0]) {
                case "validate" -> validate(rest, out);
                case "show" -> show(rest, out);
                case "preview" -> preview(rest, out);
                case "deadline" -> deadline(rest, out);
                case "verify-receipt" -> ReceiptCheck.verify(rest, out);
                case "help", "--help", "-h" -> {
                    Arguments.parse("help", rest, Set.of(), Set.of()).positional();
                    out.print(USAGE_TEXT);
                    yield OK;
                }
                default -> throw CliException.usage("unknown command \"" + args[0]
                        + "\"; the commands are validate, show, preview, deadline, verify-receipt and help");
            };
        } catch (CliException e) {
            err.println((e.exitCode() == USAGE ? "usage error: " : "error: ") + e.getMessage());
            return e.exitCode();
        } catch (RuntimeException e) {
            // a bug of ours, still one line: the operator reports it, the shop's data is not in it
            err.println("error: unexpected " + e.getClass().getSimpleName() + ": "
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            return INVALID_INPUT;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int validate(List<String> args, PrintStream out) {
        String file = Arguments.parse("validate", args, Set.of(), Set.of()).positional("policy.json").get(0);
        try {
            Policy policy = PolicyFiles.readOrProblems(file);
            out.println("valid: " + policy.id() + " " + policy.version());
            return OK;
        } catch (InvalidPolicyException e) {
            for (PolicyProblem p : e.problems()) {
                out.println(p);
            }
            int n = e.problems().size();
            throw CliException.invalid(file + ": " + n + " problem" + (n == 1 ? "" : "s"));
        }
    }

    private static int show(List<String> args, PrintStream out) {
        String file = Arguments.parse("show", args, Set.of(), Set.of()).positional("policy.json").get(0);
        PolicyReport.print(PolicyFiles.read(file), out);
        return OK;
    }

    private static int preview(List<String> args, PrintStream out) {
        Arguments a = Arguments.parse("preview", args, Set.of("at", "format"), Set.of());
        List<String> files = a.positional("policy.json", "items.jsonl");
        Instant at = Arguments.instant("at", a.required("at", "<ISO instant>"));
        String format = a.option("format").orElse("table");
        if (!format.equals("table") && !format.equals("jsonl")) {
            throw CliException.usage("--format \"" + format + "\" is not table or jsonl");
        }
        Policy policy = PolicyFiles.read(files.get(0));
        RetentionPreview preview = RetentionPreview.of(policy, PolicyFiles.existing(files.get(1)), files.get(1), at);
        if (format.equals("table")) {
            preview.printTable(out);
        } else {
            preview.printJsonLines(out);
        }
        return OK;
    }

    private static int deadline(List<String> args, PrintStream out) {
        Arguments a = Arguments.parse("deadline", args, Set.of("received", "verified"), Set.of("extended"));
        List<String> positional = a.positional("policy.json", "REQUEST_TYPE");
        RequestType type = requestType(positional.get(1));
        LocalDate received = Arguments.date("received", a.required("received", "<ISO date>"));
        java.util.Optional<LocalDate> verified = a.option("verified").map(v -> Arguments.date("verified", v));
        Policy policy = PolicyFiles.read(positional.get(0));
        new DeadlineReport(policy, type, received, verified, a.flag("extended")).print(out);
        return OK;
    }

    private static RequestType requestType(String name) {
        try {
            return RequestType.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw CliException.usage("\"" + name + "\" is not a request type; expected one of "
                    + Arrays.stream(RequestType.values()).map(Enum::name).collect(Collectors.joining(", ")));
        }
    }
}
