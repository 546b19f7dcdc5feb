package dev.consent.policy;

import dev.consent.InvalidValueException;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyVersionsTest {

    @Test
    void theVersionInForceIsTheLatestEffectiveOneOrTheEarliest() {
        Policy v1 = ShopPolicy.v1();
        Policy v2 = ShopPolicy.v2();
        PolicyVersions versions = PolicyVersions.of(List.of(v2, v1));
        assertThat(versions.all()).containsExactly(v1, v2);
        assertThat(versions.at(v2.effectiveInstant())).isSameAs(v2);
        assertThat(versions.at(v2.effectiveInstant().minusNanos(1))).isSameAs(v1);
        assertThat(versions.at(v1.effectiveInstant().minusSeconds(86_400))).as("before every version").isSameAs(v1);
        assertThat(versions.policyId()).isEqualTo(v1.id());
    }

    @Test
    void purposeIdsAreListedOnceNewestVersionFirst() {
        PolicyVersions versions = PolicyVersions.of(List.of(ShopPolicy.v1(), ShopPolicy.v2()));
        assertThat(versions.purposeIdsNewestFirst()).doesNotHaveDuplicates()
                .startsWith(ShopPolicy.v2().purposes().get(0).id());
    }

    @Test
    void refusesNoVersionTwoOnOneDateAndTwoPolicies() {
        assertThatThrownBy(() -> PolicyVersions.of(List.of())).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("at least one policy version");
        assertThatThrownBy(() -> PolicyVersions.of(List.of(ShopPolicy.v1(), ShopPolicy.v1())))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("same date");
        Policy other = Policy.builder("another-shop", "1").effectiveFrom(java.time.LocalDate.of(2030, 1, 1))
                .zone(ShopPolicy.v1().zone()).category("contact.email", "Email")
                .purpose(Purpose.builder("p").title("P").basis(LegalBasis.CONSENT).categories("contact.email")
                        .build()).build();
        assertThatThrownBy(() -> PolicyVersions.of(List.of(ShopPolicy.v1(), other)))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("one policy id");
    }
}
