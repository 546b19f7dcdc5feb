package dev.consent.testing;

import dev.consent.policy.CategoryId;
import dev.consent.policy.Controller;
import dev.consent.policy.DataCategory;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PostalAddress;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeCategory;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionRule;

import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.util.Set;

/**
 * A shop policy that states everything consent receipts name: the controller's details, jurisdictions, the policy's
 * URL, its language, storage locations, and for every purpose on consent a description, Kantara purpose categories and
 * retention rules. Purposes of every kind a receipt must tell apart: a parent and its child, a consent lifetime, a
 * minimum age with and without guardians, a sensitive category, a third party and a processor, a purpose on
 * legitimate interests.
 */
public final class ReceiptPolicy {
    public static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    public static final PurposeId MARKETING = PurposeId.of("marketing");
    public static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");
    public static final PurposeId SMS = PurposeId.of("marketing.sms");
    public static final PurposeId ADS = PurposeId.of("ads.targeted");
    public static final PurposeId ANALYTICS = PurposeId.of("analytics");
    public static final PurposeId ORDERS = PurposeId.of("order.fulfilment");
    public static final PurposeId LOYALTY = PurposeId.of("loyalty");
    public static final PurposeId ALLERGIES = PurposeId.of("allergy.advice");

    private ReceiptPolicy() {
    }

    /** Every optional controller detail stated (postal code, region, web site). */
    public static Controller fullController() {
        return new Controller("Example Shop GmbH", "Data Protection Officer",
                new PostalAddress("Hauptstra\u00dfe 1", "10115", "Berlin", "Berlin", "DE"), "privacy@shop.example",
                "+49 30 1234567", "HRB 123456 B", "https://shop.example");
    }

    /** Only what receipts require: no postal code, region or web site. */
    public static Controller minimalController() {
        return new Controller("Kleiner Laden", "Frau M\u00fcller", new PostalAddress("Dorfweg 2", null, "Aachen", null,
                "DE"), "datenschutz@laden.example", "0241 55501", "laden-1", null);
    }

    /** Version 1, effective 2024-01-01, with the full controller. */
    public static Policy v1() {
        return builder("1", LocalDate.of(2024, 1, 1), fullController(), 1).build();
    }

    /** Version 2, effective 2025-01-01: the newsletter changed materially (consent version 2). */
    public static Policy v2() {
        return builder("2", LocalDate.of(2025, 1, 1), fullController(), 2).build();
    }

    /** Version 1 with the minimal controller. */
    public static Policy minimal() {
        return builder("1", LocalDate.of(2024, 1, 1), minimalController(), 1).build();
    }

    public static Policy.Builder builder(String version, LocalDate effective, Controller controller,
            int newsletterVersion) {
        return Policy.builder("shop", version)
                .effectiveFrom(effective)
                .zone(ZONE)
                .controller(controller)
                .jurisdictions("DE", "EU")
                .policyUrl("https://shop.example/privacy/" + version)
                .language("de")
                .storageLocations("DE", "EU")
                .category("contact.email", "Email address")
                .category("contact.phone", "Mobile number")
                .category("order.record", "Orders and invoices")
                .category("device.id", "Device and cookie identifiers")
                .category(DataCategory.sensitive("health.allergy", "Food allergies"))
                .purpose(Purpose.builder("marketing").title("Marketing").basis(LegalBasis.CONSENT)
                        .description("Offers by email and SMS.").purposeCategories(PurposeCategory.MARKETING)
                        .categories("contact.email", "contact.phone").build())
                .purpose(Purpose.builder("marketing.email").title("Newsletter").basis(LegalBasis.CONSENT)
                        .description("A weekly email with our offers.").purposeCategories(PurposeCategory.MARKETING)
                        .categories("contact.email").parent("marketing").consentVersion(newsletterVersion).build())
                .purpose(Purpose.builder("marketing.sms").title("SMS offers").basis(LegalBasis.CONSENT)
                        .description("Offers by text message, for one year.")
                        .purposeCategories(PurposeCategory.MARKETING).categories("contact.phone").parent("marketing")
                        .consentLifetime(Period.ofYears(1)).build())
                .purpose(Purpose.builder("ads.targeted").title("Targeted advertising").basis(LegalBasis.CONSENT)
                        .description("Ads chosen from your visits, shown by our advertising partner.")
                        .purposeCategories(PurposeCategory.MARKETING_THIRD_PARTIES, PurposeCategory.SHARING_FOR_MARKETING)
                        .categories("device.id").saleOrSharing(true).build())
                .purpose(Purpose.builder("analytics").title("Shop analytics").basis(LegalBasis.LEGITIMATE_INTERESTS)
                        .categories("device.id").build())
                .purpose(Purpose.builder("order.fulfilment").title("Deliver orders").basis(LegalBasis.CONTRACT)
                        .categories("order.record", "contact.email").build())
                .purpose(Purpose.builder("loyalty").title("Loyalty club (16+)").basis(LegalBasis.CONSENT)
                        .description("Points on every order, for members aged 16 or more.")
                        .purposeCategories(PurposeCategory.PERSONALIZED_EXPERIENCE).categories("contact.email")
                        .minimumAge(16).build())
                .purpose(Purpose.builder("allergy.advice").title("Allergy advice").basis(LegalBasis.CONSENT)
                        .description("We note your food allergies to warn you about products.")
                        .purposeCategories(PurposeCategory.PROTECTING_YOUR_HEALTH, PurposeCategory.CONTRACTED_SERVICE)
                        .categories("health.allergy", "contact.email").build())
                .recipient(new Recipient("payments", "PayCo", Recipient.Role.PROCESSOR,
                        Set.of(CategoryId.of("order.record")), Set.of(ORDERS), "EU"))
                .recipient(new Recipient("mailer", "MailCo", Recipient.Role.PROCESSOR,
                        Set.of(CategoryId.of("contact.email")), Set.of(NEWSLETTER), "EU"))
                .recipient(new Recipient("adnet", "AdNet Inc.", Recipient.Role.THIRD_PARTY,
                        Set.of(CategoryId.of("device.id")), Set.of(ADS), "USA"))
                .recipient(new Recipient("adnet-eu", "AdNet Europe", Recipient.Role.THIRD_PARTY,
                        Set.of(CategoryId.of("device.id")), Set.of(ADS), "EU"))
                .retention(RetentionRule.maximum("email-2y", "contact.email", DisposalAction.DELETE)
                        .period("P2Y").after("last_transaction").build())
                .retention(RetentionRule.maximum("phone-1y", "contact.phone", DisposalAction.DELETE)
                        .period("P1Y").after("collected").build())
                .retention(RetentionRule.maximum("device-13m", "device.id", DisposalAction.DELETE)
                        .period("P13M").after("collected").build())
                .retention(RetentionRule.maximum("allergy-withdrawn", "health.allergy", DisposalAction.DELETE)
                        .period("P30D").after("consent_withdrawn").build())
                .retention(RetentionRule.minimum("orders-10y", "order.record", "AO \u00a7147")
                        .period("P10Y").after("last_transaction").build());
    }
}
