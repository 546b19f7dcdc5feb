package dev.consent.email;

import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.store.ConsentStore;
import dev.consent.store.EmailStore;
import dev.consent.store.SuppressionEntry;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import static dev.consent.email.EmailTestSetup.ALICE;
import static dev.consent.email.EmailTestSetup.BOB;
import static dev.consent.email.EmailTestSetup.KEYS;
import static dev.consent.email.EmailTestSetup.NEWSLETTER;
import static dev.consent.email.EmailTestSetup.OFFERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The suppression list and campaign proof on a real store ({@link EmailStore}), published in consent-core's test-jar
 * so every store runs it: the store operations' own rules (an expected conflict answers false and writes nothing),
 * then the services over them: an import after an erasure refused, a fresh confirmed opt-in accepted, and the proof
 * of a campaign of 100,000 recipients answered per recipient.
 *
 * @param <S> the store under test, a consent store and an email store in one
 */
public abstract class EmailListStoreContract<S extends ConsentStore & EmailStore> {
    private static final Instant T0 = Instant.parse("2025-06-02T08:00:00Z");
    private static final PurposeId CUSTOMER_MAIL = PurposeId.of("customer.mail");
    private static final EmailAddress ALICE_MAIL = EmailAddress.of("alice@shop.example");
    private static final Capture CSV = Capture.by(Method.IMPORT)
            .withEvidence(Evidence.builder().notice("crm-export-2025-05", "Imported from the CRM").build());
    private static final Evidence CLICK = Evidence.builder().userAgent("Mozilla/5.0 (Mail)").ip("203.0.113.77")
            .build();

    /** The store of the current test. */
    protected S store;
    private final MutableClock clock = MutableClock.at(T0.toString());
    private ConsentService consents;
    private Suppression suppression;

    /**
     * A new, empty store; called before every test.
     *
     * @return the store
     */
    protected abstract S createStore();

    @BeforeEach
    void freshServices() {
        store = createStore();
        Policy policy = policy();
        consents = ConsentService.builder().policy(policy).store(store).clock(clock).cacheSize(0).build();
        suppression = Suppression.builder().store(store).keys(SuppressionKeys.of("s1", EmailTestSetup.secret('s')))
                .clock(clock).build();
    }

    /** The shop of {@link EmailTestSetup}, which also mails its existing customers on legitimate interests. */
    private static Policy policy() {
        Policy.Builder b = Policy.builder("shop", "1").effectiveFrom(java.time.LocalDate.of(2024, 1, 1))
                .zone(java.time.ZoneId.of("Europe/Berlin")).controller("Example Shop GmbH", "privacy@shop.example")
                .category("contact.email", "Email address").category("order.record", "Orders");
        EmailTestSetup.policy(1).purposes().forEach(b::purpose);
        return b.purpose(Purpose.builder(CUSTOMER_MAIL.value()).title("Offers to existing customers")
                .basis(LegalBasis.LEGITIMATE_INTERESTS).categories("contact.email").build()).build();
    }

    @AfterEach
    void closeServices() {
        consents.close();
    }

    private static String hash(int i) {
        byte[] b = new byte[32];
        b[0] = (byte) i;
        b[1] = (byte) (i >> 8);
        return HexFormat.of().formatHex(b);
    }

    // ------------------------------------------------------------------ the store operations

    @Test
    void aSuppressionIsAddedOnceFoundByItsHashAndReleased() {
        Instant at = T0.plusNanos(123_000);
        assertThat(store.suppress(new SuppressionEntry(hash(1), "s1", SuppressionReason.ERASURE, at))).isTrue();
        assertThat(store.suppress(new SuppressionEntry(hash(1), "s2", SuppressionReason.NEVER_CONTACT, at)))
                .as("a hash on the list already").isFalse();
        assertThat(store.suppress(new SuppressionEntry(hash(2), "s1", SuppressionReason.NEVER_CONTACT, at))).isTrue();

        assertThat(store.suppressed(List.of(hash(1), hash(2), hash(3)))).containsExactlyInAnyOrder(hash(1), hash(2));
        assertThat(store.suppressed(List.of())).isEmpty();
        assertThat(store.release(List.of(hash(1), hash(3)))).isEqualTo(1);
        assertThat(store.release(List.of(hash(1)))).isZero();
        assertThat(store.suppressed(List.of(hash(1), hash(2)))).containsExactly(hash(2));
    }

