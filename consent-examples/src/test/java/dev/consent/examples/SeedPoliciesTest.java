package dev.consent.examples;

import dev.consent.policy.Policy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SeedPoliciesTest {
    static List<String> seeds() {
        return SeedPolicies.ALL;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void everySeedPolicyLoadsAndIsNamedAfterItsSeedAndShop(String file) {
        Policy policy = SeedPolicies.load(file);
        int seed = SeedPolicies.ALL.indexOf(file);
        assertThat(file).isEqualTo(String.format("%03d-%s.json", seed, policy.id()));
    }

    /**
     * No seed's text states the controller's postal address and phone (seed 001 has placeholders: "Address to be
     * filled", "+86-XXX-XXXX-XXXX"), nor a jurisdiction: consent receipts cannot be issued under a seed policy, and the
     * library says which fields are missing rather than write incomplete receipts. Seed 001 states an email address.
     */
    @ParameterizedTest
    @MethodSource("seeds")
    void noSeedStatesWhatConsentReceiptsNeedAndTheMissingFieldsAreNamed(String file) {
        Policy policy = SeedPolicies.load(file);
        List<String> missing = policy.receiptProblems().stream().map(dev.consent.policy.PolicyProblem::path).toList();
        assertThat(missing).contains("$.jurisdictions", "$.policyUrl", "$.language", "$.storageLocations");
        assertThat(missing).containsAnyOf("$.controller", "$.controller.address");
        if (file.equals(SeedPolicies.EXAMPLE_COMPANY)) {
            assertThat(policy.controller().orElseThrow().email()).isEqualTo("privacy@example.com");
            assertThat(missing).contains("$.controller.address", "$.controller.phone").doesNotContain("$.controller.email");
        }
    }

    @Test
    void everyPolicyFileShippedIsListedOnce() throws IOException, URISyntaxException {
        Path dir = Path.of(SeedPolicies.class.getResource("/policies/" + SeedPolicies.SELL4SERVICE).toURI()).getParent();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(SeedPolicies.ALL);
        }
        assertThat(SeedPolicies.ALL).doesNotHaveDuplicates().hasSize(5);
    }

    @Test
    void aMissingSeedIsAnErrorNotAnEmptyPolicy() {
        assertThatThrownBy(() -> SeedPolicies.load("005-nobody.json"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/policies/005-nobody.json");
    }
}
