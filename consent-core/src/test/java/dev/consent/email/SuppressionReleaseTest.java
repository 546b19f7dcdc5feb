package dev.consent.email;

import dev.consent.InvalidValueException;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.consent.email.EmailTestSetup.ALICE;
import static dev.consent.email.EmailTestSetup.KEYS;
import static dev.consent.email.EmailTestSetup.NEWSLETTER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Only the address owner's own confirmed opt-in takes an address off the suppression list: a confirmation token
 * issued for that address, confirming a pending grant now. Anything else leaves it on.
 */
class SuppressionReleaseTest {
    private static final Evidence CLICK = Evidence.builder().userAgent("Mozilla/5.0").ip("203.0.113.7").build();
    private static final EmailAddress ADDRESS = EmailAddress.of("alice@shop.example");
    private final EmailTestSetup shop = new EmailTestSetup();
    private final Suppression suppression = Suppression.builder().store(shop.store).clock(shop.clock)
            .keys(SuppressionKeys.of("s2", EmailTestSetup.secret('t')).withOlder("s1", EmailTestSetup.secret('s')))
            .build();
    private final DoubleOptIn optIn = new DoubleOptIn(shop.consents, KEYS, suppression);

    @Test
    void aConfirmedTokenForTheAddressReleasesTheEntryUnderEveryKey() {
        Suppression before = Suppression.builder().store(shop.store).clock(shop.clock)
                .keys(SuppressionKeys.of("s1", EmailTestSetup.secret('s'))).build();
        before.suppress(ADDRESS, SuppressionReason.ERASURE); // made before the rotation
        assertThat(suppression.isSuppressed(ADDRESS)).isTrue();

        OptInRequest request = optIn.request(ALICE, NEWSLETTER, Capture.by(Method.WEB_FORM), ADDRESS);
        shop.clock.advance(Duration.ofMinutes(3));
        assertThat(optIn.confirm(request.token(), CLICK).status()).isEqualTo(Confirmation.Status.CONFIRMED);
        assertThat(suppression.isSuppressed(ADDRESS)).isFalse();
    }

    @Test
    void anExpiredUnboundOrAlteredTokenLeavesTheAddressSuppressed() {
        suppression.suppress(ADDRESS, SuppressionReason.NEVER_CONTACT);
        OptInRequest unbound = optIn.request(ALICE, NEWSLETTER, Capture.by(Method.WEB_FORM));
        assertThat(optIn.confirm(unbound.token(), CLICK).status()).isEqualTo(Confirmation.Status.CONFIRMED);
        assertThat(suppression.isSuppressed(ADDRESS)).as("a token not bound to the address").isTrue();

        OptInRequest bound = optIn.request(EmailTestSetup.BOB, NEWSLETTER, Capture.by(Method.WEB_FORM), ADDRESS);
        // the sealed part altered where the address's hashes are (the end of the fields, before the 22-character tag)
        String t = bound.token();
        int at = t.length() - 30;
        String altered = t.substring(0, at) + (t.charAt(at) == 'A' ? 'B' : 'A') + t.substring(at + 1);
        assertThat(optIn.confirm(altered, CLICK).status()).isEqualTo(Confirmation.Status.REFUSED);
        assertThat(new DoubleOptIn(shop.consents, KEYS).confirm(bound.token(), CLICK).status())
                .as("a double opt-in without the list cannot release it").isEqualTo(Confirmation.Status.REFUSED);
        shop.clock.advance(EmailTestSetup.WINDOW);
        assertThat(optIn.confirm(bound.token(), CLICK).status()).isEqualTo(Confirmation.Status.EXPIRED);
        assertThat(suppression.isSuppressed(ADDRESS)).isTrue();
    }

    @Test
    void bindingATokenToAnAddressNeedsTheList() {
        DoubleOptIn plain = new DoubleOptIn(shop.consents, KEYS);
        assertThatThrownBy(() -> plain.request(ALICE, NEWSLETTER, Capture.by(Method.WEB_FORM), ADDRESS))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("suppression");
        assertThat(shop.consents.history(ALICE)).isEmpty();
        assertThat(suppression.hashes(ADDRESS)).hasSize(2).doesNotHaveDuplicates();
        assertThat(List.copyOf(suppression.hashes(ADDRESS))).allMatch(h -> !h.contains("alice"));
    }
}
