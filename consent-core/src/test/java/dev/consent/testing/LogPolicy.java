package dev.consent.testing;

import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionRule;

import java.time.LocalDate;
import java.time.ZoneId;

/** A shop with a processing log: the log is a data category with a retention rule of its own. */
public final class LogPolicy {
    private LogPolicy() {
    }

    /** The log is kept {@code period} from each entry's recording, then {@code action}; Europe/Berlin, version 3. */
    public static Policy policy(String period, DisposalAction action) {
        return Policy.builder("log-shop", "3").effectiveFrom(LocalDate.of(2024, 1, 1)).zone(ZoneId.of("Europe/Berlin"))
                .controller("Log Shop GmbH", "privacy@log-shop.example")
                .category("contact.email", "Email address")
                .category("order.record", "Orders")
                .category("delivery.address", "Delivery address")
                .category("processing.log", "Record of each use of personal data")
                .purpose(Purpose.builder("marketing.email").title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .purpose(Purpose.builder("order.fulfilment").title("Orders").basis(LegalBasis.CONTRACT)
                        .categories("order.record", "contact.email").build())
                .purpose(Purpose.builder("shipping").title("Shipping").basis(LegalBasis.CONSENT)
                        .categories("delivery.address").build())
                .retention(RetentionRule.maximum("log-kept", "processing.log", action).period(period)
                        .after(Anchor.COLLECTED).build())
                .build();
    }
}
