package dev.consent.testing;

import dev.consent.policy.DataCategory;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.Recipient;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;

import java.time.Duration;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.util.Set;

/** A small shop policy with one purpose per basis and the interesting options; shared by the test suites. */
public final class ShopPolicy {
    public static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    public static final PurposeId MARKETING = PurposeId.of("marketing");
    public static final PurposeId MARKETING_EMAIL = PurposeId.of("marketing.email");
    public static final PurposeId MARKETING_SMS = PurposeId.of("marketing.sms");
    public static final PurposeId ADS = PurposeId.of("ads.targeted");
    public static final PurposeId ANALYTICS = PurposeId.of("analytics");
    public static final PurposeId FRAUD = PurposeId.of("fraud.prevention");
    public static final PurposeId ORDERS = PurposeId.of("order.fulfilment");
    public static final PurposeId TAX = PurposeId.of("tax.records");
    public static final PurposeId SAFETY = PurposeId.of("product.safety");
    public static final PurposeId RESEARCH = PurposeId.of("public.research");
    public static final PurposeId LOYALTY = PurposeId.of("loyalty");
    public static final PurposeId CAMERA = PurposeId.of("device.camera");

    private ShopPolicy() {
    }

    /** Version 1, effective 2024-01-01 in Europe/Berlin. */
    public static Policy v1() {
        return base("1", LocalDate.of(2024, 1, 1), 1);
    }

    /** Version 2, effective 2025-01-01: the email marketing purpose changed materially (consent version 2). */
    public static Policy v2() {
        return base("2", LocalDate.of(2025, 1, 1), 2);
    }

    /** Version 1 with a service-wide minimum age ({@link Policy#minimumAge()}), as seed 004 sets one (18). */
    public static Policy v1WithServiceMinimumAge(int age) {
        return builder("1", LocalDate.of(2024, 1, 1), 1).minimumAge(age).build();
    }

    /** Version 2 with a service-wide minimum age. */
    public static Policy v2WithServiceMinimumAge(int age) {
        return builder("2", LocalDate.of(2025, 1, 1), 2).minimumAge(age).build();
    }

    /** Version 1 where the newsletter requires double opt-in ({@link Purpose#confirmationWindow()}). */
    public static Policy v1WithConfirmation(Duration emailWindow) {
        return builder("1", LocalDate.of(2024, 1, 1), 1, emailWindow, null).build();
    }

    /**
     * Version 2 with a service-wide minimum age, where the newsletter and the SMS offers require double opt-in, each
     * with its own window.
     */
    public static Policy v2WithServiceMinimumAgeAndConfirmation(int age, Duration emailWindow, Duration smsWindow) {
        return builder("2", LocalDate.of(2025, 1, 1), 2, emailWindow, smsWindow).minimumAge(age).build();
    }

    private static Policy base(String version, LocalDate effective, int emailVersion) {
        return builder(version, effective, emailVersion).build();
    }

    private static Policy.Builder builder(String version, LocalDate effective, int emailVersion) {
        return builder(version, effective, emailVersion, null, null);
    }

    private static Policy.Builder builder(String version, LocalDate effective, int emailVersion,
            Duration emailWindow, Duration smsWindow) {
        return Policy.builder("shop", version)
                .effectiveFrom(effective)
                .zone(ZONE)
                .controller("Example Shop GmbH", "privacy@shop.example")
                .category("contact.email", "Email address")
                .category("contact.phone", "Mobile number")
                .category("order.record", "Orders and invoices")
                .category("device.id", "Device and cookie identifiers")
                .category(DataCategory.sensitive("device.camera", "Camera images"))
                .purpose(Purpose.builder("marketing").title("Marketing").basis(LegalBasis.CONSENT)
                        .categories("contact.email", "contact.phone").build())
                .purpose(Purpose.builder("marketing.email").title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories("contact.email").parent("marketing").consentVersion(emailVersion)
                        .confirmationWindow(emailWindow).build())
                .purpose(Purpose.builder("marketing.sms").title("SMS offers").basis(LegalBasis.CONSENT)
                        .categories("contact.phone").parent("marketing").consentLifetime(Period.ofYears(1))
                        .confirmationWindow(smsWindow).build())
                .purpose(Purpose.builder("ads.targeted").title("Targeted advertising").basis(LegalBasis.CONSENT)
                        .categories("device.id").saleOrSharing(true).build())
                .purpose(Purpose.builder("analytics").title("Shop analytics").basis(LegalBasis.LEGITIMATE_INTERESTS)
                        .categories("device.id").saleOrSharing(true).build())
                .purpose(Purpose.builder("fraud.prevention").title("Fraud prevention")
                        .basis(LegalBasis.LEGITIMATE_INTERESTS).categories("order.record", "device.id").build())
                .purpose(Purpose.builder("order.fulfilment").title("Deliver orders").basis(LegalBasis.CONTRACT)
                        .categories("order.record", "contact.email").build())
                .purpose(Purpose.builder("tax.records").title("Keep invoices for tax law")
                        .basis(LegalBasis.LEGAL_OBLIGATION).categories("order.record").build())
                .purpose(Purpose.builder("product.safety").title("Product recalls")
                        .basis(LegalBasis.VITAL_INTERESTS).categories("contact.email").build())
                .purpose(Purpose.builder("public.research").title("Statistics for the authority")
                        .basis(LegalBasis.PUBLIC_TASK).categories("order.record").build())
                .purpose(Purpose.builder("loyalty").title("Loyalty club (16+)").basis(LegalBasis.CONSENT)
                        .categories("contact.email").minimumAge(16).build())
                .purpose(Purpose.builder("device.camera").title("Camera for product photos")
                        .basis(LegalBasis.CONSENT).categories("device.camera").minimumAge(18).guardianConsent(false)
                        .build())
                .recipient(new Recipient("payments", "PayCo", Recipient.Role.PROCESSOR,
                        Set.of(CategoryId.of("order.record")), Set.of(ORDERS), "EU"));
    }
}
