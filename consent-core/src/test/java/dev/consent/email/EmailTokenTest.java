package dev.consent.email;

import dev.consent.ledger.Capture;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import static dev.consent.email.EmailTestSetup.KEYS;
import static dev.consent.email.EmailTestSetup.NEWSLETTER;
import static dev.consent.email.EmailTestSetup.OFFERS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tokens in confirmation and unsubscribe URLs carry no readable personal data (issue 19: "no personal data in
 * URLs"): neither the subject id, the purpose, the consent version's grant id, the address nor its keyed hash appears
 * in a token in any encoding tried here, while every token still opens and an altered one never does.
 */
class EmailTokenTest {
    private static final SubjectId CUSTOMER = SubjectId.of("customer-4711-alice");
    private static final EmailAddress ADDRESS = EmailAddress.of("alice.liddell@shop.example");
    private static final URI BASE = URI.create("https://shop.example/email/unsubscribe");

    private final EmailTestSetup shop = new EmailTestSetup();
    private final Suppression suppression = Suppression.builder().store(shop.store)
            .keys(SuppressionKeys.of("s1", EmailTestSetup.secret('s'))).clock(shop.clock).build();

    /**
     * Every stretch of text that encodes {@code needle} in a token: the plain text (any case), its hex (both cases),
     * its URL encoding, and its standard and URL-safe base64 at each of the three byte alignments it can have inside
     * a longer encoded payload (only the characters that depend on the needle's bytes alone).
     */
    static List<String> encodings(String needle) {
        byte[] bytes = needle.getBytes(StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>(List.of(needle, HexFormat.of().formatHex(bytes),
                HexFormat.of().withUpperCase().formatHex(bytes), URLEncoder.encode(needle, StandardCharsets.UTF_8)));
        for (Base64.Encoder encoder : List.of(Base64.getEncoder(), Base64.getUrlEncoder())) {
            for (int pad = 0; pad < 3; pad++) {
                byte[] shifted = new byte[pad + bytes.length];
                System.arraycopy(bytes, 0, shifted, pad, bytes.length);
                String text = encoder.withoutPadding().encodeToString(shifted);
                int first = (8 * pad + 5) / 6; // the first 6-bit group that starts within the needle
                int end = 8 * (pad + bytes.length) / 6; // groups that end within it
                out.add(text.substring(first, end));
            }
        }
        return out;
    }

    static void assertOpaque(String token, String... secrets) {
        String lower = token.toLowerCase(Locale.ROOT);
        for (String s : secrets) {
            for (String e : encodings(s)) {
                assertThat(e.length()).as("a stretch long enough to mean something").isGreaterThan(4);
                boolean caseFree = e.equals(s) || e.chars().allMatch(c -> Character.digit(c, 16) >= 0);
                assertThat(caseFree ? lower.contains(e.toLowerCase(Locale.ROOT)) : token.contains(e))
                        .as("token %s shows %s as %s", token, s, e).isFalse();
            }
        }
    }

    @Test
    void theEncodingsFindThePayloadOfASignedButReadableToken() {
        // the test's own check: the format before tokens were sealed (base64url of the fields, then an HMAC) fails it
        String fields = String.join("\n", CUSTOMER.value(), NEWSLETTER.value());
        for (String prefix : List.of("", "x", "xy")) {
            String readable = "u1.k1." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((prefix + fields).getBytes(StandardCharsets.UTF_8)) + ".mac";
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertOpaque(readable, CUSTOMER.value()))
                    .isInstanceOf(AssertionError.class).hasMessageContaining(CUSTOMER.value());
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertOpaque("c2.k1."
                + HexFormat.of().formatHex(ADDRESS.value().getBytes(StandardCharsets.UTF_8)), ADDRESS.value()))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void aConfirmationTokenShowsNoSubjectPurposeGrantAddressOrHash() {
        DoubleOptIn optIn = new DoubleOptIn(shop.consents, KEYS, suppression);
        OptInRequest r = optIn.request(CUSTOMER, NEWSLETTER, Capture.by(Method.WEB_FORM), ADDRESS);
        assertThat(r.token()).matches("c2\\.k1\\.[A-Za-z0-9_-]+");
        List<String> secrets = new ArrayList<>(List.of(CUSTOMER.value(), NEWSLETTER.value(), r.grant().id().value(),
                ADDRESS.value(), r.expiresAt().toString()));
        secrets.addAll(suppression.hashes(ADDRESS));
        assertOpaque(r.token(), secrets.toArray(String[]::new));
        assertThat(optIn.confirm(r.token(), Evidence.NONE).status()).isEqualTo(Confirmation.Status.CONFIRMED);
    }

    @Test
    void anUnsubscribeUrlShowsNoSubjectOrPurposeAndIsShorterThanASignedOne() {
        OneClickUnsubscribe unsubscribe = new OneClickUnsubscribe(shop.consents, KEYS, BASE, s -> false);
        shop.consents.grant(CUSTOMER, OFFERS, Capture.by(Method.CHECKBOX));
        UnsubscribeLink link = unsubscribe.link(CUSTOMER, OFFERS);
        String token = link.url().getRawQuery().substring("token=".length());
        assertOpaque(link.url().toString(), CUSTOMER.value(), "offers\n", "\noffers");
        assertOpaque(link.listUnsubscribe(), CUSTOMER.value());
        // header, then the nonce (12 bytes), the fields (subject, line feed, purpose) and the tag (16 bytes)
        int sealed = 12 + (CUSTOMER.value() + "\n" + OFFERS.value()).length() + 16;
        assertThat(token).hasSize("u2.k1.".length() + (sealed * 4 + 2) / 3);
        // a base64url payload and a 32-byte HMAC were longer
        assertThat(token.length()).isLessThan("u1.k1.".length() + (sealed - 28) * 4 / 3 + 1 + 43);
        assertThat(unsubscribe.handle(token, Evidence.NONE).status()).isEqualTo(Unsubscription.Status.UNSUBSCRIBED);
    }

    @Test
    void tokensForNeighbouringSubjectsShareNothingButTheHeaderAndTheSameFieldsGiveTheSameToken() {
        String a = EmailToken.issue(KEYS, 'u', List.of("customer-4711", "offers"));
        String b = EmailToken.issue(KEYS, 'u', List.of("customer-4712", "offers"));
        assertThat(EmailToken.issue(KEYS, 'u', List.of("customer-4711", "offers"))).isEqualTo(a);
        int common = 0;
        while (a.charAt(common) == b.charAt(common)) {
            common++;
        }
        assertThat(common).as("a derived nonce differs at once").isLessThan("u2.k1.".length() + 2);
        assertThat(EmailToken.read(KEYS, a, 'u', 2, shop.clock.instant()).fields())
                .contains(List.of("customer-4711", "offers"));
    }

    @Test
    void aTokenOpensOnlyUnderItsKeyIdKindAndWithinTheGrace() {
        String token = EmailToken.issue(KEYS, 'c', List.of("a", "b"));
        assertThat(EmailToken.read(KEYS, token, 'c', 2, shop.clock.instant()).fields()).isPresent();
        assertThat(EmailToken.read(KEYS, token, 'u', 2, shop.clock.instant()).refusal()).contains("not a");
        EmailKeys sameSecretOtherId = EmailKeys.of("k2", EmailTestSetup.secret('a'));
        assertThat(EmailToken.read(sameSecretOtherId, token.replace(".k1.", ".k2."), 'c', 2, shop.clock.instant())
                .refusal()).contains("altered or forged");
        EmailKeys rotated = EmailKeys.of("k2", EmailTestSetup.secret('b'))
                .withRetired("k1", EmailTestSetup.secret('a'), shop.clock.instant()).withGrace(Duration.ofDays(1));
        assertThat(EmailToken.read(rotated, token, 'c', 2, shop.clock.instant().plus(Duration.ofHours(23))).fields())
                .isPresent();
        assertThat(EmailToken.read(rotated, token, 'c', 2, shop.clock.instant().plus(Duration.ofDays(1))).refusal())
                .contains("retired");
        String tail = token.substring(0, token.length() - 1);
        assertThat(EmailToken.read(KEYS, tail, 'c', 2, shop.clock.instant()).fields()).isEmpty();
    }
}
