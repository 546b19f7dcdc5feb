package dev.consent.examples.cli;

/**
 * Ends a command with one line on standard error and an exit code: {@link ConsentCli#USAGE} for a command line that
 * cannot be understood, {@link ConsentCli#INVALID_INPUT} for input files (or a policy) that say something wrong.
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    private CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    /** The command line is wrong: a missing argument, an unknown option, a malformed value. Exit code 2. */
    static CliException usage(String message) {
        return new CliException(ConsentCli.USAGE, message);
    }

    /** An input file, or what it says, is wrong. Exit code 1. */
    static CliException invalid(String message) {
        return new CliException(ConsentCli.INVALID_INPUT, message);
    }

    int exitCode() {
        return exitCode;
    }
}
