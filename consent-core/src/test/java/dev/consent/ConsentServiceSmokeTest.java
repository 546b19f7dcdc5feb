package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConsentServiceSmokeTest {
    @Test
    void grantThenWithdraw() {
        try (ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).build()) {
            SubjectId alice = SubjectId.of("alice");
            assertThat(consents.check(alice, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.NO_RECORD);
            consents.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(consents.check(alice, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();
            consents.withdraw(alice, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            assertThat(consents.check(alice, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
            assertThat(consents.verify(alice).intact()).isTrue();
        }
    }
}
