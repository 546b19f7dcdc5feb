package dev.consent.web;

import dev.consent.Reason;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The banner and preference centre in a real browser (headless Chromium), against the consent endpoints on the JDK's
 * HTTP server: what the visitor sees, what they click, and what the server's ledger holds afterwards, exactly.
 */
class BannerBrowserTest {
    private static ChromeDriver browser;
    private static BannerSite site;

    @BeforeAll
    static void start() throws Exception {
        Chromium.requireInstalled();
        browser = Chromium.start("en-US");
        // every page's Content-Security-Policy violations, collected before any page script runs
        browser.executeCdpCommand("Page.enable", Map.of());
        browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", "window.cspViolations = [];"
                + " document.addEventListener('securitypolicyviolation', function (e) {"
                + " window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI); });"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    @BeforeEach
    void freshSite() throws Exception {
        site = new BannerSite();
    }

    @AfterEach
    void closeSite() {
        // the shop's pages send "Content-Security-Policy: default-src 'self'": the banner must need nothing more
        assertThat(browser.executeScript("return window.cspViolations;")).asList().isEmpty();
        browser.manage().deleteAllCookies();
        browser.manage().window().setSize(new Dimension(1280, 900));
        site.close();
    }

    // ---------------------------------------------------------------------------------------------- first layer

    @Test
    void aFirstVisitShowsTheBannerWithThreeEquallyProminentChoicesAndRecordsNothing() {
        open("/shop");

        WebElement banner = banner();
        assertThat(banner.isDisplayed()).isTrue();
        assertThat(banner.getAttribute("role") == null ? banner.getTagName() : banner.getAttribute("role"))
                .isEqualTo("dialog");
        assertThat(browser.findElement(By.id(banner.getAttribute("aria-labelledby"))).getText())
                .isEqualTo("Your privacy choices");
        List<WebElement> buttons = banner.findElements(By.cssSelector(".cb-actions button"));
        assertThat(buttons).extracting(WebElement::getText).containsExactly("Accept all", "Reject all", "Settings");
        // EDPB Guidelines 03/2022 ("Stirring"), CNIL délibération n° 2020-092: same element, size and colours
        Map<String, String> first = look(buttons.get(0));
        for (WebElement b : buttons) {
            assertThat(look(b)).as(b.getText()).isEqualTo(first);
        }
        // the notice texts the server sends are what the banner shows
        assertThat(banner.getText()).contains("Statistics: We count visits to improve the shop.",
                "Advertising: Our advertising partners show you ads based on your visits.",
                "Recommendations: We suggest products from what you looked at.");
        // focus is in the dialog, on its heading: no choice is preselected
        assertThat(browser.switchTo().activeElement().getText()).isEqualTo("Your privacy choices");
        assertThat(site.visitorLedger(visitor())).isEmpty();
    }

    @Test
    void rejectAllRecordsARefusalOfEveryPurposeWithTheHashOfTheTextShownAndHidesTheBanner() {
        open("/shop");
        Map<String, String> shown = noticesShown();

        click("reject");

        waitForBannerGone();
        List<ConsentEvent> ledger = site.visitorLedger(visitor());
        assertThat(choices(ledger)).containsExactly(
                Map.entry("analytics", Choice.DENIED), Map.entry("ads", Choice.DENIED),
                Map.entry("recommendations", Choice.OBJECTED));
        for (ConsentEvent e : ledger) {
            assertThat(e.method()).isEqualTo(Method.COOKIE_BANNER);
            assertThat(e.evidence().noticeHash()).as(e.purpose().value())
                    .isEqualTo(Evidence.hashOf(shown.get(e.purpose().value())));
            assertThat(e.evidence().noticeId()).isEqualTo(e.purpose().value() + "/v1/en");
            assertThat(e.evidence().locale()).isEqualTo("en");
        }
        open("/shop");
        assertThat(browser.findElements(By.cssSelector("dialog[data-consent-banner]"))).isEmpty();
    }

    @Test
    void acceptAllRecordsAGrantOfEveryPurposeAndUpdatesConsentMode() {
        open("/shop");
        assertThat(consentUpdates()).isEmpty(); // nothing decided yet: the page's own defaults stand

        click("accept");

        waitForBannerGone();
        assertThat(choices(site.visitorLedger(visitor()))).containsExactly(
                Map.entry("analytics", Choice.GRANTED), Map.entry("ads", Choice.GRANTED),
                Map.entry("recommendations", Choice.GRANTED));
        assertThat(lastConsentUpdate()).isEqualTo(Map.of("analytics_storage", "granted", "ad_storage", "granted",
                "ad_user_data", "granted", "ad_personalization", "granted"));
        // a returning visitor's page gets the stored state at once
        open("/shop");
        assertThat(consentUpdates()).hasSize(1);
        assertThat(lastConsentUpdate()).containsEntry("ad_storage", "granted");
    }

    @Test
    void thePagesOwnGtagIsUsedWhenItHasOne() {
        open("/gtag");
        click("reject");
        waitForBannerGone();

        Object own = browser.executeScript("return window.ownGtag;");
        assertThat(own).asList().hasSize(1);
        assertThat(String.valueOf(own)).contains("consent", "update", "analytics_storage=denied", "ad_storage=denied");
    }

    @Test
    void settingsRecordExactlyTheBoxesTickedAndStartWithNoOptInBoxTicked() {
        open("/shop");
        click("settings");

        WebElement banner = banner();
        assertThat(banner.getAttribute("data-layer")).isEqualTo("settings");
        assertThat(box("analytics").isSelected()).isFalse();
        assertThat(box("ads").isSelected()).isFalse();
        // legitimate interests: on, with how to object beside it
        assertThat(box("recommendations").isSelected()).isTrue();
        assertThat(banner.getText()).contains("switch it off to object");
        assertThat(label(box("analytics"))).isEqualTo("Statistics");

        box("analytics").click();
        box("recommendations").click();
        click("save");

        waitForBannerGone();
        assertThat(choices(site.visitorLedger(visitor()))).containsExactly(
                Map.entry("analytics", Choice.GRANTED), Map.entry("ads", Choice.DENIED),
                Map.entry("recommendations", Choice.OBJECTED));
        assertThat(lastConsentUpdate()).isEqualTo(Map.of("analytics_storage", "granted", "ad_storage", "denied",
                "ad_user_data", "denied", "ad_personalization", "denied"));
    }

    @Test
    void theFooterLinkReopensTheBannerAndAChangedMindIsRecordedAfterTheFirstChoice() {
        open("/shop");
        click("reject");
        waitForBannerGone();

        WebElement link = browser.findElement(By.cssSelector("[data-consent-open]"));
        link.click();
        wait(d -> !d.findElements(By.cssSelector("dialog[data-consent-banner]")).isEmpty());
        // a reopened banner closes with Escape, records nothing, and gives focus back to the link
        new Actions(browser).sendKeys(Keys.ESCAPE).perform();
        waitForBannerGone();
        assertThat(focused()).isEqualTo(link);
        assertThat(site.visitorLedger(visitor())).hasSize(3);

        link.sendKeys(Keys.ENTER);
        wait(d -> !d.findElements(By.cssSelector("dialog[data-consent-banner]")).isEmpty());
        click("settings");
        box("analytics").click();
        click("save");
        waitForBannerGone();

        List<ConsentEvent> ledger = site.visitorLedger(visitor());
        assertThat(ledger).hasSize(6);
        assertThat(choices(ledger.subList(3, 6))).containsExactly(
                Map.entry("analytics", Choice.GRANTED), Map.entry("ads", Choice.DENIED),
                Map.entry("recommendations", Choice.OBJECTED));
        // focus returns to the link that opened the dialog
        assertThat(browser.switchTo().activeElement()).isEqualTo(link);
    }

    @Test
    void theBannerSpeaksThePagesLanguageAndRecordsTheTranslationItShowed() {
        open("/shop?lang=de");
        WebElement banner = banner();
        assertThat(banner.getAttribute("lang")).isEqualTo("de");
        assertThat(banner.findElements(By.cssSelector(".cb-actions button"))).extracting(WebElement::getText)
                .containsExactly("Alle akzeptieren", "Alle ablehnen", "Einstellungen");
        assertThat(banner.getText()).contains("Statistik: Wir zählen Besuche, um den Shop zu verbessern.");
        Map<String, String> shown = noticesShown();
        // every text shown is the policy's German translation of that purpose, and nothing else
        assertThat(shown).hasSize(3).allSatisfy((purpose, text) -> assertThat(text).isEqualTo(policyText(purpose, "de")));

        click("reject");

        waitForBannerGone();
        assertThat(site.visitorLedger(visitor())).hasSize(3).allSatisfy(e -> {
            assertThat(e.evidence().locale()).isEqualTo("de");
            assertThat(e.evidence().noticeId()).isEqualTo(e.purpose().value() + "/v1/de");
            assertThat(e.evidence().noticeHash()).isEqualTo(Evidence.hashOf(policyText(e.purpose().value(), "de")));
        });

        open("/shop?lang=fr");
        browser.findElement(By.cssSelector("[data-consent-open]")).click();
        wait(d -> !d.findElements(By.cssSelector("dialog[data-consent-banner]")).isEmpty());
        assertThat(banner().findElements(By.cssSelector(".cb-actions button"))).extracting(WebElement::getText)
                .containsExactly("Tout accepter", "Tout refuser", "Paramétrer");
        // the banner, reopened, shows the policy's French notices, each marked French
        for (String purpose : List.of("analytics", "ads", "recommendations")) {
            WebElement row = banner().findElement(By.cssSelector("li[data-purpose-row='" + purpose + "']"));
            assertThat(row.findElement(By.cssSelector("[data-notice-id]")).getText())
                    .isEqualTo(policyText(purpose, "fr"));
            assertThat(row.getAttribute("lang")).isEqualTo("fr");
        }
        click("accept");
        wait(d -> site.visitorLedger(visitor()).size() == 6);
        assertThat(site.visitorLedger(visitor()).subList(3, 6)).allSatisfy(e -> {
            assertThat(e.evidence().locale()).isEqualTo("fr");
            assertThat(e.evidence().noticeHash()).isEqualTo(Evidence.hashOf(policyText(e.purpose().value(), "fr")));
        });
    }

    // ----------------------------------------------------------------------------------------------- signals

    @Test
    void globalPrivacyControlKeepsTheFlaggedPurposeOffAndSaysWhy() {
        Map<String, Object> script = Chromium.sendGpc(browser);
        try {
            open("/shop");
            assertThat((Boolean) browser.executeScript("return navigator.globalPrivacyControl;")).isTrue();
            WebElement banner = banner();
            assertThat(banner.findElement(By.cssSelector("[data-consent-gpc]")).getText())
                    .isEqualTo("Your browser sends Global Privacy Control, so we leave this off: Advertising.");

            click("settings");
            assertThat(box("ads").isSelected()).isFalse();
            assertThat(banner().findElement(By.cssSelector("[data-consent-gpc-note]")).getText())
                    .startsWith("Off because your browser sends Global Privacy Control.");
            click("accept");

            waitForBannerGone();
            List<ConsentEvent> ledger = site.visitorLedger(visitor());
            assertThat(choices(ledger)).containsExactly(
                    Map.entry("analytics", Choice.GRANTED), Map.entry("ads", Choice.DENIED),
                    Map.entry("recommendations", Choice.GRANTED));
            // the evidence says the request carried the signal, as header and as the page read it
            assertThat(ledger).allSatisfy(e -> assertThat(e.evidence().reference())
                    .contains("Sec-GPC: 1", "navigator.globalPrivacyControl: true"));
            assertThat(lastConsentUpdate()).containsEntry("analytics_storage", "granted")
                    .containsEntry("ad_storage", "denied").containsEntry("ad_user_data", "denied");
        } finally {
            Chromium.stopGpc(browser, script);
        }
    }

    @Test
    void aNewConsentVersionOfAPurposeAsksAgain() {
        open("/shop");
        click("accept");
        waitForBannerGone();
        open("/shop");
        assertThat(browser.findElements(By.cssSelector("dialog[data-consent-banner]"))).isEmpty();

        site.bumpAnalyticsVersion();
        open("/shop");

        WebElement banner = banner();
        assertThat(banner.findElement(By.cssSelector("[data-consent-reprompt]")).getText())
                .isEqualTo("Something changed since you last chose: please choose again.");
        assertThat(banner.getText()).contains("We count visits and measure how far you scroll, to improve the shop.");
        click("accept");
        waitForBannerGone();
        List<ConsentEvent> ledger = site.visitorLedger(visitor());
        assertThat(ledger).hasSize(6);
        ConsentEvent analytics = ledger.stream().skip(3).filter(e -> e.purpose().value().equals("analytics"))
                .findFirst().orElseThrow();
        assertThat(analytics.consentVersion()).isEqualTo(2);
        assertThat(analytics.evidence().noticeId()).isEqualTo("analytics/v2/en");
        assertThat(analytics.evidence().noticeHash()).isEqualTo(Evidence.hashOf(
                "We count visits and measure how far you scroll, to improve the shop."));
    }

    @Test
    void loginLinksTheVisitorsChoicesToTheCustomer() {
        open("/shop");
        click("settings");
        box("analytics").click();
        click("save");
        waitForBannerGone();
        String visitor = visitor();
        SubjectId alice = SubjectId.of("alice");
        assertThat(site.consents.check(alice, BannerSite.ANALYTICS).allowed()).isFalse();

        open("/login?customer=alice");

        wait(d -> site.consents.check(alice, BannerSite.ANALYTICS).allowed());
        assertThat(site.consents.visitorsOf(alice)).extracting(v -> v.value()).containsExactly(visitor);
        assertThat(site.consents.check(alice, BannerSite.ADS).allowed()).isFalse();
        // the customer's choices are the visitor's: no banner after login
        open("/shop");
        assertThat(browser.findElements(By.cssSelector("dialog[data-consent-banner]"))).isEmpty();
    }

    // -------------------------------------------------------------------------------------------- accessibility

    @Test
    void theBannerCanBeWorkedWithTheKeyboardAlone() {
        open("/shop");
        assertThat(focused().getText()).isEqualTo("Your privacy choices");

        tab();
        assertThat(focused().getText()).isEqualTo("Accept all");
        assertThat(focusRing()).isNotEqualTo("none");
        tab();
        assertThat(focused().getText()).isEqualTo("Reject all");
        tab();
        assertThat(focused().getText()).isEqualTo("Settings");
        focused().sendKeys(Keys.ENTER);
        wait(d -> "settings".equals(banner().getAttribute("data-layer")));
        assertThat(focused().getText()).isEqualTo("Privacy settings");

        // Escape goes back to the first layer, Settings again
        new Actions(browser).sendKeys(Keys.ESCAPE).perform();
        wait(d -> "first".equals(banner().getAttribute("data-layer")));
        tab();
        tab();
        tab();
        focused().sendKeys(Keys.ENTER);
        wait(d -> "settings".equals(banner().getAttribute("data-layer")));

        tab();
        assertThat(focused().getAttribute("data-purpose")).isEqualTo("analytics");
        assertThat(focusRing()).isNotEqualTo("none");
        focused().sendKeys(Keys.SPACE);
        tab();
        assertThat(focused().getAttribute("data-purpose")).isEqualTo("ads");
        tab();
        assertThat(focused().getAttribute("data-purpose")).isEqualTo("recommendations");
        tab();
        tab();
        tab();
        assertThat(focused().getText()).isEqualTo("Save choices");
        focused().sendKeys(Keys.SPACE);

        waitForBannerGone();
        assertThat(choices(site.visitorLedger(visitor()))).containsExactly(
                Map.entry("analytics", Choice.GRANTED), Map.entry("ads", Choice.DENIED),
                Map.entry("recommendations", Choice.GRANTED));
    }

    @Test
    void atTwoHundredPercentZoomTheBannerReflowsAndEveryControlCanBeReached() {
        // 1280 CSS pixels at 200 % zoom leave 640: WCAG 2.2 SC 1.4.4 and 1.4.10
        browser.manage().window().setSize(new Dimension(640, 450));
        open("/shop");
        click("settings");

        WebElement banner = banner();
        assertThat((Boolean) browser.executeScript("var d = arguments[0];"
                + " return d.scrollWidth <= d.clientWidth && document.documentElement.scrollWidth"
                + " <= document.documentElement.clientWidth;", banner)).isTrue();
        for (WebElement control : banner.findElements(By.cssSelector("input, button"))) {
            browser.executeScript("arguments[0].scrollIntoView({block: 'center'});", control);
            assertThat(control.isDisplayed()).isTrue();
            assertThat(control.getRect().getX()).isGreaterThanOrEqualTo(0);
            assertThat(control.getRect().getX() + control.getRect().getWidth()).isLessThanOrEqualTo(640);
        }
        click("reject");
        waitForBannerGone();
        assertThat(site.visitorLedger(visitor())).hasSize(3);
    }

    // ------------------------------------------------------------------------------------------- the preference page

    @Test
    void thePreferencePageRendersTheCentreInlineAndSavesWhatIsTicked() {
        open("/preferences");
        assertThat(browser.findElements(By.cssSelector("dialog[data-consent-banner]"))).isEmpty();
        WebElement centre = browser.findElement(By.cssSelector("[data-consent-preferences]"));
        assertThat(centre.findElement(By.tagName("h1")).getText()).isEqualTo("Privacy settings");

        box("ads").click();
        click("save");

        wait(d -> centre.findElement(By.cssSelector("[role=status]")).getText().equals("Your choices are saved."));
        assertThat(choices(site.visitorLedger(visitor()))).containsExactly(
                Map.entry("analytics", Choice.DENIED), Map.entry("ads", Choice.GRANTED),
                Map.entry("recommendations", Choice.GRANTED));
        assertThat(box("ads").isSelected()).isTrue();

        // the boxes follow what the server holds after each save, and focus stays on the button pressed
        click("reject");
        wait(d -> !box("recommendations").isSelected());
        assertThat(box("ads").isSelected()).isFalse();
        assertThat(focused().getAttribute("data-consent-action")).isEqualTo("reject");
        assertThat(choices(site.visitorLedger(visitor()).subList(3, 6))).containsExactly(
                Map.entry("analytics", Choice.DENIED), Map.entry("ads", Choice.WITHDRAWN),
                Map.entry("recommendations", Choice.OBJECTED));
    }

    // ------------------------------------------------------------------------------------------- double opt-in

    @Test
    void aDoubleOptInPurposeIsNeverGrantedByAClickOnlyItsConfirmationMailGrantsIt() throws Exception {
        site.close();
        site = new BannerSite(true);
        open("/shop");
        assertThat(noticesShown()).containsKey("newsletter");

        // "Accept all" grants what a click may grant and leaves the double opt-in purpose out: no event at all
        click("accept");
        waitForBannerGone();
        SubjectId subject = dev.consent.ledger.VisitorId.of(visitor()).subject();
        assertThat(choices(site.ledger(subject))).containsExactly(Map.entry("analytics", Choice.GRANTED),
                Map.entry("ads", Choice.GRANTED), Map.entry("recommendations", Choice.GRANTED));
        assertThat(site.consents.check(subject, BannerSite.NEWSLETTER).reason()).isEqualTo(Reason.NO_RECORD);

        // the shop's subscription form asks for it: pending until the mail's link is followed
        dev.consent.email.DoubleOptIn doubleOptIn = new dev.consent.email.DoubleOptIn(site.consents,
                dev.consent.email.EmailKeys.of("k1", OpenApiRoutesTest.SECRET));
        String token = doubleOptIn.request(subject, BannerSite.NEWSLETTER,
                dev.consent.ledger.Capture.by(Method.WEB_FORM)).token();
        assertThat(site.consents.check(subject, BannerSite.NEWSLETTER).reason())
                .isEqualTo(Reason.PENDING_CONFIRMATION);

        // neither "Accept all" nor a tick in the preference centre confirms it
        open("/preferences");
        assertThat(box("newsletter").isSelected()).as("pending is not granted").isFalse();
        click("accept");
        wait(d -> site.ledger(subject).size() == 7);
        box("newsletter").click();
        assertThat(box("newsletter").isSelected()).isTrue();
        click("save");
        wait(d -> site.ledger(subject).size() == 10);
        wait(d -> !box("newsletter").isSelected());
        List<ConsentEvent> newsletter = site.ledger(subject).stream()
                .filter(e -> e.purpose().equals(BannerSite.NEWSLETTER)).toList();
        assertThat(newsletter).singleElement().satisfies(e -> {
            assertThat(e.choice()).isEqualTo(Choice.GRANTED);
            assertThat(e.method()).isEqualTo(Method.WEB_FORM);
        });
        assertThat(site.consents.check(subject, BannerSite.NEWSLETTER).reason())
                .isEqualTo(Reason.PENDING_CONFIRMATION);

        // the confirmation link grants it; "Reject all" then withdraws it, as for any consent (GDPR Art. 7(3))
        assertThat(doubleOptIn.confirm(token, Evidence.NONE).status())
                .isEqualTo(dev.consent.email.Confirmation.Status.CONFIRMED);
        assertThat(site.consents.check(subject, BannerSite.NEWSLETTER).allowed()).isTrue();
        open("/preferences");
        assertThat(box("newsletter").isSelected()).isTrue();
        click("reject");
        wait(d -> !box("newsletter").isSelected());
        assertThat(site.ledger(subject).get(site.ledger(subject).size() - 1)).satisfies(e -> {
            assertThat(e.purpose()).isEqualTo(BannerSite.NEWSLETTER);
            assertThat(e.choice()).isEqualTo(Choice.WITHDRAWN);
            assertThat(e.method()).isEqualTo(Method.COOKIE_BANNER);
        });
        assertThat(site.consents.check(subject, BannerSite.NEWSLETTER).allowed()).isFalse();
    }

    // ------------------------------------------------------------------------------------------------- helpers

    /** The policy's notice text of {@code purpose} in {@code language}, as the policy in force holds it. */
    private static String policyText(String purpose, String language) {
        return site.consents.policy().findPurpose(PurposeId.of(purpose)).orElseThrow().translation(language)
                .orElseThrow().text();
    }

    private static void open(String path) {
        browser.get(site.url(path));
        wait(d -> d.findElement(By.tagName("html")).getAttribute("data-consent-ready") != null);
        assertThat(browser.findElement(By.tagName("html")).getAttribute("data-consent-ready")).isEqualTo("true");
    }

    private static WebElement banner() {
        return browser.findElement(By.cssSelector("dialog[data-consent-banner]"));
    }

    private static void click(String action) {
        browser.findElement(By.cssSelector("[data-consent-action=" + action + "]")).click();
    }

    private static WebElement box(String purpose) {
        return browser.findElement(By.cssSelector("input[data-purpose='" + purpose + "']"));
    }

    private static String label(WebElement box) {
        return browser.findElement(By.cssSelector("label[for='" + box.getAttribute("id") + "']")).getText();
    }

    private static void waitForBannerGone() {
        wait(d -> d.findElements(By.cssSelector("dialog[data-consent-banner]")).isEmpty());
    }

    private static void wait(java.util.function.Function<org.openqa.selenium.WebDriver, Boolean> condition) {
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(condition::apply);
    }

    private static String visitor() {
        Cookie c = browser.manage().getCookieNamed(ConsentWebHandler.DEFAULT_VISITOR_COOKIE);
        assertThat(c).as("the visitor cookie").isNotNull();
        return c.getValue();
    }

    /** Purpose id to the notice text the first layer displays. */
    private static Map<String, String> noticesShown() {
        Map<String, String> shown = new LinkedHashMap<>();
        for (WebElement row : banner().findElements(By.cssSelector("li[data-purpose-row]"))) {
            shown.put(row.getAttribute("data-purpose-row"), row.findElement(By.cssSelector("[data-notice-id]"))
                    .getText());
        }
        return shown;
    }

    private static List<Map.Entry<String, Choice>> choices(List<ConsentEvent> events) {
        return events.stream().map(e -> Map.entry(e.purpose().value(), e.choice())).collect(Collectors.toList());
    }

    /** What makes a button stand out: element, size, colours, type. */
    private static Map<String, String> look(WebElement b) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("tag", b.getTagName());
        m.put("class", b.getAttribute("class"));
        m.put("width", String.valueOf(b.getRect().getWidth()));
        m.put("height", String.valueOf(b.getRect().getHeight()));
        for (String css : List.of("background-color", "color", "font-size", "font-weight", "border-top-color",
                "border-top-width", "padding-top", "text-decoration-line")) {
            m.put(css, b.getCssValue(css));
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> consentUpdates() {
        return (List<Map<String, Object>>) browser.executeScript("return (window.dataLayer || [])"
                + ".map(function (a) { return Array.prototype.slice.call(a); })"
                + ".filter(function (a) { return a[0] === 'consent' && a[1] === 'update'; })"
                + ".map(function (a) { return a[2]; });");
    }

    private static Map<String, Object> lastConsentUpdate() {
        List<Map<String, Object>> updates = consentUpdates();
        assertThat(updates).isNotEmpty();
        return updates.get(updates.size() - 1);
    }

    private static WebElement focused() {
        return browser.switchTo().activeElement();
    }

    private static void tab() {
        new Actions(browser).sendKeys(Keys.TAB).perform();
    }

    private static String focusRing() {
        return (String) browser.executeScript("return getComputedStyle(document.activeElement).outlineStyle;");
    }
}
