package dev.consent.examples.seeds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.InvalidValueException;
import dev.consent.ProcessingRefusedException;
import dev.consent.Reason;
import dev.consent.examples.SeedPolicies;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Mechanism;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;
import dev.consent.processing.ProcessingLog;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.DisposalPlan;
import dev.consent.retention.RetentionVerdict;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsService;
import dev.consent.rights.SubjectExport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Seed 002 (a global marketplace), every promise DESIGN.md lists for it: explicit consent per collection; sharing
 * only for delivery, shipping and payment; every internal data use logged (the processing log: each use checked,
 * then logged, kept for its own period); a periodic purge of inactive records that keeps transactions traceable
 * (anonymized, not deleted). The seed names no period for the purge, nor for the log: the policy's two and three
 * years are this encoding's choice, said in the rules' descriptions.
 */
class Seed002GlobalMarketplaceTest {
    private final Shop shop = Shop.of(SeedPolicies.GLOBAL_MARKETPLACE, "2025-03-03T10:00:00Z");
    private final SubjectId customer = SubjectId.of("customer-002");

    @AfterEach
    void close() {
        shop.close();
    }

    @Test
    void everyCollectionNeedsItsOwnExplicitConsent() {
        assertThat(shop.policy().purposes()).allSatisfy(p -> {
            assertThat(p.basis()).isEqualTo(LegalBasis.CONSENT);
            assertThat(p.mechanism()).isEqualTo(Mechanism.OPT_IN);
            assertThat(p.parent()).as("no purpose is granted along with another").isEmpty();
        });
        for (Purpose p : shop.policy().purposes()) {
            assertThat(shop.consents.check(customer, p.id()).reason()).as(p.id().value()).isEqualTo(Reason.NO_RECORD);
        }

        shop.grant(customer, "order.management", Method.CHECKBOX);
        assertThat(shop.check(customer, "order.management").reason()).isEqualTo(Reason.GRANTED);
        assertThat(shop.check(customer, "shipping").reason()).isEqualTo(Reason.NO_RECORD);
        assertThat(shop.check(customer, "payment.settlement").reason()).isEqualTo(Reason.NO_RECORD);

        shop.grant(customer, "shipping", Method.CHECKBOX);
        // "Users retain the authority to withdraw previously granted data permissions"
        shop.withdraw(customer, "order.management", Method.ACCOUNT_SETTINGS);
        assertThat(shop.check(customer, "order.management").reason()).isEqualTo(Reason.WITHDRAWN);
        assertThat(shop.check(customer, "shipping").reason()).isEqualTo(Reason.GRANTED);
    }

    @Test
    void dataIsSharedOnlyForDeliveryShippingAndPayment() {
        List<Recipient> recipients = shop.policy().recipients();
        assertThat(recipients).isNotEmpty().allSatisfy(r -> assertThat(r.purposes())
                .isSubsetOf(PurposeId.of("shipping"), PurposeId.of("payment.settlement")));
        assertThat(shop.policy().recipientsFor(PurposeId.of("shipping"))).singleElement()
                .satisfies(r -> assertThat(r.categories()).containsExactly(CategoryId.of("delivery.address")));
        assertThat(shop.policy().recipientsFor(PurposeId.of("payment.settlement"))).singleElement()
                .satisfies(r -> assertThat(r.categories()).doesNotContain(CategoryId.of("delivery.address"),
                        CategoryId.of("account.profile"), CategoryId.of("engagement.metrics")));
        for (String internal : List.of("order.management", "customer.assistance", "service.refinement")) {
            assertThat(shop.policy().recipientsFor(PurposeId.of(internal))).as(internal).isEmpty();
        }
        // engagement metrics and account details never leave the platform
        assertThat(recipients).flatMap(Recipient::categories)
                .doesNotContain(CategoryId.of("engagement.metrics"), CategoryId.of("account.profile"));
    }

