package dev.consent.rights;

import dev.consent.ConsentService;
import dev.consent.StoreException;
import dev.consent.email.CampaignFilter;
import dev.consent.email.CampaignId;
import dev.consent.email.ConsentImport;
import dev.consent.email.EmailAddress;
import dev.consent.email.EmailErasure;
import dev.consent.email.Recipient;
import dev.consent.email.SuppressedAddressException;
import dev.consent.email.Suppression;
import dev.consent.email.SuppressionKeys;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An erasure puts the subject's addresses on the suppression list, first, through the rights service's erasure path:
 * an import of the address afterwards is refused, the subject's campaign records are gone, and a failing address
 * lookup stops the erasure before anything is erased.
 */
class ErasureSuppressionTest {
    private static final PurposeId NEWSLETTER = PurposeId.of("marketing.email");
    private static final SubjectId CUSTOMER = SubjectId.of("cust-42");
    private static final EmailAddress ADDRESS = EmailAddress.of("Jane.Doe@Shop.Example");
    private final MutableClock clock = MutableClock.at("2025-06-04T08:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final ConsentService consents = ConsentService.builder().policy(RightsServiceTest.shop003()).store(store)
            .clock(clock).build();
    private final RetentionService retention = RetentionService.builder()
            .referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RightsServiceTest.shop003()).store(store)
            .clock(clock).build();
    private final Sweeper sweeper = Sweeper.builder(retention).handler("contact.email", r -> { })
            .handler("account.profile", r -> { }).handler("transaction.record", r -> { }).build();
    private final Suppression suppression = Suppression.builder().store(store).clock(clock)
            .keys(SuppressionKeys.of("s1", secret())).build();

    private static byte[] secret() {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) 7);
        return b;
    }

    @AfterEach
    void close() {
        consents.close();
    }

    private RightsService rights(EmailErasure email) {
        return RightsService.builder().consents(consents).retention(retention).sweeper(sweeper).store(store)
                .emailErasure(email).build();
    }

    private String verifiedErasure(RightsService rights) {
        RightsRequest r = rights.receive(CUSTOMER, RequestType.ERASURE, "email");
        return rights.verifyIdentity(r.id(), "support", "code sent to the account's address").id();
    }

    @Test
    void anErasedAddressCannotBeImportedAgainAndItsCampaignRecordsAreGone() {
        ConsentImport imports = new ConsentImport(consents, suppression);
        imports.grant(CUSTOMER, NEWSLETTER, ADDRESS, Capture.by(Method.IMPORT));
        retention.recordAnchor(CUSTOMER, "contact.email", Anchor.COLLECTED, Instant.parse("2025-01-01T00:00:00Z"));
        CampaignFilter filter = CampaignFilter.builder().consents(consents).store(store).suppression(suppression)
                .build();
        filter.filter(CampaignId.of("june"), NEWSLETTER, List.of(new Recipient(CUSTOMER, ADDRESS)));
        assertThat(filter.recipient(CampaignId.of("june"), CUSTOMER)).isPresent();

        RightsService rights = rights(new EmailErasure(suppression, s -> s.equals(CUSTOMER) ? List.of(ADDRESS)
                : List.of()));
        rights.erase(verifiedErasure(rights), "support");

        assertThat(suppression.isSuppressed(EmailAddress.of("jane.doe@shop.example"))).isTrue();
        assertThat(filter.recipient(CampaignId.of("june"), CUSTOMER)).isEmpty();
        SubjectId reimported = SubjectId.of("crm-7781");
        assertThatThrownBy(() -> imports.grant(reimported, NEWSLETTER, ADDRESS, Capture.by(Method.IMPORT)))
                .isInstanceOf(SuppressedAddressException.class);
        assertThat(consents.history(reimported)).isEmpty();
    }

    @Test
    void aFailingAddressLookupStopsTheErasureBeforeAnythingIsErased() {
        consents.grant(CUSTOMER, NEWSLETTER, Capture.by(Method.WEB_FORM));
        RightsService rights = rights(new EmailErasure(suppression, s -> {
            throw new IllegalStateException("customer table unreachable");
        }));
        String request = verifiedErasure(rights);
        assertThatThrownBy(() -> rights.erase(request, "support")).isInstanceOf(StoreException.class)
                .hasMessageContaining("address lookup");
        assertThat(consents.check(CUSTOMER, NEWSLETTER).allowed()).as("nothing withdrawn").isTrue();
        assertThat(rights.request(request).status()).isEqualTo(RequestStatus.IDENTITY_VERIFIED);
    }
}
