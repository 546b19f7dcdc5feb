package dev.consent.examples.storefront;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.receipt.Iso27560Records;
import dev.consent.receipt.KantaraSchemas;
import dev.consent.receipt.ReceiptVerification;
import dev.consent.receipt.ReceiptVerifier;
import dev.consent.signals.GppString;
import dev.consent.signals.TcString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The storefront tells its whole story on embedded H2, and the story says what the library did. */
class StorefrontTest {

    @Test
    void theStoryRunsEndToEndOnH2(@TempDir Path out) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        new Storefront(new PrintStream(buffer, true, StandardCharsets.UTF_8), 5, out, Storefront.defaultPolicy()).run();
        String story = buffer.toString(StandardCharsets.UTF_8);

        assertThat(story).contains(
                "cookies.ads: APPLIED",
                "3 of 5 receive the email; reasons: {DENIED=1, GRANTED=3, NO_RECORD=1}",
                "the next campaign skips Dave: marketing.email: denied (WITHDRAWN",
                "withdrawal is not retroactive: one minute earlier the answer was GRANTED",
                "transaction.record: kept until 2032-12-31T23:00:00Z because of rule invoices-tax-7y",
                "15 items due, 0 held, 0 without a handler",
                "nothing was disposed",
                "disposed 15 items",
                "orders naming a customer=0",
                "5 of 5 hash chains verify",
                "RECTIFICATION");
        assertThat(story).contains("OVERDUE");
        // an order and its retention anchors commit in one transaction: a declined order leaves neither
        assertThat(story).contains("Erin's first order: its anchors are written, then the payment processor declined"
                        + " the card; the transaction rolls back: 0 orders, no order anchor",
                "commit in one transaction (the store joins the shop's: JdbcStore.join); Erin's order is anchored at"
                        + " 2025-03-06T09:00:00Z");
        // GDPR Art. 5(2), Art. 30(1)(f): the dry run lists the items no rule has due instead of skipping them
        assertThat(story).contains("3 items no rule has started for, 0 with no rule at all (listed, not skipped):",
                "account.profile: 3, e.g. no maximum rule has started: waiting for account_closed (rule"
                        + " profile-6m-after-closing), which never happened");
        // GDPR Art. 17(1), Art. 5(2): an erasure of a customer the library knew nothing of waits for the shop
        assertThat(story).contains("no retained item of this subject is known to the retention records",
                "the request is AWAITING_HOST_CONFIRMATION, not completed",
                "the privacy team erases him by hand and confirms: name and email deleted from the customer record;"
                        + " 1 order(s) anonymized",
                "the request is now COMPLETED");
        // GDPR Art. 19 (seed 001's recipients table): the outbox passes each change on through the shop's notifier,
        // which writes to the shop's own table, and the erasure request lists whom it told
        assertThat(story).contains(
                "the outbox delivered 1 notice(s) to the shop's notifier:",
                "mailer WITHDRAWAL dave contact.email (marketing.email)",
                "recipient-outbox: told PayCo Europe at 2025-03-06T09:01:00Z: RESTRICTION of transaction.record (orders)",
                "recipient-outbox: told Parcel Express at 2025-03-06T09:01:00Z: RESTRICTION of transaction.record"
                        + " (orders)");
        // docs/email.md: double opt-in, one-click unsubscribe (RFC 8058), suppression that survives erasure, proof
        assertThat(story).contains(
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                "(no cookies, no login): UNSUBSCRIBED, HTTP 200",
                "Please confirm that you want flash deals from us by opening this link before 2025-03-09T09:01:00Z:",
                "https://shop.example/email/confirm?token=c2.demo-1.",
                "until confirmed, Alice is PENDING_CONFIRMATION",
                "alice opens the link: CONFIRMED, now GRANTED",
                "the link again: ALREADY_CONFIRMED (single use)",
                "three days later he is NO_RECORD and his link answers EXPIRED",
                "crm-1187: refused, import of marketing.email for subject crm-1187 refused: the address is on the"
                        + " suppression list",
                "crm-2204: imported, GRANTED",
                "3 of 6 addresses receive it; left out by consent: {NO_RECORD=1, WITHDRAWN=1}; suppressed: [web-5531]",
                "List-Unsubscribe: <https://shop.example/email/unsubscribe?token=u2.demo-1.",
                "Bob's mail provider POSTs the link: UNSUBSCRIBED (HTTP 200); again: ALREADY_UNSUBSCRIBED (HTTP 200);"
                        + " an altered token: REFUSED (HTTP 400)",
                "bob      yes: GRANTED on CONSENT, policy version 2025.1, consent version 1, event #1, at"
                        + " 2025-03-09T10:01:00Z",
                "web-5531 not included");
        assertThat(story).as("an address is never on the suppression list in clear").doesNotContain("Carol@Mail");
        assertThat(story).as("Carol never consented to ads or the newsletter: those recipients never had her data")
                .doesNotContain("told AdNet").doesNotContain("told MailWave");
        // docs/signals.md: a certified banner's TC and GPP strings become recorded choices, the same string again
        // writes nothing, and the decisions lead to the Consent Mode signals of the page and of an upload
        assertThat(story).contains("== A certified banner hands over a TC string and a GPP string",
                "Dave's TC string: " + Storefront.DAVES_TC_STRING,
                "cookies.analytics GRANTED (tcf purpose 1 consent: set, tcf purpose 8 consent: set, tcf purpose 9"
                        + " consent: set)",
                "cookies.ads DENIED (tcf purpose 1 consent: set, tcf purpose 2 consent: clear, tcf purpose 3 consent:"
                        + " clear, tcf purpose 4 consent: clear, tcf purpose 7 consent: clear)",
                "page: gtag('consent', 'update', {\"ad_storage\":\"denied\",\"analytics_storage\":\"granted\","
                        + "\"ad_user_data\":\"denied\",\"ad_personalization\":\"denied\",\"functionality_storage\":"
                        + "\"granted\",\"personalization_storage\":\"denied\",\"security_storage\":\"granted\"})",
                "the banner sends the same string again: ALREADY_APPLIED, 3 events before, 3 after",
                "accepted all cookies in the shop's banner two days ago: page {\"ad_storage\":\"granted\"",
                "today the banner hands over her GPP string: " + Storefront.CALIFORNIAN_GPP_STRING,
                "cookies.ads DENIED (gpp usnat.SaleOptOut: 1 opted out, gpp usnat.SharingOptOut: 1 opted out, gpp"
                        + " usnat.TargetedAdvertisingOptOut: 1 opted out, gpp usca.SaleOptOut: 1 opted out, gpp"
                        + " usca.SharingOptOut: 1 opted out)",
                "decisions: cookies.analytics GRANTED, cookies.ads DENIED",
                "upload: {\"adUserData\":\"DENIED\",\"adPersonalization\":\"DENIED\"}",
                "a Customer Match upload of all 5 customers carries each one's consent",
                "alice  {\"adUserData\":\"GRANTED\",\"adPersonalization\":\"GRANTED\"}",
                "dave   {\"adUserData\":\"DENIED\",\"adPersonalization\":\"DENIED\"}");
        Path export = out.resolve("alice-export.json");
        assertThat(export).exists();
        assertThat(Files.readString(export)).contains("\"schema\" : \"dev.consent/subject-export\"", "\"orders\"");
        assertThat(story).contains("3 signed consent receipts (Kantara v1.1, ES256, key storefront-demo)",
                "3 of 3 receipts verify with the public key alone");
    }

    /** The strings the storefront's banner hands over carry what the story says they do, decoded by consent-signals. */
    @Test
    void theBannersStringsCarryTheChoicesTheStoryNames() {
        TcString daves = TcString.decode(Storefront.DAVES_TC_STRING);
        assertThat(daves.policyVersion()).isEqualTo(5);
        assertThat(daves.purposeConsents()).containsExactly(1, 8, 9);
        assertThat(daves.disclosedVendors()).hasValueSatisfying(v -> assertThat(v).containsExactly(755));
        GppString californian = GppString.decode(Storefront.CALIFORNIAN_GPP_STRING);
        assertThat(californian.sectionIds()).containsExactly(7, 8);
        assertThat(californian.usSections()).allSatisfy(s -> {
            assertThat(s.saleOptOut()).hasValue(1);
            assertThat(s.sharingOptOut()).hasValue(1);
        });
        assertThat(californian.usSections().get(0).targetedAdvertisingOptOut()).hasValue(1);
    }

    /**
     * At scale no long phase is silent (issue 21: the dry run of 100k customers took 13 s without a word): each phase
     * that goes through every customer or recipient says how far it is, like the sign-up. Shown here at a small size
     * by lowering the scale to zero and the step to two; the tick is an hour, so only the start lines of the single
     * long calls appear, and the output is the same on every run.
     */
    @Test
    void everyLongPhaseShowsProgress(@TempDir Path out) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        new Storefront(print, 5, out, Storefront.defaultPolicy(), new Progress(print, 0, 2, Duration.ofHours(1)))
                .run();
        List<String> phases = Arrays.asList(buffer.toString(StandardCharsets.UTF_8).split("\n(?=== )"));

        assertThat(phase(phases, "Customers sign up")).contains("   ... 5/5\n");
        assertThat(phase(phases, "Customers buy")).contains("   ... 2/5\n", "   ... 4/5\n", "   ... 5/5\n");
        assertThat(phase(phases, "Email campaign \"Spring sale\"")).contains("   ... checking\n");
        assertThat(phase(phases, "Campaign \"Weekly newsletter #12\"")).contains("   ... 2/5\n", "   ... 5/5\n",
                "   ... filtering and recording the proof\n");
        assertThat(phase(phases, "The dry run")).contains("   ... planning\n");
        assertThat(phase(phases, "The sweep")).contains("   ... 15/15\n");
        assertThat(phase(phases, "Ledger verification")).contains("   ... 2/5\n", "   ... 4/5\n", "   ... 5/5\n");
        assertThat(String.join("\n", phases)).as("plain text, no terminal escapes").doesNotContain("\u001b");
    }

    private static String phase(List<String> phases, String title) {
        return phases.stream().filter(p -> p.startsWith("== " + title)).findFirst()
                .orElseThrow(() -> new AssertionError("no phase " + title + " in " + phases));
    }

    /**
     * Alice's receipts beside her export: her newsletter and both cookie consents, each valid against the Kantara v1.1
     * schema (and the official file, when the build is given it), each signature checked with the public key file
     * alone; her withdrawals and refusals are not among them; her ISO/IEC TS 27560 records have every mandatory field.
     */
    @Test
    void alicesReceiptsBesideHerExportAreValidSignedAndComplete(@TempDir Path out) throws Exception {
        new Storefront(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), 5, out,
                Storefront.defaultPolicy()).run();
        ObjectMapper mapper = new ObjectMapper();
        String publicKey = Files.readString(out.resolve("receipt-key.public.jwk"));

        JsonNode document = mapper.readTree(out.resolve("alice-receipts.json").toFile());
        assertThat(document.get("receipts")).hasSize(3);
        assertThat(document.get("receipts")).extracting(r -> r.get("purpose").asText())
                .containsExactly("marketing.email", "cookies.analytics", "cookies.ads");
        for (JsonNode r : document.get("receipts")) {
            KantaraSchemas.assertValid(r.get("receipt"));
            assertThat(r.at("/receipt/piiPrincipalId").asText()).isEqualTo("alice");
            assertThat(r.at("/receipt/piiControllers/0/contact").asText()).isEqualTo("Data Protection Officer");
        }
        for (int i = 1; i <= 3; i++) {
            String jws = Files.readString(out.resolve("alice-receipt-" + i + ".jws")).strip();
            ReceiptVerification v = ReceiptVerifier.verify(jws, publicKey);
            assertThat(v.valid()).as("alice-receipt-%d.jws: %s", i, v.problem().orElse("")).isTrue();
            KantaraSchemas.assertValid(v.payload().orElseThrow());
        }
        JsonNode exported = mapper.readTree(out.resolve("alice-export.json").toFile());
        assertThat(exported.get("consentReceipts").findValuesAsText("jws"))
                .containsExactlyElementsOf(document.get("receipts").findValuesAsText("jws"));

        JsonNode records = mapper.readTree(out.resolve("alice-consent-records.jsonld").toFile());
        assertThat(records.get("@graph")).hasSize(3);
        assertThat(Iso27560Records.missingMandatoryFields(records)).isEmpty();
    }
}