    @Test
    void inactiveRecordsArePurgedAfterTwoYearsAndOrderDetailsAreAnonymizedToKeepTransactionsTraceable() {
        for (String category : List.of("account.profile", "order.record", "delivery.address", "billing.info")) {
            shop.retention.recordAnchor(customer, category, Anchor.LAST_ACTIVITY, shop.now());
        }
        SubjectId active = SubjectId.of("customer-002-active");
        shop.retention.recordAnchor(active, "order.record", Anchor.LAST_ACTIVITY, shop.now());
        shop.clock.set(Instant.parse("2026-09-01T00:00:00Z"));
        shop.retention.recordAnchor(active, "order.record", Anchor.LAST_ACTIVITY, shop.now()); // bought again

        shop.clock.set(Instant.parse("2027-03-03T10:00:00Z"));
        DisposalPlan plan = shop.retention.plan(shop.now());
        assertThat(plan.dueByRule()).containsOnlyKeys("inactive-accounts", "inactive-orders-traceable",
                "inactive-addresses", "inactive-billing");
        assertThat(plan.items()).filteredOn(v -> v.item().category().value().equals("order.record")).singleElement()
                .satisfies(v -> {
                    assertThat(v.item().subject()).isEqualTo(customer);
                    assertThat(v.action()).contains(DisposalAction.ANONYMIZE);
                    // the DELETE rule falling due at the same instant yields to the traceability rule (principle 7)
                    assertThat(v.rules()).filteredOn(o -> o.ruleId().equals("inactive-orders-delete"))
                            .singleElement().extracting(RetentionVerdict.RuleOutcome::role)
                            .isEqualTo(RetentionVerdict.Role.ACTION_YIELDS);
                });

        shop.sweeper.sweep(100, Duration.ofSeconds(30));
        assertThat(shop.disposed).extracting(r -> r.item().category().value() + " " + r.action())
                .containsExactlyInAnyOrder("account.profile DELETE", "order.record ANONYMIZE",
                        "delivery.address DELETE", "billing.info DELETE");
        assertThat(shop.disposed).noneMatch(r -> r.item().subject().equals(active));
    }

    @Test
    void redundantEngagementMetricsAreAnonymizedAfterAYear() {
        RetentionVerdict v = shop.retention.recordAnchor(customer, "engagement.metrics", Anchor.COLLECTED, shop.now());
        assertThat(v.dueAt()).contains(Instant.parse("2026-03-03T10:00:00Z"));
        assertThat(v.action()).contains(DisposalAction.ANONYMIZE);
    }

    @Test
    void noDeadlineIsStatedSoTheGdprMonthApplies() {
        // "within a defined timeframe": the seed never defines it
        assertThat(shop.policy().rightsTerms()).isEmpty();
        for (RequestType type : RequestType.values()) {
            assertThat(shop.rights.termFor(type)).isEqualTo(RightsService.GDPR_DEFAULT);
        }
    }

    /**
     * "All internal data usage activities are systematically logged, ensuring full traceability and accountability
     * throughout the information lifecycle." (seed 002, Information Usage and Sharing Specifications; GDPR Art. 30
     * and 5(2).) Each use (order verification, then shipment) is checked and logged by the processing log, and the
     * log is in the subject's access export (GDPR Art. 15(1)(a), (c)).
     */
    @Test
    void everyInternalDataUseIsLogged() throws IOException {
        ProcessingLog log = log();
        shop.grant(customer, "order.management", Method.CHECKBOX);
        shop.grant(customer, "shipping", Method.CHECKBOX);
        shop.clock.set(Instant.parse("2025-03-04T09:00:00Z"));
        log.use(customer, PurposeId.of("order.management"), categories("order.record", "account.profile"),
                "order verification");
        shop.clock.set(Instant.parse("2025-03-05T14:00:00Z"));
        log.use(customer, PurposeId.of("shipping"), categories("delivery.address"), "product shipment");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SubjectExport.builder().consents(shop.consents).retention(shop.retention).rights(shop.rights).processing(log)
                .build().write(customer, out);
        JsonNode export = new ObjectMapper().readTree(out.toByteArray());

        JsonNode uses = export.path("processing");
        assertThat(uses.isArray()).as("the subject's processing log in the export").isTrue();
        assertThat(uses).hasSize(2);
        assertThat(uses.get(0).path("purpose").asText()).isEqualTo("order.management");
        assertThat(uses.get(0).path("at").asText()).isEqualTo("2025-03-04T09:00:00Z");
        assertThat(uses.get(1).path("purpose").asText()).isEqualTo("shipping");
        assertThat(uses.get(1).path("categories")).extracting(JsonNode::asText)
                .containsExactly("delivery.address");
    }

