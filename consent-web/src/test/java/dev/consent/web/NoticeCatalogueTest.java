package dev.consent.web;

import dev.consent.InvalidValueException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NoticeCatalogueTest {

    private static NoticeCatalogue read(String json) throws Exception {
        return NoticeCatalogue.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsTranslationsPerPurposeAndLanguage() throws Exception {
        NoticeCatalogue c = read("{\"purposes\":{\"analytics\":{\"de-de\":{\"version\":2,\"title\":\"Statistik\","
                + "\"text\":\"Wir zählen.\"}}}}");

        assertThat(c.translation(dev.consent.policy.PurposeId.of("analytics"), "de-DE")).hasValueSatisfying(t -> {
            assertThat(t.version()).isEqualTo(2);
            assertThat(t.text()).isEqualTo("Wir zählen.");
        });
    }

    @Test
    void refusesWhatItCannotServeExactly() {
        assertThatThrownBy(() -> read("{\"purposes\":{\"analytics\":{\"de\":{\"version\":2,\"title\":\"T\","
                + "\"txt\":\"x\"}}}}")).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("$.purposes.analytics.de.txt");
        assertThatThrownBy(() -> read("{\"purposes\":{\"analytics\":{\"de\":{\"version\":\"2\",\"title\":\"T\","
                + "\"text\":\"x\"}}}}")).hasMessageContaining("$.purposes.analytics.de.version");
        assertThatThrownBy(() -> read("{\"purposes\":{\"analytics\":{\"<de>\":{\"version\":2,\"title\":\"T\","
                + "\"text\":\"x\"}}}}")).hasMessageContaining("locale");
        assertThatThrownBy(() -> NoticeCatalogue.builder().text("analytics", "de", 1, "T", "x")
                .text("analytics", "DE", 1, "T", "y")).hasMessageContaining("already has a text in de");
        assertThatThrownBy(() -> NoticeCatalogue.builder().text("analytics", "de", 1, "T", " "))
                .hasMessageContaining("notice.text");
    }

    @Test
    void aTranslationOfAnUndeclaredPurposeIsRefusedWhenTheHandlerIsBuilt() {
        WebFixture shop = new WebFixture();
        NoticeCatalogue stray = NoticeCatalogue.builder().text("telepathy", "de", 1, "T", "x").build();

        assertThatThrownBy(() -> ConsentWebHandler.builder(shop.consents).notices(stray).build())
                .isInstanceOfSatisfying(InvalidValueException.class, e -> {
                    assertThat(e.field()).isEqualTo("notices");
                    assertThat(e.value()).isEqualTo("telepathy");
                });
    }
}
