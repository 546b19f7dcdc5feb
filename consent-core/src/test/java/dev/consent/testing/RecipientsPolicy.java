package dev.consent.testing;

import dev.consent.policy.CategoryId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionRule;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Set;

/**
 * A shop whose recipients table is shaped like seed 001_f688c41ce3130c59.txt's (section 4.2: payment processor,
 * analytics service, cloud storage, support tools), plus an email service provider and an advertising network that
 * receive data only on consent; shared by the outbox suites.
 */
public final class RecipientsPolicy {
    public static final PurposeId MARKETING = PurposeId.of("marketing");
    public static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");
    public static final PurposeId ADS = PurposeId.of("ads");
    public static final PurposeId ORDERS = PurposeId.of("orders");
    public static final PurposeId SUPPORT = PurposeId.of("support");
    public static final PurposeId ANALYTICS = PurposeId.of("analytics");
    public static final PurposeId TAX = PurposeId.of("tax");

    private RecipientsPolicy() {
    }

    public static Policy policy() {
        return Policy.builder("recipients-shop", "1")
                .effectiveFrom(LocalDate.of(2024, 1, 1))
                .zone(ZoneId.of("Europe/Berlin"))
                .category("contact.email", "Email address")
                .category("account.profile", "Name and address")
                .category("order.record", "Orders and invoices")
                .category("support.ticket", "Support conversations")
                .category("usage.statistics", "Clickstream")
                .category("device.id", "Cookie identifiers")
                .purpose(Purpose.builder("marketing").title("Marketing").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .purpose(Purpose.builder("marketing.email").title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories("contact.email").parent("marketing").build())
                .purpose(Purpose.builder("ads").title("Targeted ads").basis(LegalBasis.CONSENT)
                        .categories("device.id").build())
                .purpose(Purpose.builder("orders").title("Orders").basis(LegalBasis.CONTRACT)
                        .categories("order.record", "contact.email", "account.profile").build())
                .purpose(Purpose.builder("support").title("Support").basis(LegalBasis.CONTRACT)
                        .categories("support.ticket", "contact.email").build())
                .purpose(Purpose.builder("analytics").title("Analytics").basis(LegalBasis.LEGITIMATE_INTERESTS)
                        .categories("usage.statistics").build())
                .purpose(Purpose.builder("tax").title("Tax records").basis(LegalBasis.LEGAL_OBLIGATION)
                        .categories("order.record").build())
                .recipient(recipient("payments", "Payment processor", Recipient.Role.PROCESSOR,
                        Set.of("order.record"), Set.of(ORDERS)))
                .recipient(recipient("analytics-service", "Analytics service", Recipient.Role.PROCESSOR,
                        Set.of("usage.statistics"), Set.of(ANALYTICS)))
                .recipient(recipient("cloud-storage", "Cloud storage provider", Recipient.Role.PROCESSOR,
                        Set.of("account.profile", "order.record", "support.ticket"), Set.of(ORDERS, SUPPORT)))
                .recipient(recipient("support-tools", "Customer support tools", Recipient.Role.PROCESSOR,
                        Set.of("support.ticket", "contact.email"), Set.of(SUPPORT)))
                .recipient(recipient("mailer", "MailWave (email service provider)", Recipient.Role.PROCESSOR,
                        Set.of("contact.email"), Set.of(NEWSLETTER)))
                .recipient(recipient("adnet", "AdNet Inc.", Recipient.Role.THIRD_PARTY,
                        Set.of("device.id"), Set.of(ADS)))
                .recipient(recipient("tax-office", "Tax office", Recipient.Role.THIRD_PARTY,
                        Set.of("order.record"), Set.of(TAX)))
                .retention(RetentionRule.minimum("orders-tax-10y", "order.record", "HGB §257").period("P10Y")
                        .after(Anchor.COLLECTED).build())
                .retention(RetentionRule.maximum("email-2y", "contact.email", DisposalAction.DELETE).period("P2Y")
                        .after(Anchor.COLLECTED).build())
                .build();
    }

    private static Recipient recipient(String id, String name, Recipient.Role role, Set<String> categories,
            Set<PurposeId> purposes) {
        return new Recipient(id, name, role, categories.stream().map(CategoryId::of)
                .collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new)), purposes, "EU");
    }
}
