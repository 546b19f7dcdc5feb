package dev.consent.bench;

import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;

import java.time.LocalDate;
import java.time.ZoneId;

/** The policy every benchmark decides under: a shop's newsletter (consent), profiling beneath it, and fulfilment. */
public final class BenchPolicy {
    public static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");
    public static final PurposeId PROFILING = PurposeId.of("marketing.email.profiling");
    public static final PurposeId FULFILMENT = PurposeId.of("order.fulfilment");

    private BenchPolicy() {
    }

    public static Policy policy() {
        return Policy.builder("bench-shop", "2025-01")
                .effectiveFrom(LocalDate.of(2025, 1, 1))
                .zone(ZoneId.of("Europe/Berlin"))
                .category("contact.email", "Email address")
                .category("order.record", "Orders and invoices")
                .purpose(Purpose.builder(NEWSLETTER.value()).title("Newsletter")
                        .basis(LegalBasis.CONSENT).categories("contact.email").build())
                .purpose(Purpose.builder(PROFILING.value()).title("Newsletter tailored to past orders")
                        .basis(LegalBasis.CONSENT).categories("contact.email", "order.record")
                        .parent(NEWSLETTER.value()).build())
                .purpose(Purpose.builder(FULFILMENT.value()).title("Deliver orders")
                        .basis(LegalBasis.CONTRACT).categories("order.record", "contact.email").build())
                .build();
    }
}
