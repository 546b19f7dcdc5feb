package dev.consent.testing;

import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.retention.Anchor;
import dev.consent.retention.CountFrom;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionRule;

import java.time.LocalDate;
import java.time.ZoneId;

/** A policy whose retention rules exercise every conflict principle; shared by the retention suites. */
public final class RetentionPolicy {
    public static final ZoneId ZONE = ZoneId.of("Europe/Berlin");

    private RetentionPolicy() {
    }

    public static Policy policy() {
        return builder().build();
    }

    /** The same policy with a service-wide minimum age (seed 004 sets 18). */
    public static Policy withServiceMinimumAge(int age) {
        return builder().minimumAge(age).build();
    }

    private static Policy.Builder builder() {
        return Policy.builder("retention-shop", "7")
                .effectiveFrom(LocalDate.of(2020, 1, 1))
                .zone(ZONE)
                .category("contact.email", "Email address")
                .category("order.record", "Orders and invoices")
                .category("support.ticket", "Support conversations")
                .category("access.log", "Web server access logs")
                .category("account.profile", "Account profile")
                .category("device.id", "Device identifiers")
                .purpose(Purpose.builder("order.fulfilment").title("Orders").basis(LegalBasis.CONTRACT)
                        .categories("order.record", "contact.email", "account.profile").build())
                .purpose(Purpose.builder("marketing.email").title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .purpose(Purpose.builder("tax").title("Tax records").basis(LegalBasis.LEGAL_OBLIGATION)
                        .categories("order.record").build())
                .purpose(Purpose.builder("support").title("Support").basis(LegalBasis.CONTRACT)
                        .categories("support.ticket").build())
                .purpose(Purpose.builder("security").title("Security logs").basis(LegalBasis.LEGITIMATE_INTERESTS)
                        .categories("access.log", "device.id").build())
                .retention(RetentionRule.maximum("email-2y", "contact.email", DisposalAction.DELETE).period("P2Y")
                        .after(Anchor.LAST_TRANSACTION).build())
                .retention(RetentionRule.maximum("newsletter-30d", "contact.email", DisposalAction.DELETE)
                        .purpose("marketing.email").period("P30D").after(Anchor.CONSENT_WITHDRAWN).build())
                .retention(RetentionRule.minimum("orders-tax-7y", "order.record", "AO §147(1), (4)").period("P7Y")
                        .after(Anchor.LAST_TRANSACTION).countFrom(CountFrom.END_OF_YEAR).build())
                .retention(RetentionRule.minimum("orders-warranty-2y", "order.record", "BGB §438").period("P2Y")
                        .after(Anchor.COLLECTED).build())
                .retention(RetentionRule.maximum("orders-10y", "order.record", DisposalAction.ANONYMIZE).period("P10Y")
                        .after(Anchor.LAST_TRANSACTION).build())
                .retention(RetentionRule.maximum("tickets-30d", "support.ticket", DisposalAction.DELETE).period("P30D")
                        .after(Anchor.TICKET_RESOLVED).build())
                .retention(RetentionRule.maximum("tickets-1y", "support.ticket", DisposalAction.DELETE).period("P1Y")
                        .after(Anchor.COLLECTED).build())
                .retention(RetentionRule.maximum("logs-anonymize-90d", "access.log", DisposalAction.ANONYMIZE)
                        .period("P90D").after(Anchor.COLLECTED).build())
                .retention(RetentionRule.maximum("logs-90d", "access.log", DisposalAction.DELETE).period("P90D")
                        .after(Anchor.COLLECTED).build())
                .retention(RetentionRule.maximum("profile-delete-6m", "account.profile", DisposalAction.DELETE)
                        .period("P6M").after(Anchor.ACCOUNT_CLOSED).build())
                .retention(RetentionRule.maximum("profile-anonymize-6m", "account.profile", DisposalAction.ANONYMIZE)
                        .period("P6M").after(Anchor.ACCOUNT_CLOSED).overridesDelete(true).build());
    }
}
