package dev.consent.email;

import dev.consent.InvalidValueException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The normalisation the suppression list hashes: whitespace, NFC, case, IDN, sub-addresses. */
class EmailAddressTest {

    @Test
    void surroundingWhitespaceAndCaseOfBothPartsAreFolded() {
        assertThat(EmailAddress.of(" \tAlice.Smith@Shop.EXAMPLE \n").value()).isEqualTo("alice.smith@shop.example");
    }

    @Test
    void decomposedAndPrecomposedTextIsOneAddressAndAUnicodeDomainIsItsALabel() {
        EmailAddress precomposed = EmailAddress.of("J\u00fcrgen@b\u00fccher.example");
        EmailAddress decomposed = EmailAddress.of("Ju\u0308rgen@BU\u0308cher.example");
        assertThat(decomposed).isEqualTo(precomposed);
        assertThat(precomposed.value()).isEqualTo("j\u00fcrgen@xn--bcher-kva.example");
        assertThat(EmailAddress.of("j\u00fcrgen@xn--bcher-kva.example")).isEqualTo(precomposed);
    }

    @Test
    void aSubaddressIsKeptAndStrippedOnlyOnRequest() {
        EmailAddress tagged = EmailAddress.of("bob+news@shop.example");
        assertThat(tagged.value()).isEqualTo("bob+news@shop.example");
        assertThat(tagged.withoutSubaddress().value()).isEqualTo("bob@shop.example");
        assertThat(EmailAddress.of("+bob@shop.example").withoutSubaddress().value()).isEqualTo("+bob@shop.example");
        assertThat(EmailAddress.of("bob@shop.example").withoutSubaddress()).isEqualTo(EmailAddress.of("bob@shop.example"));
    }

    @Test
    void whatIsNoMailboxIsRefusedWithoutQuotingIt() {
        for (String bad : new String[] {"", "   ", "alice", "@shop.example", "alice@", "al ice@shop.example",
                "a@b@shop.example", "alice@shop\u0000.example", "x".repeat(65) + "@shop.example",
                "a@" + "d".repeat(250) + ".example"}) {
            assertThatThrownBy(() -> EmailAddress.of(bad)).as(bad).isInstanceOf(InvalidValueException.class)
                    .hasMessageStartingWith("email:").hasMessageNotContaining("alice@");
        }
        assertThatThrownBy(() -> EmailAddress.of(null)).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> new EmailAddress("Alice@shop.example")).as("not normalised")
                .isInstanceOf(InvalidValueException.class);
    }

    @Test
    void theAddressNeverAppearsInToString() {
        assertThat(EmailAddress.of("alice@shop.example").toString()).doesNotContain("alice");
        assertThat(new Recipient(dev.consent.ledger.SubjectId.of("c1"), EmailAddress.of("alice@shop.example"))
                .toString()).doesNotContain("alice@");
    }
}
