package dev.consent.email;

import dev.consent.ConsentService;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;

/** A shop with a double opt-in newsletter, an ordinary offers purpose and a contract purpose, on an in-memory store. */
final class EmailTestSetup {
    static final PurposeId NEWSLETTER = PurposeId.of("newsletter");
    static final PurposeId OFFERS = PurposeId.of("offers");
    static final PurposeId ORDERS = PurposeId.of("orders");
    static final SubjectId ALICE = SubjectId.of("alice");
    static final SubjectId BOB = SubjectId.of("bob");
    static final Duration WINDOW = Duration.ofDays(3);

    final MutableClock clock = MutableClock.at("2025-06-02T08:00:00Z");
    final InMemoryStore store = new InMemoryStore();
    final ConsentService consents;

    EmailTestSetup() {
        this(policy(1));
    }

    EmailTestSetup(Policy policy) {
        consents = ConsentService.builder().policy(policy).store(store).clock(clock).build();
    }

    static Policy policy(int newsletterVersion) {
        return Policy.builder("shop", "1").effectiveFrom(LocalDate.of(2024, 1, 1)).zone(ZoneId.of("Europe/Berlin"))
                .controller("Example Shop GmbH", "privacy@shop.example")
                .category("contact.email", "Email address")
                .category("order.record", "Orders")
                .purpose(Purpose.builder("newsletter").title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories("contact.email").consentVersion(newsletterVersion).confirmationWindow(WINDOW)
                        .build())
                .purpose(Purpose.builder("offers").title("Offers").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .purpose(Purpose.builder("orders").title("Orders").basis(LegalBasis.CONTRACT)
                        .categories("order.record").build())
                .build();
    }

    static byte[] secret(char c) {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) c);
        return b;
    }

    static final EmailKeys KEYS = EmailKeys.of("k1", secret('a'));

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
