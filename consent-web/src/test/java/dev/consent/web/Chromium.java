package dev.consent.web;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The browser the banner's tests run in: the distribution's headless Chromium driven through its own chromedriver
 * (Debian's {@code chromium} and {@code chromium-driver}), named by {@code CONSENT_CHROMIUM} and
 * {@code CONSENT_CHROMEDRIVER} or found at {@code /usr/bin}. Selenium is handed both paths, so it never runs Selenium
 * Manager and downloads nothing. When either is missing the tests are skipped with the reason, except on CI
 * ({@code CI=true}), where they fail: CI must test the banner in a browser (as consent-jdbc's {@code Databases} does
 * for database servers).
 */
final class Chromium {
    static final Path BROWSER = Path.of(env("CONSENT_CHROMIUM", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(env("CONSENT_CHROMEDRIVER", "/usr/bin/chromedriver"));

    private Chromium() {
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** Skips the calling test (fails it with CI=true) when the browser or its driver is not installed. */
    static void requireInstalled() {
        String missing = !Files.isExecutable(BROWSER) ? "Chromium (" + BROWSER + ")"
                : !Files.isExecutable(DRIVER) ? "chromedriver (" + DRIVER + ")" : null;
        if (missing == null) {
            return;
        }
        String reason = missing + " is not installed; the banner's browser tests are skipped. Install Debian's chromium"
                + " and chromium-driver (apt-get install chromium chromium-driver) or point CONSENT_CHROMIUM and"
                + " CONSENT_CHROMEDRIVER at them.";
        System.err.println("[consent-web tests] " + reason);
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail(reason + " CI=true: the banner must be tested in a browser.");
        }
        Assumptions.abort(reason);
    }

    /**
     * A new headless Chromium, 1280 by 900 CSS pixels, its user interface in {@code language}. The caller quits it.
     *
     * @param language the browser's language, e.g. {@code en-US}: what {@code navigator.language} says
     */
    static ChromeDriver start(String language) {
        requireInstalled();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--lang=" + language, "--disable-extensions", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync");
        options.setExperimentalOption("prefs", Map.of("intl.accept_languages", language));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        return driver;
    }

    /**
     * Makes every page this browser opens from now on send Global Privacy Control: {@code navigator
     * .globalPrivacyControl} is true before any page script runs, and every request carries {@code Sec-GPC: 1}
     * (GPC specification, sections 3.1 and 3.2). Chromium has no switch of its own for it.
     *
     * @return what {@link #stopGpc} needs to undo it
     */
    static Map<String, Object> sendGpc(ChromeDriver driver) {
        driver.executeCdpCommand("Page.enable", Map.of());
        Map<String, Object> script = driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source",
                "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
                        + "{get: function () { return true; }, configurable: true});"));
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Sec-GPC", "1")));
        return script;
    }

    /** Undoes {@link #sendGpc}: pages opened from now on send no signal. */
    static void stopGpc(ChromeDriver driver, Map<String, Object> script) {
        driver.executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument", Map.of("identifier",
                script.get("identifier")));
        driver.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of()));
    }

    /** Writes a PNG of the current viewport to {@code target/screenshots/<name>.png}. */
    static Path screenshot(ChromeDriver driver, String name) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "screenshots"));
            return Files.write(dir.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
