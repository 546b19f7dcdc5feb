package dev.consent.examples.seeds;

import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.Reason;
import dev.consent.examples.SeedPolicies;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.Actor;
import dev.consent.ledger.AgeDeclaration;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Mechanism;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalRequest;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.RetentionService;
import dev.consent.retention.RetentionVerdict;
import dev.consent.retention.Sweeper;
import dev.consent.rights.Deadline;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.testing.MutableClock;
import dev.consent.testing.TestKeys;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seed 004 (the HappySell app), every promise DESIGN.md lists for it: separate optional permissions (camera,
 * storage, photo album, location, phone/SMS), each refusable without affecting the others; users under 18
 * refused (their age declared once, with its evidence) and their data deleted once they are found; re-consent when a purpose changes; replies within 15 working days after
 * identity verification. Asia/Shanghai, on the 2025 calendar of public holidays and make-up working days.
 */
class Seed004HappySellTest {
    private static final List<String> PERMISSIONS = List.of("permission.camera", "permission.storage",
            "permission.photo-album", "permission.location", "permission.phone-sms");
    private static final String START = "2025-03-03T02:00:00Z"; // 10:00 on Monday in Shanghai
    private final SubjectId adult = SubjectId.of("user-004-adult");
    private final SubjectId minor = SubjectId.of("user-004-minor");

    private static Shop shop() {
        return Shop.of(SeedPolicies.HAPPYSELL, START);
    }

    @Test
    void thePermissionsAreSeparateOptionalConsents() {
        Policy policy = SeedPolicies.load(SeedPolicies.HAPPYSELL);
        assertThat(policy.purposes()).filteredOn(p -> p.id().value().startsWith("permission."))
                .extracting(p -> p.id().value()).containsExactlyElementsOf(PERMISSIONS);
        for (String id : PERMISSIONS) {
            Purpose p = policy.purpose(PurposeId.of(id));
            assertThat(p.basis()).as(id).isEqualTo(LegalBasis.CONSENT);
            assertThat(p.mechanism()).as(id).isEqualTo(Mechanism.OPT_IN);
            assertThat(p.parent()).as(id + " stands alone").isEmpty();
            assertThat(policy.purposes()).as("nothing hangs under " + id).noneMatch(c -> c.parent().equals(Optional.of(p.id())));
        }
        // each permission reaches its own data only
        assertThat(PERMISSIONS).map(id -> policy.purpose(PurposeId.of(id)).categories()).doesNotHaveDuplicates();
    }

    @Test
    void eachPermissionCanBeRefusedWithoutAffectingTheOthersOrTheService() {
        try (Shop shop = shop()) {
            for (String refused : PERMISSIONS) {
                SubjectId user = SubjectId.of("user-004-refuses-" + refused.substring("permission.".length()));
                for (String p : PERMISSIONS) {
                    if (p.equals(refused)) {
                        shop.deny(user, p, Method.DEVICE_PERMISSION);
                    } else {
                        shop.grant(user, p, Method.DEVICE_PERMISSION, 30);
                    }
                }
                for (String p : PERMISSIONS) {
                    assertThat(shop.check(user, p).reason()).as(refused + " refused; " + p)
                            .isEqualTo(p.equals(refused) ? Reason.DENIED : Reason.GRANTED);
                }
                assertThat(shop.check(user, "account").allowed()).isTrue();
                assertThat(shop.check(user, "security").allowed()).isTrue();
            }

            // "or turn off the following permissions of this software in the phone settings"
            for (String p : PERMISSIONS) {
                shop.grant(adult, p, Method.DEVICE_PERMISSION, 30);
            }
            shop.withdraw(adult, "permission.camera", Method.ACCOUNT_SETTINGS);
            assertThat(PERMISSIONS).map(p -> shop.check(adult, p).reason()).containsExactly(Reason.WITHDRAWN,
                    Reason.GRANTED, Reason.GRANTED, Reason.GRANTED, Reason.GRANTED);
            // refusing every permission still leaves the service usable
            SubjectId refusesAll = SubjectId.of("user-004-refuses-all");
            PERMISSIONS.forEach(p -> shop.deny(refusesAll, p, Method.DEVICE_PERMISSION));
            assertThat(shop.check(refusesAll, "account").reason()).isEqualTo(Reason.BASIS_CONTRACT);
        }
    }

