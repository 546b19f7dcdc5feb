package dev.consent.examples.cli;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One command's arguments: positional ones in order, {@code --name value} (or {@code --name=value}) options and
 * {@code --flag}s. Anything not declared by the command is a usage error, so a misspelt option is never ignored.
 */
final class Arguments {
    private final String command;
    private final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new LinkedHashMap<>();
    private final Set<String> flags = new HashSet<>();

    private Arguments(String command) {
        this.command = command;
    }

    static Arguments parse(String command, List<String> args, Set<String> valueOptions, Set<String> flagOptions) {
        Arguments a = new Arguments(command);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.equals("--")) {
                a.positional.add(arg);
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            if (valueOptions.contains(name)) {
                String value;
                if (eq >= 0) {
                    value = arg.substring(eq + 1);
                } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                    value = args.get(++i);
                } else {
                    throw CliException.usage(command + ": --" + name + " needs a value");
                }
                if (a.options.put(name, value) != null) {
                    throw CliException.usage(command + ": --" + name + " is given twice");
                }
            } else if (flagOptions.contains(name) && eq < 0) {
                a.flags.add(name);
            } else if (flagOptions.contains(name)) {
                throw CliException.usage(command + ": --" + name + " takes no value");
            } else {
                throw CliException.usage(command + ": unknown option --" + name
                        + (valueOptions.isEmpty() && flagOptions.isEmpty() ? " (it takes none)" : ""));
            }
        }
        return a;
    }

    /** The positional arguments, exactly {@code names.length} of them, named for the message when they are not. */
    List<String> positional(String... names) {
        if (positional.size() != names.length) {
            throw CliException.usage(command + " needs " + String.join(" ", names.length == 0 ? new String[] {"nothing"}
                    : java.util.Arrays.stream(names).map(n -> "<" + n + ">").toArray(String[]::new))
                    + (positional.size() < names.length ? "; " + (names.length - positional.size()) + " missing"
                            : "; unexpected " + positional.subList(names.length, positional.size())));
        }
        return List.copyOf(positional);
    }

    Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    String required(String name, String what) {
        return option(name).orElseThrow(() -> CliException.usage(command + " needs --" + name + " " + what));
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    static Instant instant(String option, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeException e) {
            throw CliException.usage("--" + option + " \"" + value
                    + "\" is not an ISO-8601 instant (expected e.g. 2025-06-01T00:00:00Z)");
        }
    }

    static LocalDate date(String option, String value) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeException e) {
            throw CliException.usage("--" + option + " \"" + value + "\" is not an ISO-8601 date (expected e.g. 2025-06-04)");
        }
    }
}
