package dev.consent;

import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;
import dev.consent.policy.Purpose;
import dev.consent.processing.ProcessingLog;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.RetentionRule;
import dev.consent.retention.RetentionService;
import dev.consent.retention.RetentionVerdict;
import dev.consent.rights.DeadlineTerm;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Consent, retention and rights share one view of the policy versions: retention judges an item under the version in
 * force at the instant judged (looking ahead to versions already known), a request keeps the terms of the version in
 * force when it was received, and services over different versions are refused when built.
 */
class SharedPolicyVersionsTest {
    private static final Instant V2_FROM = Instant.parse("2026-01-01T00:00:00Z");

    /** Version 1: email kept 2 years, access answered in 5 business days, extendable to 30 days. */
    static Policy v1() {
        return version("1", LocalDate.of(2025, 1, 1), "P2Y",
                DeadlineTerm.of(5, DeadlineTerm.Unit.BUSINESS_DAYS, DeadlineTerm.Start.RECEIPT)
                        .extendable(DeadlineTerm.Extension.to(30, DeadlineTerm.Unit.CALENDAR_DAYS)));
    }

    /** Version 2, from 2026: email kept 1 year, access answered in one month, not extendable. */
    static Policy v2() {
        return version("2", LocalDate.of(2026, 1, 1), "P1Y",
                DeadlineTerm.of(1, DeadlineTerm.Unit.MONTHS, DeadlineTerm.Start.RECEIPT));
    }

    private static Policy version(String version, LocalDate from, String emailPeriod, DeadlineTerm access) {
        return Policy.builder("shop", version).effectiveFrom(from).zone(ZoneOffset.UTC)
                .category("contact.email", "Email")
                .purpose(Purpose.builder("orders").title("Orders").basis(LegalBasis.CONTRACT)
                        .categories("contact.email").build())
                .retention(RetentionRule.maximum("email", "contact.email", DisposalAction.DELETE).period(emailPeriod)
                        .after(Anchor.COLLECTED).build())
                .rights(access, RequestType.ACCESS)
                .build();
    }

    private final MutableClock clock = MutableClock.at("2025-06-01T08:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(v1()).policy(v2()).store(store)
            .clock(clock).build();
    private final RetentionService retention = RetentionService.builder()
            .referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policyVersions(consents.policyVersions())
            .store(store).clock(clock).build();
    private final SubjectId alice = SubjectId.of("alice");

    @AfterEach
    void close() {
        consents.close();
    }

    private Instant dueIndexOf(ItemKey key) {
        return store.item(key).flatMap(RetainedItem::dueAt).orElseThrow();
    }

    @Test
    void anItemIsJudgedUnderTheVersionInForceAtTheInstantJudged() {
        ItemKey email = ItemKey.of(alice, CategoryId.of("contact.email"));
        retention.recordAnchor(email, Anchor.COLLECTED, Instant.parse("2025-03-01T00:00:00Z"));

        RetentionVerdict in2025 = retention.verdict(email, Instant.parse("2025-06-01T00:00:00Z"));
        assertThat(in2025.policyVersion()).isEqualTo("1");
        assertThat(in2025.status()).isEqualTo(RetentionVerdict.Status.KEEP);
        assertThat(in2025.dueAt()).contains(Instant.parse("2027-03-01T00:00:00Z"));
        RetentionVerdict in2026 = retention.verdict(email, Instant.parse("2026-04-01T00:00:00Z"));
        assertThat(in2026.policyVersion()).isEqualTo("2");
        assertThat(in2026.status()).isEqualTo(RetentionVerdict.Status.DUE);
        // the due index already counts version 2's shorter period, from when version 2 takes effect
        assertThat(dueIndexOf(email)).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
    }

    @Test
    void aPeriodShortenedBelowWhatHasRunFallsDueWhenTheNewVersionTakesEffect() {
        ItemKey email = ItemKey.of(alice, CategoryId.of("contact.email"));
        retention.recordAnchor(email, Anchor.COLLECTED, Instant.parse("2024-10-01T00:00:00Z"));

        // version 1 keeps it until October 2026, version 2 would have ended it in October 2025: due on 1 January 2026
        assertThat(dueIndexOf(email)).isEqualTo(V2_FROM);
        assertThat(retention.verdict(email, V2_FROM.minusSeconds(1)).status()).isEqualTo(RetentionVerdict.Status.KEEP);
        assertThat(retention.verdict(email, V2_FROM).status()).isEqualTo(RetentionVerdict.Status.DUE);
        assertThat(retention.plan(V2_FROM).items()).extracting(RetentionVerdict::item).containsExactly(email);
        assertThat(retention.plan(V2_FROM.minusSeconds(1)).items()).isEmpty();
    }

    @Test
    void aRequestKeepsTheTermsOfTheVersionInForceWhenItWasReceived() {
        RightsService rights = RightsService.builder().consents(consents).retention(retention).store(store).build();
        clock.set(Instant.parse("2025-12-29T09:00:00Z"));
        RightsRequest before = rights.receive(alice, RequestType.ACCESS, "email");
        rights.verifyIdentity(before.id(), "support", "login");
        clock.set(Instant.parse("2026-01-02T09:00:00Z"));
        RightsRequest after = rights.receive(alice, RequestType.ACCESS, "email");
        rights.verifyIdentity(after.id(), "support", "login");

        // received under version 1, extended under it though version 2 is in force now
        RightsRequest extended = rights.extend(before.id(), "dpo", "many orders", clock.instant());
        assertThat(extended.deadline().orElseThrow().lastDay()).isEqualTo(LocalDate.of(2026, 1, 28));
        // received under version 2: one month, its last day Sunday 1 February, moved to the next working day
        assertThat(after.deadline().orElseThrow().lastDay()).isEqualTo(LocalDate.of(2026, 2, 2));
        assertThatThrownBy(() -> rights.extend(after.id(), "dpo", "many orders", clock.instant()))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("has no extendable deadline")
                .hasMessageContaining("policy shop");
    }

    @Test
    void servicesOverOtherPolicyVersionsAreRefusedNamingTheField() {
        RetentionService onlyV1 = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .policy(v1()).store(store).clock(clock).build();

        assertThatThrownBy(() -> RightsService.builder().consents(consents).retention(onlyV1).store(store).build())
                .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("retention")
                .hasMessageContaining("other policy versions");
        assertThatThrownBy(() -> ProcessingLog.builder().consents(consents).retention(onlyV1).store(store)
                .pseudonymKey(new byte[16]).build())
                .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("retention");
        assertThatThrownBy(() -> RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .policy(v1()).policyVersions(consents.policyVersions()).store(store).build())
                .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("policyVersions");
        // the same versions, built again from the same definitions, are the same view
        assertThat(PolicyVersions.of(List.of(v1(), v2())).sameVersionsAs(consents.policyVersions())).isTrue();
        assertThat(RightsService.builder().consents(consents).retention(retention).store(store).build()
                .policyVersions()).isSameAs(consents.policyVersions());
    }
}
