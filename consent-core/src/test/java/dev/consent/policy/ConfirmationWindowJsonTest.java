package dev.consent.policy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The purpose field {@code confirmationWindow} (double opt-in), parsed as strictly as every other field. */
class ConfirmationWindowJsonTest {
    private static String policy(String basis, String window) {
        return """
                {"id":"shop","version":"1","effectiveFrom":"2024-01-01","timeZone":"UTC",
                 "categories":[{"id":"contact.email","description":"Email"}],
                 "purposes":[{"id":"newsletter","title":"Newsletter","legalBasis":"%s","categories":["contact.email"],
                   "confirmationWindow":%s}]}
                """.formatted(basis, window);
    }

    private static List<PolicyProblem> problems(String json) {
        InvalidPolicyException e = catchThrowableOfType(() -> PolicyJson.read(json), InvalidPolicyException.class);
        assertThat(e).as("the policy must be refused").isNotNull();
        return e.problems();
    }

    @Test
    void aWindowMakesThePurposeRequireConfirmation() {
        Purpose p = PolicyJson.read(policy("CONSENT", "\"PT48H\"")).purpose(PurposeId.of("newsletter"));
        assertThat(p.requiresConfirmation()).isTrue();
        assertThat(p.confirmationWindow()).contains(Duration.ofHours(48));
        String without = policy("CONSENT", "null").replaceAll(",\\s*\"confirmationWindow\":null", "");
        assertThat(PolicyJson.read(without)
                .purpose(PurposeId.of("newsletter")).requiresConfirmation()).isFalse();
    }

    @Test
    void malformedOutOfRangeAndNonConsentWindowsAreRefusedByPath() {
        assertThat(problems(policy("CONSENT", "\"3 days\""))).extracting(PolicyProblem::path)
                .contains("$.purposes[0].confirmationWindow");
        assertThat(problems(policy("CONSENT", "3"))).extracting(PolicyProblem::path)
                .contains("$.purposes[0].confirmationWindow");
        assertThat(problems(policy("CONSENT", "\"PT1M\""))).extracting(PolicyProblem::rule)
                .anySatisfy(r -> assertThat(r).contains("between"));
        assertThat(problems(policy("CONSENT", "\"P31D\""))).extracting(PolicyProblem::rule)
                .anySatisfy(r -> assertThat(r).contains("between"));
        assertThat(problems(policy("CONTRACT", "\"P3D\""))).extracting(PolicyProblem::rule)
                .anySatisfy(r -> assertThat(r).contains("CONSENT"));
    }
}