    /**
     * "Every instance of data collection occurs only with the user's explicit consent" and "Users retain the authority
     * to withdraw previously granted data permissions": a use after the withdrawal is refused and never logged.
     */
    @Test
    void aUseAfterAWithdrawalIsRefusedAndNotLogged() {
        ProcessingLog log = log();
        shop.grant(customer, "shipping", Method.CHECKBOX);
        log.use(customer, PurposeId.of("shipping"), categories("delivery.address"), "product shipment");
        shop.withdraw(customer, "shipping", Method.ACCOUNT_SETTINGS);

        assertThatThrownBy(() -> log.use(customer, PurposeId.of("shipping"), categories("delivery.address"),
                "product shipment")).isInstanceOfSatisfying(ProcessingRefusedException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.WITHDRAWN));
        // sharing is only for delivery, shipping and payment: a shipping use cannot touch billing data
        assertThatThrownBy(() -> log.use(customer, PurposeId.of("shipping"), categories("billing.info"), "x"))
                .isInstanceOf(InvalidValueException.class);
        assertThat(log.uses(customer)).hasSize(1);
    }

    /**
     * "purging inactive records ... while preserving transaction traceability": after erasure the log no longer
     * names the customer but keeps how many uses there were and when; and the log itself is purged after its own
     * period (three years, this encoding's choice).
     */
    @Test
    void erasureKeepsTheLogTraceableWithoutTheCustomerAndTheLogIsPurgedInTurn() {
        ProcessingLog log = log();
        RightsService rights = RightsService.builder().consents(shop.consents).retention(shop.retention)
                .processing(log).store(shop.store).build();
        shop.grant(customer, "order.management", Method.CHECKBOX);
        log.use(customer, PurposeId.of("order.management"), categories("order.record"), "order verification");
        shop.clock.set(Instant.parse("2025-06-01T00:00:00Z"));
        log.use(customer, PurposeId.of("order.management"), categories("billing.info"), "refund handling");

        String request = rights.receive(customer, RequestType.ERASURE, "account dashboard").id();
        rights.verifyIdentity(request, "support", "logged-in session");
        rights.erase(request, "support");

        assertThat(log.uses(customer)).isEmpty();
        assertThat(log.pseudonymisedUses(customer)).extracting(e -> e.at().toString())
                .containsExactly("2025-03-03T10:00:00Z", "2025-06-01T00:00:00Z");
        assertThat(log.count(PurposeId.of("order.management"), Instant.parse("2025-01-01T00:00:00Z"),
                Instant.parse("2026-01-01T00:00:00Z"))).isEqualTo(2);

        shop.clock.set(Instant.parse("2028-03-03T10:00:00Z"));
        assertThat(log.purgeExpired().deleted()).isEqualTo(1);
        assertThat(log.pseudonymisedUses(customer)).hasSize(1);
    }

    private ProcessingLog log() {
        return ProcessingLog.builder().consents(shop.consents).store(shop.store).retention(shop.retention)
                .pseudonymKey("seed 002: a key kept outside the database".getBytes(StandardCharsets.UTF_8)).build();
    }

    private static Set<CategoryId> categories(String... ids) {
        Set<CategoryId> out = new LinkedHashSet<>();
        for (String id : ids) {
            out.add(CategoryId.of(id));
        }
        return out;
    }
}
