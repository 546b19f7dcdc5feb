package dev.consent;

import dev.consent.store.InMemoryStore;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's quick start is this code: the test fails if the two drift apart, or if the code stops working. */
class ReadmeQuickstartTest {

    static void quickstart() {
        // quickstart:begin
        Policy policy = Policy.builder("my-shop", "2025-01")
                .effectiveFrom(LocalDate.of(2025, 1, 1))
                .zone(ZoneId.of("Europe/Berlin"))
                .category("contact.email", "Email address")
                .category("order.record", "Orders and invoices")
                .purpose(Purpose.builder("marketing.email").title("Newsletter")
                        .basis(LegalBasis.CONSENT).categories("contact.email").build())
                .purpose(Purpose.builder("order.fulfilment").title("Deliver orders")
                        .basis(LegalBasis.CONTRACT).categories("order.record", "contact.email").build())
                .build();

        try (ConsentService consents = ConsentService.builder().policy(policy).store(new InMemoryStore()).build()) {
            SubjectId customer = SubjectId.of("customer-42");
            PurposeId newsletter = PurposeId.of("marketing.email");

            // The sign-up form's unticked checkbox, ticked: record it with its evidence.
            consents.grant(customer, newsletter, Capture.by(Method.CHECKBOX)
                    .withEvidence(Evidence.builder()
                            .notice("signup-form-v3", "Yes, send me the newsletter")
                            .locale("de-DE")
                            .ip("203.0.113.77") // stored as 203.0.113.0/24
                            .build()));

            // Before sending: may we? (answered from cache, fails closed)
            Decision decision = consents.check(customer, newsletter);
            System.out.println(decision.allowed() + " " + decision.reason());        // true GRANTED

            // The unsubscribe link in the email.
            consents.withdraw(customer, newsletter, Capture.by(Method.UNSUBSCRIBE_LINK));

            // A campaign filters its whole audience in bulk.
            List<SubjectId> audience = consents.filterAllowed(List.of(customer), newsletter);
            System.out.println(audience);                                             // []

            // Contract purposes need no consent.
            System.out.println(consents.check(customer, PurposeId.of("order.fulfilment")).reason()); // BASIS_CONTRACT

            // The ledger proves itself: a hash chain per customer.
            ChainVerification proof = consents.verify(customer);
            System.out.println(proof.intact() + " " + proof.eventsChecked());         // true 2
        }
        // quickstart:end
    }

    @Test
    void theQuickstartRunsAndPrintsWhatItsCommentsSay() {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            quickstart();
        } finally {
            System.setOut(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8).lines())
                .containsExactly("true GRANTED", "[]", "BASIS_CONTRACT", "true 2");
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/consent/ReadmeQuickstartTest.java"));
        String readme = Files.readString(Path.of("../README.md"));
        Matcher inSource = Pattern.compile("// quickstart:begin\\n(.*?)\\n\\s*// quickstart:end", Pattern.DOTALL)
                .matcher(source);
        assertThat(inSource.find()).isTrue();
        String code = inSource.group(1).stripIndent().strip();
        Matcher inReadme = Pattern.compile("<!-- quickstart:begin -->\\n```java\\n(.*?)\\n```\\n<!-- quickstart:end -->",
                Pattern.DOTALL).matcher(readme);
        assertThat(inReadme.find()).as("README.md has a quickstart block").isTrue();
        assertThat(inReadme.group(1).strip()).isEqualTo(code);
    }
}
