package dev.consent.web;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deque's axe-core over the banner's first layer, its settings layer and the preference page, in English, German and
 * French: no serious or critical violation of the WCAG 2.0 to 2.2 A and AA rules axe checks. Each state is written as
 * a screenshot to {@code target/screenshots/} (the README's pictures are two of them).
 */
class BannerAccessibilityTest {
    /** The WCAG success criteria axe tests, levels A and AA up to WCAG 2.2. */
    private static final List<String> WCAG = List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa");

    private static ChromeDriver browser;
    private static BannerSite site;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        site = new BannerSite();
        browser = Chromium.start("en-US");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1024, 768));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (site != null) {
            site.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"en", "de", "fr"})
    void theBannerAndItsSettingsHaveNoSeriousViolation(String lang) {
        browser.manage().deleteAllCookies();
        open("/shop?lang=" + lang);
        assertThat(browser.findElements(By.cssSelector("dialog[data-consent-banner]"))).hasSize(1);
        assertNoSeriousViolation("banner, " + lang);
        Path banner = screenshot("banner-" + lang);

        browser.findElement(By.cssSelector("[data-consent-action=settings]")).click();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> "settings".equals(
                d.findElement(By.cssSelector("dialog[data-consent-banner]")).getAttribute("data-layer")));
        assertNoSeriousViolation("settings, " + lang);
        Path settings = screenshot("settings-" + lang);

        assertThat(banner).isNotEmptyFile();
        assertThat(settings).isNotEmptyFile();
    }

    @ParameterizedTest
    @ValueSource(strings = {"en", "de", "fr"})
    void thePreferencePageHasNoSeriousViolation(String lang) throws Exception {
        browser.manage().deleteAllCookies();
        open("/preferences?lang=" + lang);
        assertThat(browser.findElements(By.cssSelector("[data-consent-preferences] input[type=checkbox]")))
                .hasSize(3);
        assertNoSeriousViolation("preference page, " + lang);
        assertThat(Files.size(screenshot("preferences-" + lang))).isPositive();
    }

    private static void open(String path) {
        browser.get(site.url(path));
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> "true".equals(
                d.findElement(By.tagName("html")).getAttribute("data-consent-ready")));
    }

    /** The pointer off the controls, so that no picture shows a hovered button. */
    private static Path screenshot(String name) {
        new Actions(browser).moveToLocation(1, 1).perform();
        return Chromium.screenshot(browser, name);
    }

    private static void assertNoSeriousViolation(String what) {
        Results results = new AxeBuilder().withTags(WCAG).analyze(browser);
        assertThat(results.isErrored()).as("axe ran on the " + what).isFalse();
        assertThat(results.getPasses()).as("axe checked the " + what).isNotEmpty();
        List<Rule> serious = results.getViolations().stream()
                .filter(r -> "serious".equals(r.getImpact()) || "critical".equals(r.getImpact()))
                .collect(Collectors.toList());
        assertThat(serious).as(() -> "serious or critical accessibility violations on the " + what + ": "
                + serious.stream().map(r -> r.getId() + " (" + r.getImpact() + "): " + r.getHelp() + " at "
                        + r.getNodes().stream().map(n -> String.valueOf(n.getTarget())).toList())
                .collect(Collectors.joining("; "))).isEmpty();
        // lesser findings are reported, not hidden
        results.getViolations().stream().filter(r -> !serious.contains(r)).forEach(r -> System.err.println(
                "[consent-web tests] axe, " + what + ": " + r.getId() + " (" + r.getImpact() + "): " + r.getHelp()));
    }
}