    @Test
    void usersUnder18AreRefusedEvenWithAGuardiansConsent() {
        Policy policy = SeedPolicies.load(SeedPolicies.HAPPYSELL);
        assertThat(policy.purposes()).filteredOn(Purpose::needsConsent).isNotEmpty().allSatisfy(p -> {
            assertThat(p.minimumAge()).hasValue(18);
            assertThat(p.guardianConsent()).as("guardian consent does not count").isFalse();
        });
        try (Shop shop = shop()) {
            shop.grant(minor, "permission.camera", Method.DEVICE_PERMISSION, 16);
            assertThat(shop.check(minor, "permission.camera").reason()).isEqualTo(Reason.UNDER_AGE);
            shop.grantByGuardian(minor, "permission.camera", Method.DEVICE_PERMISSION, 16);
            assertThat(shop.check(minor, "permission.camera").reason()).isEqualTo(Reason.UNDER_AGE);
            shop.grant(minor, "permission.location", Method.DEVICE_PERMISSION, 17);
            assertThat(shop.check(minor, "permission.location").reason()).isEqualTo(Reason.UNDER_AGE);
            // an age nobody declared fails closed
            SubjectId unknownAge = SubjectId.of("user-004-unknown-age");
            shop.grant(unknownAge, "profile", Method.WEB_FORM);
            assertThat(shop.check(unknownAge, "profile").reason()).isEqualTo(Reason.UNDER_AGE);

            shop.grant(adult, "permission.camera", Method.DEVICE_PERMISSION, 18);
            assertThat(shop.check(adult, "permission.camera").reason()).isEqualTo(Reason.GRANTED);
        }
    }

    @Test
    void aMinorsDataIsDeletedThroughAnErasureRequest() {
        try (Shop shop = shop()) {
            for (String category : List.of("account.registration", "profile.optional", "media.album",
                    "device.security")) {
                shop.retention.recordAnchor(minor, category, Anchor.COLLECTED, shop.now());
            }
            shop.retention.recordAnchor(adult, "account.registration", Anchor.COLLECTED, shop.now());
            shop.grant(minor, "permission.photo-album", Method.DEVICE_PERMISSION, 15);
            shop.grant(minor, "profile", Method.WEB_FORM, 15);

            // "if we discover that we have collected personal information about minors ... delete the data"
            shop.clock.set(Instant.parse("2025-03-05T02:00:00Z"));
            RightsRequest request = shop.rights.receive(minor, RequestType.ERASURE, "self-examination: user is 15");
            shop.rights.verifyIdentity(request.id(), "privacy-team", "age confirmed by the guardian's complaint");
            ErasureAnswer answer = shop.rights.erase(request.id(), "privacy-team");

            assertThat(answer.kept()).as("no legal minimum keeps a minor's data").isEmpty();
            // the shop's sweeper disposed of every item at once, and the answer says so
            assertThat(answer.entries()).allMatch(e -> e.outcome() == ErasureAnswer.Outcome.DISPOSED);
            assertThat(shop.disposedCategories()).containsExactlyInAnyOrder("account.registration",
                    "profile.optional", "media.album", "device.security");
            assertThat(shop.disposed).allMatch(r -> r.item().subject().equals(minor));
            assertThat(shop.retention.wasErased(minor)).isTrue();
            assertThat(shop.retention.wasErased(adult)).isFalse();
            // the grants that stood (though they never counted) are withdrawn on the ledger
            assertThat(shop.consents.history(minor)).filteredOn(e -> e.choice() == Choice.WITHDRAWN)
                    .extracting(e -> e.purpose().value())
                    .containsExactlyInAnyOrder("permission.photo-album", "profile");
            // the service-wide minimum age (policy "minimumAge": 18) refuses a known minor before the withdrawal
            assertThat(shop.check(minor, "profile").reason()).isEqualTo(Reason.UNDER_AGE);
        }
    }

