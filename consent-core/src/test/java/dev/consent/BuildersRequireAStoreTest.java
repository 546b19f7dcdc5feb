package dev.consent;

import dev.consent.retention.RetentionService;
import dev.consent.rights.RightsService;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.ShopPolicy;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A service is never built over a store it made up: without {@code store(...)} the builder names the missing field. */
class BuildersRequireAStoreTest {

    @Test
    void eachServiceBuilderNamesTheMissingStore() {
        assertThatThrownBy(() -> ConsentService.builder().policy(ShopPolicy.v1()).build())
                .isInstanceOfSatisfying(InvalidValueException.class, e -> org.assertj.core.api.Assertions
                        .assertThat(e.field()).isEqualTo("store"))
                .hasMessageContaining("InMemoryStore");
        assertThatThrownBy(() -> RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .policy(RetentionPolicy.policy()).build())
                .isInstanceOfSatisfying(InvalidValueException.class, e -> org.assertj.core.api.Assertions
                        .assertThat(e.field()).isEqualTo("store"));
        try (ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(new InMemoryStore())
                .build()) {
            assertThatThrownBy(() -> RightsService.builder().consents(consents).build())
                    .isInstanceOfSatisfying(InvalidValueException.class, e -> org.assertj.core.api.Assertions
                            .assertThat(e.field()).isEqualTo("store"));
        }
    }
}
