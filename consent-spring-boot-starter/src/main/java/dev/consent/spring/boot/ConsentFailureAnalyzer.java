package dev.consent.spring.boot;

import dev.consent.jdbc.SchemaInitializer;
import dev.consent.policy.InvalidPolicyException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/**
 * Explains a start-up the library refused, instead of a stack trace: an invalid policy (every JSON-path problem, one a
 * line), a schema that lacks migrations (which ones, and how to apply them), and a configuration that lacks something
 * ({@link ConsentConfigurationException}: the property, the problem, the action). Registered in
 * {@code META-INF/spring.factories}; other failures are left to Spring Boot's own analyzers.
 */
public class ConsentFailureAnalyzer implements FailureAnalyzer {

    /** Created by Spring Boot from {@code spring.factories}. */
    public ConsentFailureAnalyzer() {
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidPolicyException e) {
                return invalidPolicy(e);
            }
            if (t instanceof SchemaInitializer.IncompatibleSchemaException e) {
                return new FailureAnalysis("The consent schema does not match what this version of the library "
                        + "needs: " + e.getMessage() + "\n\nMissing migrations: "
                        + String.join(", ", e.missingMigrations()), "Apply the missing migrations, or set "
                        + "consent.jdbc.schema=create to let the library create and migrate its tables (or flyway or "
                        + "liquibase to have that tool apply the library's migrations).", e);
            }
            if (t instanceof ConsentConfigurationException e) {
                return new FailureAnalysis("The consent library is not configured: " + e.property() + " "
                        + e.problem() + ".", e.action() + ".", e);
            }
        }
        return null;
    }

    private static FailureAnalysis invalidPolicy(InvalidPolicyException e) {
        // the exception's message names the source and lists every problem as "<json path>: <value> <rule>"
        return new FailureAnalysis("The privacy policy (consent.policy) is an " + e.getMessage(),
                "Correct the policy at the JSON paths listed above.", e);
    }
}