    @Test
    void repliesWithin15WorkingDaysAfterVerifyingIdentityOnTheChineseCalendar() {
        try (Shop shop = Shop.of(SeedPolicies.HAPPYSELL, "2025-09-26T02:00:00Z")) { // Friday before Golden Week
            for (RequestType type : List.of(RequestType.ACCESS, RequestType.RECTIFICATION, RequestType.ERASURE)) {
                RightsRequest r = shop.rights.receive(adult, type, "in-app feedback");
                assertThat(r.deadline()).as("not before the identity is verified").isEmpty();
                Deadline d = shop.rights.verifyIdentity(r.id(), "support", "SMS code").deadline().orElseThrow();
                // Sunday 28 September and Saturday 11 October are make-up working days; 1-8 October are holidays
                assertThat(d.lastDay()).as(type.name()).isEqualTo(LocalDate.of(2025, 10, 23));
                assertThat(d.skipped()).contains(LocalDate.of(2025, 10, 1), LocalDate.of(2025, 10, 8))
                        .doesNotContain(LocalDate.of(2025, 9, 28), LocalDate.of(2025, 10, 11));
                assertThat(d.dueBefore()).isEqualTo(Instant.parse("2025-10-23T16:00:00Z"));
            }
        }
    }

    /** Section 7: "When the using purpose of personal information changes, we will obtain your consent again." */
    @Test
    void consentIsAskedAgainWhenAPurposeChanges() {
        Policy v1 = SeedPolicies.load(SeedPolicies.HAPPYSELL);
        Policy v2 = Shop.history("004-happysell-2.json");
        assertThat(v2.purpose(PurposeId.of("permission.location")).consentVersion()).isEqualTo(2);
        assertThat(v2.purpose(PurposeId.of("permission.camera")).consentVersion()).isEqualTo(1);

        try (Shop shop = Shop.withVersions(START, v1, v2)) {
            shop.grant(adult, "permission.location", Method.DEVICE_PERMISSION, 30);
            shop.grant(adult, "permission.camera", Method.DEVICE_PERMISSION, 30);
            assertThat(shop.check(adult, "permission.location").reason()).isEqualTo(Reason.GRANTED);

            shop.clock.set(Instant.parse("2025-08-31T16:00:00Z")); // midnight, 1 September, in Shanghai
            Decision changed = shop.check(adult, "permission.location");
            assertThat(changed.reason()).isEqualTo(Reason.RECONSENT_REQUIRED);
            assertThat(changed.policyVersion()).isEqualTo("2");
            assertThat(shop.check(adult, "permission.camera").reason()).isEqualTo(Reason.GRANTED);
            // what was done before the change was allowed then
            assertThat(shop.checkAt(adult, "permission.location", Instant.parse("2025-08-31T15:59:59Z")).reason())
                    .isEqualTo(Reason.GRANTED);

            ConsentEvent again = shop.consents.grant(adult, PurposeId.of("permission.location"),
                    Capture.by(Method.DEVICE_PERMISSION).withDeclaredAge(30));
            assertThat(again.consentVersion()).isEqualTo(2);
            assertThat(again.policyVersion()).isEqualTo("2");
            assertThat(shop.check(adult, "permission.location").reason()).isEqualTo(Reason.GRANTED);
        }
    }

    /**
     * Section 8: "If you are a minor (under the age of 18), this platform refuses to provide you with services." The
     * policy's service-wide {@code minimumAge} refuses a known minor every purpose, the account (a contract) included;
     * the age is recorded once, at registration, with its evidence, and a birth date is read on the day checked (in
     * Shanghai): the refusal lifts on the 18th birthday.
     */
    @Test
    void aKnownMinorIsRefusedTheServiceItselfUntilTheir18thBirthday() {
        try (Shop shop = shop()) {
            ConsentEvent declared = shop.consents.declareAge(minor, AgeDeclaration.bornOn(LocalDate.of(2007, 3, 4)),
                    Capture.by(Method.WEB_FORM).withEvidence(Evidence.builder().reference("registration form").build()));
            Decision refused = shop.check(minor, "account");
            assertThat(refused.reason()).isEqualTo(Reason.UNDER_AGE);
            assertThat(refused.decidingEvent()).contains(declared.ref());
            // no age on the grant: the declaration made at registration counts for every capture after it
            shop.grant(minor, "permission.camera", Method.DEVICE_PERMISSION);
            assertThat(shop.check(minor, "permission.camera").reason()).isEqualTo(Reason.UNDER_AGE);

            shop.clock.set(Instant.parse("2025-03-03T16:00:00Z")); // midnight, 4 March, in Shanghai: 18 years old
            assertThat(shop.check(minor, "account").reason()).isEqualTo(Reason.BASIS_CONTRACT);
            // consent given at 17 does not count on the birthday (GDPR Art. 8(1)); given again, it does
            assertThat(shop.check(minor, "permission.camera").reason()).isEqualTo(Reason.UNDER_AGE);
            shop.grant(minor, "permission.camera", Method.DEVICE_PERMISSION);
            assertThat(shop.check(minor, "permission.camera").reason()).isEqualTo(Reason.GRANTED);
        }
    }

