package dev.consent.retention;

import dev.consent.InvalidValueException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A retention rule built in Java needs its anchor as the JSON format does: a storage period means nothing without
 * the event it is counted from (GDPR Art. 5(1)(e), Art. 13(2)(a)), and none is assumed.
 */
class RetentionRuleTest {

    @Test
    void aRuleWithoutAnAnchorIsRefusedNotCountedFromCollection() {
        assertThatThrownBy(() -> RetentionRule.maximum("email-2y", "contact.email", DisposalAction.DELETE)
                .period("P2Y").build())
                .isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("retention.anchor")
                .hasMessageContaining("email-2y")
                .hasMessageContaining("after(");
        assertThatThrownBy(() -> RetentionRule.minimum("orders-tax-7y", "order.record", "AO §147").period("P7Y")
                .build())
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("retention.anchor");
        assertThatThrownBy(() -> RetentionRule.maximum("x", "contact.email", DisposalAction.DELETE)
                .after((Anchor) null)).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("retention.anchor");
    }

    @Test
    void theAnchorGivenIsTheAnchorKept() {
        RetentionRule collected = RetentionRule.maximum("logs-90d", "access.log", DisposalAction.DELETE).period("P90D")
                .after(Anchor.COLLECTED).build();
        RetentionRule lastTransaction = RetentionRule.maximum("email-2y", "contact.email", DisposalAction.DELETE)
                .period("P2Y").after("last_transaction").build();
        assertThat(collected.anchor()).isEqualTo(Anchor.COLLECTED);
        assertThat(lastTransaction.anchor()).isEqualTo(Anchor.LAST_TRANSACTION);
    }
}