    @Test
    void aLookupOfMoreHashesThanTheLimitIsRefused() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= EmailStore.MAX_KEYS; i++) {
            many.add(hash(i));
        }
        assertThatThrownBy(() -> store.suppressed(many)).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("keyedHashes");
    }

    private static CampaignRecipient row(String campaign, SubjectId subject, boolean withEvent) {
        return new CampaignRecipient(CampaignId.of(campaign), subject, OFFERS, LegalBasis.CONSENT, Reason.GRANTED, "1",
                withEvent ? OptionalInt.of(3) : OptionalInt.empty(),
                withEvent ? Optional.of(new EventRef(SubjectId.of("visitor:v1"), 7)) : Optional.empty(),
                T0.plusNanos(456_000));
    }

    @Test
    void campaignRecipientsComeBackWithEveryFieldAndAConflictWritesNothing() {
        CampaignRecipient alice = row("june", ALICE, true);
        CampaignRecipient bob = row("june", BOB, false);
        long at = store.changeCursor().position();
        assertThat(store.recordRecipients(List.of(alice, bob), at).written()).isTrue();
        assertThat(store.campaignRecipients(CampaignId.of("june"), List.of(ALICE, BOB, SubjectId.of("carol"))))
                .containsExactlyInAnyOrderEntriesOf(Map.of(ALICE, alice, BOB, bob));
        assertThat(store.campaignRecipients(CampaignId.of("july"), List.of(ALICE))).isEmpty();

        SubjectId carol = SubjectId.of("carol");
        assertThat(store.recordRecipients(List.of(row("june", carol, true), row("june", ALICE, false)), at))
                .as("alice is recorded for june already").isEqualTo(EmailStore.RecipientWrite.recordedAlready());
        assertThat(store.campaignRecipients(CampaignId.of("june"), List.of(carol))).isEmpty();
        assertThat(store.campaignRecipients(CampaignId.of("june"), List.of(ALICE))).containsEntry(ALICE, alice);
        assertThat(store.recordRecipients(List.of(row("july", carol, true), row("july", carol, false)), at))
                .as("one subject twice").isEqualTo(EmailStore.RecipientWrite.recordedAlready());
        assertThat(store.campaignRecipients(CampaignId.of("july"), List.of(carol))).isEmpty();

        assertThat(store.recordRecipients(List.of(row("july", ALICE, false)), at).written()).isTrue();
        assertThat(store.forgetRecipient(ALICE)).isEqualTo(2);
        assertThat(store.campaignRecipients(CampaignId.of("june"), List.of(ALICE, BOB))).containsOnlyKeys(BOB);
        assertThat(store.forgetRecipient(ALICE)).isZero();
    }

    // ------------------------------------------------------------------ suppression through the services

    @Test
    void anImportAfterAnErasureIsRefusedAndAFreshConfirmedOptInIsAccepted() {
        ConsentImport imports = new ConsentImport(consents, suppression);
        imports.grant(ALICE, OFFERS, ALICE_MAIL, CSV);
        assertThat(consents.check(ALICE, OFFERS).allowed()).isTrue();

        EmailErasure erasure = new EmailErasure(suppression, s -> s.equals(ALICE) ? List.of(ALICE_MAIL) : List.of());
        assertThat(erasure.erase(ALICE)).isEqualTo(1);
        consents.withdrawAll(ALICE, Capture.by(Method.RIGHTS_REQUEST));
        int events = consents.history(ALICE).size();

        // the same address comes back in another CSV, written differently, under another subject id
        SubjectId again = SubjectId.of("alice-2");
        assertThatThrownBy(() -> imports.grant(again, OFFERS, EmailAddress.of("  ALICE@Shop.Example "), CSV))
                .isInstanceOf(SuppressedAddressException.class).hasMessageContaining("suppression list")
                .hasMessageNotContaining("alice@");
        assertThat(consents.history(again)).isEmpty();
        assertThat(consents.history(ALICE)).hasSize(events);

        // a sign-up form filled in by somebody: pending, and the address stays suppressed until its owner confirms
        DoubleOptIn optIn = new DoubleOptIn(consents, KEYS, suppression);
        OptInRequest request = optIn.request(again, NEWSLETTER, Capture.by(Method.WEB_FORM), ALICE_MAIL);
        assertThat(suppression.isSuppressed(ALICE_MAIL)).isTrue();
        clock.advance(Duration.ofMinutes(5));
        assertThat(optIn.confirm(request.token(), CLICK).status()).isEqualTo(Confirmation.Status.CONFIRMED);
        assertThat(suppression.isSuppressed(ALICE_MAIL)).isFalse();
        assertThat(consents.check(again, NEWSLETTER).reason()).isEqualTo(Reason.GRANTED);
        imports.grant(again, OFFERS, ALICE_MAIL, CSV);
        assertThat(consents.check(again, OFFERS).allowed()).isTrue();

        // "never contact me" afterwards: a replay of the old confirmation link does not take the address off again
        assertThat(suppression.suppress(ALICE_MAIL, SuppressionReason.NEVER_CONTACT)).isTrue();
        assertThat(optIn.confirm(request.token(), CLICK).status()).isEqualTo(Confirmation.Status.ALREADY_CONFIRMED);
        assertThat(suppression.isSuppressed(ALICE_MAIL)).isTrue();
    }

    @Test
    void aRotatedKeyStillFindsTheEntriesHashedUnderTheOldOne() {
        assertThat(suppression.suppress(EmailAddress.of("bob+news@shop.example"), SuppressionReason.NEVER_CONTACT))
                .isTrue();
        Suppression rotated = Suppression.builder().store(store).clock(clock)
                .keys(SuppressionKeys.of("s2", EmailTestSetup.secret('t')).withOlder("s1", EmailTestSetup.secret('s')))
                .build();
        assertThat(rotated.isSuppressed(EmailAddress.of("Bob+News@SHOP.example"))).isTrue();
        assertThat(rotated.isSuppressed(EmailAddress.of("bob@shop.example"))).as("a sub-address is kept by default")
                .isFalse();
        assertThat(rotated.suppress(EmailAddress.of("bob+news@shop.example"), SuppressionReason.ERASURE))
                .as("on the list under the old key").isFalse();
        Suppression otherKey = Suppression.builder().store(store).clock(clock)
                .keys(SuppressionKeys.of("s2", EmailTestSetup.secret('t'))).build();
        assertThat(otherKey.isSuppressed(EmailAddress.of("bob+news@shop.example"))).isFalse();
    }

    // ------------------------------------------------------------------ campaign proof

    @Test
    void aCampaignOfOneHundredThousandRecipientsIsProvedPerRecipient() {
        // mail to existing customers on legitimate interests (the "soft opt-in" of ePrivacy Art. 13(2), objection
        // based): 100,000 recipients need no consent event each, only the objections are written
        int n = 100_000;
        List<Recipient> audience = new ArrayList<>(n);
        List<ChoiceRecord> objections = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SubjectId s = SubjectId.of("c" + i);
            audience.add(new Recipient(s, EmailAddress.of("c" + i + "@shop.example")));
            if (i % 10 == 0) {
                objections.add(new ChoiceRecord(s, CUSTOMER_MAIL, Choice.OBJECTED, Capture.by(Method.EMAIL_REPLY)));
            }
        }
        for (int from = 0; from < objections.size(); from += 2_000) {
            consents.record(objections.subList(from, from + 2_000));
        }
        for (int i = 1; i < n; i += 1_000) { // not objected, but on the list
            suppression.suppress(EmailAddress.of("c" + i + "@shop.example"), SuppressionReason.NEVER_CONTACT);
        }
        clock.advance(Duration.ofHours(1));
        CampaignFilter filter = CampaignFilter.builder().consents(consents).store(store).suppression(suppression)
                .chunkSize(2_000).build();
        CampaignId june = CampaignId.of("customers-2025-06");

        CampaignAudience sent = filter.filter(june, CUSTOMER_MAIL, audience);

        assertThat(sent.refused()).hasSize(n / 10);
        assertThat(sent.refused().get(SubjectId.of("c12340")).reason()).isEqualTo(Reason.OBJECTED);
        assertThat(sent.suppressed()).hasSize(n / 1_000);
        assertThat(sent.included()).hasSize(n - n / 10 - n / 1_000);
        Instant sentAt = clock.instant();
        CampaignRecipient proof = filter.recipient(june, SubjectId.of("c12345")).orElseThrow();
        assertThat(proof.reason()).isEqualTo(Reason.BASIS_LEGITIMATE_INTERESTS);
        assertThat(proof.basis()).isEqualTo(LegalBasis.LEGITIMATE_INTERESTS);
        assertThat(proof.purpose()).isEqualTo(CUSTOMER_MAIL);
        assertThat(proof.policyVersion()).isEqualTo("1");
        assertThat(proof.consentVersion()).isEmpty();
        assertThat(proof.decidingEvent()).isEmpty();
        assertThat(proof.at()).isEqualTo(sentAt);
        assertThat(filter.recipient(june, SubjectId.of("c12340"))).as("objected").isEmpty();
        assertThat(filter.recipient(june, SubjectId.of("c12001"))).as("suppressed").isEmpty();
        assertThat(filter.recipient(CampaignId.of("customers-2025-07"), SubjectId.of("c12345"))).isEmpty();
        List<SubjectId> sample = new ArrayList<>();
        for (int i = 0; i < n; i += 97) {
            sample.add(SubjectId.of("c" + i));
        }
        assertThat(store.campaignRecipients(june, sample).keySet()).containsExactlyInAnyOrderElementsOf(
                sample.stream().filter(s -> {
                    int i = Integer.parseInt(s.value().substring(1));
                    return i % 10 != 0 && i % 1_000 != 1;
                }).toList());

        // a retry after an objection: the objector is left out, everyone keeps the proof first recorded
        consents.object(SubjectId.of("c12345"), CUSTOMER_MAIL, Capture.by(Method.ACCOUNT_SETTINGS));
        clock.advance(Duration.ofMinutes(1));
        CampaignAudience retry = filter.filter(june, CUSTOMER_MAIL, audience.subList(12_000, 13_000));
        assertThat(retry.refused()).containsKey(SubjectId.of("c12345"));
        assertThat(retry.included()).hasSize(1_000 - 100 - 1 - 1);
        assertThat(filter.recipient(june, SubjectId.of("c12346")).orElseThrow().at()).isEqualTo(sentAt);
        assertThat(filter.recipient(june, SubjectId.of("c12345")).orElseThrow().at())
                .as("it was allowed when the campaign was first sent").isEqualTo(sentAt);
    }

    @Test
    void aConsentCampaignRecordsTheGrantAndItsConsentVersion() {
        ConsentEvent grant = consents.grant(ALICE, OFFERS, Capture.by(Method.WEB_FORM).withConsentVersion(1));
        clock.advance(Duration.ofMinutes(1));
        CampaignFilter filter = CampaignFilter.builder().consents(consents).store(store).suppression(suppression)
                .build();
        CampaignAudience sent = filter.filter(CampaignId.of("offers-1"), OFFERS, List.of(
                new Recipient(ALICE, ALICE_MAIL), new Recipient(BOB, EmailAddress.of("bob@shop.example"))));
        assertThat(sent.included()).extracting(Recipient::subject).containsExactly(ALICE);
        assertThat(sent.refused().get(BOB).reason()).isEqualTo(Reason.NO_RECORD);
        CampaignRecipient proof = filter.recipient(CampaignId.of("offers-1"), ALICE).orElseThrow();
        assertThat(proof.reason()).isEqualTo(Reason.GRANTED);
        assertThat(proof.basis()).isEqualTo(LegalBasis.CONSENT);
        assertThat(proof.decidingEvent()).contains(grant.ref());
        assertThat(proof.consentVersion()).hasValue(1);
        assertThat(proof.at()).isEqualTo(clock.instant());
    }

    @Test
    void aCampaignLeavesOutASuppressedAddressEvenWithAStandingConsent() {
        consents.grant(ALICE, OFFERS, Capture.by(Method.WEB_FORM));
        consents.grant(BOB, OFFERS, Capture.by(Method.WEB_FORM));
        suppression.suppress(ALICE_MAIL, SuppressionReason.NEVER_CONTACT);
        CampaignFilter filter = CampaignFilter.builder().consents(consents).store(store).suppression(suppression)
                .build();
        CampaignAudience sent = filter.filter(CampaignId.of("c1"), OFFERS, List.of(new Recipient(ALICE, ALICE_MAIL),
                new Recipient(BOB, EmailAddress.of("bob@shop.example"))));
        assertThat(sent.included()).extracting(Recipient::subject).containsExactly(BOB);
        assertThat(sent.suppressed()).containsExactly(ALICE);
        assertThat(filter.recipient(CampaignId.of("c1"), ALICE)).isEmpty();
        assertThat(Set.copyOf(store.campaignRecipients(CampaignId.of("c1"), List.of(ALICE, BOB)).keySet()))
                .containsExactly(BOB);
    }

    // ------------------------------------------------------------------ the change-feed guard

    @Test
    void aProofIsNotWrittenForASubjectWhoseConsentChangedSinceThePositionRead() {
        consents.grant(ALICE, OFFERS, Capture.by(Method.WEB_FORM));
        consents.grant(BOB, OFFERS, Capture.by(Method.WEB_FORM));
        long before = store.changeCursor().position();
        consents.withdraw(ALICE, OFFERS, Capture.by(Method.ACCOUNT_SETTINGS));
        EmailStore.RecipientWrite w = store.recordRecipients(List.of(row("guarded", ALICE, true),
                row("guarded", BOB, false)), before);
        assertThat(w.written()).isFalse();
        assertThat(w.changedSubjects()).containsExactly(ALICE);
        assertThat(store.campaignRecipients(CampaignId.of("guarded"), List.of(ALICE, BOB))).isEmpty();
        assertThat(store.recordRecipients(List.of(row("guarded", BOB, false)), before).written())
                .as("bob did not change").isTrue();
        assertThat(store.recordRecipients(List.of(row("guarded", ALICE, true)), store.changeCursor().position())
                .written()).as("read again after the change").isTrue();
    }

    @Test
    void aLinkedVisitorsChoiceSinceThePositionStopsTheCustomersProof() {
        dev.consent.ledger.VisitorId visitor = dev.consent.ledger.VisitorId.of("v-guard");
        consents.grant(ALICE, OFFERS, Capture.by(Method.WEB_FORM));
        consents.link(visitor, ALICE);
        long before = store.changeCursor().position();
        consents.deny(visitor.subject(), OFFERS, Capture.by(Method.COOKIE_BANNER));
        EmailStore.RecipientWrite w = store.recordRecipients(List.of(row("linked", ALICE, true),
                row("linked", BOB, false)), before);
        assertThat(w.changedSubjects()).as("the visitor's entry counts for its customer").containsExactly(ALICE);
        assertThat(store.campaignRecipients(CampaignId.of("linked"), List.of(ALICE, BOB))).isEmpty();
    }

    /** The store's email part, running {@code before} ahead of the first proof write and {@code after} after it. */
    private EmailStore interposed(Runnable before, Runnable after) {
        EmailStore email = store;
        boolean[] done = {false};
        return new EmailStore() {
            @Override
            public boolean suppress(dev.consent.store.SuppressionEntry entry) {
                return email.suppress(entry);
            }

            @Override
            public Set<String> suppressed(java.util.Collection<String> keyedHashes) {
                return email.suppressed(keyedHashes);
            }

            @Override
            public long release(java.util.Collection<String> keyedHashes) {
                return email.release(keyedHashes);
            }

            @Override
            public RecipientWrite recordRecipients(List<CampaignRecipient> recipients, long feedPosition) {
                boolean first = !done[0];
                done[0] = true;
                if (first) {
                    before.run();
                }
                RecipientWrite w = email.recordRecipients(recipients, feedPosition);
                if (first) {
                    after.run();
                }
                return w;
            }

            @Override
            public Map<SubjectId, CampaignRecipient> campaignRecipients(CampaignId campaign,
                    java.util.Collection<SubjectId> subjects) {
                return email.campaignRecipients(campaign, subjects);
            }

            @Override
            public long forgetRecipient(SubjectId subject) {
                return email.forgetRecipient(subject);
            }
        };
    }

    @Test
    void aWithdrawalCommittedBetweenTheDecisionAndTheProofLeavesTheRecipientOut() {
        consents.grant(ALICE, OFFERS, Capture.by(Method.WEB_FORM));
        consents.grant(BOB, OFFERS, Capture.by(Method.WEB_FORM));
        clock.advance(Duration.ofMinutes(1));
        EmailStore email = interposed(() -> consents.withdraw(ALICE, OFFERS, Capture.by(Method.UNSUBSCRIBE_LINK)),
                () -> { });
        CampaignFilter filter = CampaignFilter.builder().consents(consents).stores(store, email)
                .suppression(suppression).build();
        CampaignAudience sent = filter.filter(CampaignId.of("raced"), OFFERS, List.of(new Recipient(ALICE, ALICE_MAIL),
                new Recipient(BOB, EmailAddress.of("bob@shop.example"))));
        // without the guard alice would be included on the grant read before her withdrawal committed
        assertThat(sent.included()).extracting(Recipient::subject).containsExactly(BOB);
        assertThat(sent.refused().get(ALICE).reason()).isEqualTo(Reason.WITHDRAWN);
        assertThat(filter.recipient(CampaignId.of("raced"), ALICE)).isEmpty();
        assertThat(filter.recipient(CampaignId.of("raced"), BOB)).isPresent();
    }

    @Test
    void aWithdrawalCommittedAfterTheProofIsOrderedAfterIt() {
        consents.grant(ALICE, OFFERS, Capture.by(Method.WEB_FORM));
        clock.advance(Duration.ofMinutes(1));
        EmailStore email = interposed(() -> { }, () -> {
            clock.advance(Duration.ofSeconds(1));
            consents.withdraw(ALICE, OFFERS, Capture.by(Method.UNSUBSCRIBE_LINK));
        });
        CampaignFilter filter = CampaignFilter.builder().consents(consents).stores(store, email)
                .suppression(suppression).build();
        CampaignAudience sent = filter.filter(CampaignId.of("sent"), OFFERS, List.of(new Recipient(ALICE, ALICE_MAIL)));
        assertThat(sent.included()).extracting(Recipient::subject).containsExactly(ALICE);
        CampaignRecipient proof = filter.recipient(CampaignId.of("sent"), ALICE).orElseThrow();
        // "was it allowed when we sent it?": yes at the proof's instant, and the withdrawal came after it
        assertThat(consents.check(ALICE, OFFERS, proof.at()).allowed()).isTrue();
        assertThat(consents.check(ALICE, OFFERS).reason()).isEqualTo(Reason.WITHDRAWN);
        assertThat(consents.history(ALICE).get(1).recordedAt()).isAfter(proof.at());
    }
}