    /**
     * Section 8(2): "If we discover that we have collected personal information about minors without prior verifiable
     * parental consent, we will try to delete the data as soon as possible." Once an age declaration shows a user is
     * under 18, every item the shop holds of them falls due at once and the next sweep deletes it: no erasure request
     * is needed, and an adult's data is not touched.
     */
    @Test
    void aMinorFoundHasTheirDataDeletedAtOnceWithoutAnErasureRequest() {
        try (Shop shop = shop()) {
            for (String category : List.of("account.registration", "profile.optional", "media.album")) {
                shop.retention.recordAnchor(minor, category, Anchor.COLLECTED, shop.now());
            }
            shop.retention.recordAnchor(adult, "account.registration", Anchor.COLLECTED, shop.now());
            shop.consents.declareAge(adult, AgeDeclaration.years(30), Capture.by(Method.WEB_FORM));
            assertThat(shop.retention.plan(shop.now()).due()).isZero();

            shop.clock.set(Instant.parse("2025-03-05T02:00:00Z"));
            shop.consents.declareAge(minor, AgeDeclaration.bornOn(LocalDate.of(2010, 5, 1)), Capture.by(Method.PHONE)
                    .withActor(Actor.SYSTEM).withEvidence(Evidence.builder().reference("guardian's complaint").build()));
            assertThat(shop.retention.plan(shop.now()).due()).isEqualTo(3);
            shop.sweeper.sweep(100, Duration.ofSeconds(10));

            assertThat(shop.disposedCategories()).containsExactlyInAnyOrder("account.registration",
                    "profile.optional", "media.album");
            assertThat(shop.disposed).allMatch(r -> r.item().subject().equals(minor)
                    && r.ruleId().equals(RetentionVerdict.MINOR_FOUND));
            assertThat(shop.retention.wasErased(minor)).as("no erasure request was made").isFalse();
            assertThat(shop.consents.history(minor)).extracting(ConsentEvent::choice).containsExactly(Choice.AGE_DECLARED);
        }
    }

    /**
     * The finding is kept in the store, not in one process: a node that declares the age and stops, and another that
     * starts over the same database afterwards, together delete the minor's data.
     */
    @Test
    void theFindingSurvivesARestartAndIsSweptByAnotherNode() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:seed004-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        Policy policy = SeedPolicies.load(SeedPolicies.HAPPYSELL);
        MutableClock clock = MutableClock.at(START);
        try (ConsentService consents = ConsentService.builder().policy(policy).store(JdbcStore.builder(dataSource)
                .build()).clock(clock).build()) {
            RetentionService retention = RetentionService.builder().consents(consents)
                    .referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                    .store(JdbcStore.builder(dataSource).build()).clock(clock).build();
            retention.recordAnchor(minor, "account.registration", Anchor.COLLECTED, clock.instant());
            retention.recordAnchor(minor, "device.security", Anchor.COLLECTED, clock.instant());
            consents.declareAge(minor, AgeDeclaration.years(16), Capture.by(Method.WEB_FORM));
        }

        clock.set(Instant.parse("2025-03-03T03:00:00Z"));
        List<DisposalRequest> disposed = new ArrayList<>();
        JdbcStore store = JdbcStore.builder(dataSource).build();
        try (ConsentService consents = ConsentService.builder().policy(policy).store(store).clock(clock).build()) {
            RetentionService retention = RetentionService.builder().consents(consents)
                    .referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).store(store).clock(clock).build();
            Sweeper sweeper = Sweeper.builder(retention).node("second").handler("account.registration", disposed::add)
                    .handler("device.security", disposed::add).build();
            assertThat(consents.check(minor, PurposeId.of("account")).reason()).isEqualTo(Reason.UNDER_AGE);
            sweeper.sweep(100, Duration.ofSeconds(10));
        }
        assertThat(disposed).extracting(r -> r.item().category().value())
                .containsExactlyInAnyOrder("account.registration", "device.security");
    }
}
