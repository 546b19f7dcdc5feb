package dev.consent.examples.cli;

import dev.consent.policy.InvalidPolicyException;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Reads the policy file a command names, turning every way it can fail into one line for the operator. */
final class PolicyFiles {
    private PolicyFiles() {
    }

    /** The file, which must exist and be a regular file. */
    static Path existing(String file) {
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw CliException.usage("\"" + file + "\" is not a file name: " + e.getReason());
        }
        if (!Files.exists(path)) {
            throw CliException.invalid(file + ": no such file");
        }
        if (!Files.isRegularFile(path)) {
            throw CliException.invalid(file + ": not a regular file");
        }
        return path;
    }

    /** Reads the file as JSON policy; throws {@link InvalidPolicyException} with every problem. */
    static Policy readOrProblems(String file) {
        Path path = existing(file);
        try {
            return PolicyJson.read(path);
        } catch (UncheckedIOException e) {
            throw CliException.invalid(file + ": cannot be read: " + e.getCause().getMessage());
        }
    }

    /** Reads the file as JSON policy; an invalid one is one line naming the first problem and how to see all. */
    static Policy read(String file) {
        try {
            return readOrProblems(file);
        } catch (InvalidPolicyException e) {
            int n = e.problems().size();
            throw CliException.invalid(file + " is not a valid policy (" + n + " problem" + (n == 1 ? "" : "s")
                    + ", the first: " + e.problems().get(0) + "); 'validate " + file + "' lists "
                    + (n == 1 ? "it" : "them all"));
        }
    }
}
