package dev.consent.ledger;

import dev.consent.store.InMemoryStore;
import dev.consent.ConsentService;
import dev.consent.InvalidValueException;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class EvidenceTest {
    private static final String HASH_OF_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    /** Each free-text field: its name in messages, its length limit, and how to build evidence with a value in it. */
    static Stream<Arguments> textFields() {
        return Stream.of(
                Arguments.of("evidence.noticeId", 200, (Function<String, Evidence>) v -> Evidence.builder().noticeId(v).build()),
                Arguments.of("evidence.locale", 35, (Function<String, Evidence>) v -> Evidence.builder().locale(v).build()),
                Arguments.of("evidence.userAgent", 1000, (Function<String, Evidence>) v -> Evidence.builder().userAgent(v).build()),
                Arguments.of("evidence.ip", 100, (Function<String, Evidence>) v -> Evidence.builder().ip(v).build()),
                Arguments.of("evidence.reference", 1000, (Function<String, Evidence>) v -> Evidence.builder().reference(v).build()));
    }

    @Test
    void noticeTextIsHashedWithSha256OfItsUtf8Bytes() {
        // FIPS 180-2 test vectors
        assertThat(Evidence.hashOf("abc")).isEqualTo(HASH_OF_ABC);
        assertThat(Evidence.hashOf("")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        // computed with sha256sum over the UTF-8 bytes: umlauts, an en dash, line feeds, a supplementary character
        assertThat(Evidence.hashOf("Ich willige ein, dass mir der Shop Angebote per E-Mail schickt. Widerruf jederzeit"
                + " m\u00f6glich \u2013 z. B. \u00fcber den Link in jeder E-Mail."))
                .isEqualTo("fc4ffd2ca83da4ac687006210f9743d1f732e5ebc2d0b03fbfde87e8ceb0529e");
        assertThat(Evidence.hashOf("Newsletter: ja\nSMS: nein\n"))
                .isEqualTo("e94517d76ad42132152f2afebf61e4cfc18b6d892bd0beaf590b5ddae3f8b0e3");
        assertThat(Evidence.hashOf("\uD83D\uDE42")).isEqualTo("d06f1525f791397809f9bc98682b5c13318eca4c3123433467fd4dffda44fd14");
    }

    @Test
    void theBuilderStoresTheHashOfTheNoticeNotItsText() {
        Evidence e = Evidence.builder().notice("newsletter-v3", "abc").build();
        assertThat(e.noticeId()).isEqualTo("newsletter-v3");
        assertThat(e.noticeHash()).isEqualTo(HASH_OF_ABC);
        assertThat(e.toString()).doesNotContain("=abc");
        assertThat(Evidence.builder().notice("n", null).build().noticeHash()).isNull();
    }

    @Test
    void aValidHashIsAccepted() {
        assertThat(Evidence.builder().noticeHash(HASH_OF_ABC).build().noticeHash()).isEqualTo(HASH_OF_ABC);
    }

    @Test
    void invalidHashesAreRejected() {
        for (String bad : List.of(HASH_OF_ABC.toUpperCase(java.util.Locale.ROOT), HASH_OF_ABC.substring(1),
                HASH_OF_ABC + "0", HASH_OF_ABC.substring(1) + "g", "sha256:" + HASH_OF_ABC, "", " " + HASH_OF_ABC.substring(1),
                HASH_OF_ABC.substring(0, 63) + "\n", "abc")) {
            InvalidValueException e = catchThrowableOfType(InvalidValueException.class,
                    () -> Evidence.builder().noticeHash(bad).build());
            assertThat(e).as("hash %s", bad).isNotNull();
            assertThat(e.field()).isEqualTo("evidence.noticeHash");
            assertThat(e).hasMessageStartingWith("evidence.noticeHash:").hasMessageContaining("SHA-256");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("textFields")
    void controlCharactersAreRejectedNamingTheField(String field, int max, Function<String, Evidence> build) {
        for (String bad : List.of("a\u0000b", "line\nbreak", "cr\r", "\u001b[31mred", "del\u007f", "\u0001")) {
            InvalidValueException e = catchThrowableOfType(InvalidValueException.class, () -> build.apply(bad));
            assertThat(e).as("%s with %s", field, bad.codePoints().boxed().toList()).isNotNull();
            assertThat(e.field()).isEqualTo(field);
            assertThat(e).hasMessageStartingWith(field + ":").hasMessageContaining("control character");
        }
        // a tab is not a control character here (user agents contain them)
        assertThat(build.apply("a\tb")).isNotNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("textFields")
    void overLongValuesAreRejectedNamingTheField(String field, int max, Function<String, Evidence> build) {
        assertThat(build.apply("x".repeat(max))).isNotNull();
        InvalidValueException e = catchThrowableOfType(InvalidValueException.class, () -> build.apply("x".repeat(max + 1)));
        assertThat(e).isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(e).hasMessageStartingWith(field + ":").hasMessageContaining("at most " + max);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("textFields")
    void loneSurrogatesAreRejected(String field, int max, Function<String, Evidence> build) {
        InvalidValueException e = catchThrowableOfType(InvalidValueException.class, () -> build.apply("a\uD83Db"));
        assertThat(e).isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(build.apply("a\uD83D\uDE42b")).isNotNull(); // a whole pair is fine
    }

    @Test
    void everyFieldIsOptional() {
        assertThat(Evidence.NONE).isEqualTo(new Evidence(null, null, null, null, null, null));
        assertThat(Evidence.builder().build()).isEqualTo(Evidence.NONE);
    }

    @Test
    void withIpReplacesOnlyTheAddress() {
        Evidence e = new Evidence("n1", HASH_OF_ABC, "de-DE", "Mozilla/5.0", "192.0.2.1", "ref-7");
        assertThat(e.withIp("192.0.2.0/24"))
                .isEqualTo(new Evidence("n1", HASH_OF_ABC, "de-DE", "Mozilla/5.0", "192.0.2.0/24", "ref-7"));
    }

    @Test
    void theServiceStoresOnlyTheMinimisedAddress() {
        MutableClock clock = MutableClock.at("2025-06-02T08:00:00Z");
        SubjectId alice = SubjectId.of("alice");
        try (ConsentService service = ConsentService.builder().store(new InMemoryStore())
                .policy(ShopPolicy.v1()).clock(clock).build()) {
            ConsentEvent e = service.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX)
                    .withEvidence(Evidence.builder().ip("203.0.113.77").notice("nl", "abc").build()));
            assertThat(e.evidence().ip()).isEqualTo("203.0.113.0/24");
            assertThat(service.history(alice).get(0).evidence().ip()).isEqualTo("203.0.113.0/24");
            assertThat(e.evidence().noticeHash()).isEqualTo(HASH_OF_ABC);

            assertThatThrownBy(() -> service.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX)
                    .withEvidence(Evidence.builder().ip("example.com").build())))
                    .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("evidence.ip:");
            assertThat(service.history(alice)).hasSize(1);
        }
        try (ConsentService service = ConsentService.builder().store(new InMemoryStore())
                .policy(ShopPolicy.v1()).clock(clock)
                .ipMinimizer(IpMinimizer.drop()).build()) {
            ConsentEvent e = service.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX)
                    .withEvidence(Evidence.builder().ip("2001:db8::1").build()));
            assertThat(e.evidence().ip()).isNull();
        }
    }
}
