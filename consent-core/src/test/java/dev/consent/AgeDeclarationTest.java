package dev.consent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.ledger.AgeDeclaration;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalRequest;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetentionService;
import dev.consent.retention.RetentionVerdict;
import dev.consent.retention.Sweeper;
import dev.consent.rights.SubjectExport;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.ShopPolicy;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;

import static dev.consent.testing.ShopPolicy.LOYALTY;
import static dev.consent.testing.ShopPolicy.MARKETING_EMAIL;
import static dev.consent.testing.ShopPolicy.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A subject's age recorded once, on its own, with its evidence ({@link ConsentService#declareAge}), read by the
 * service-wide minimum age (seed 004) and the per-purpose one (GDPR Art. 8), and the retention trigger that makes a
 * known minor's data due at once (seed 004, section 8; GDPR Art. 17(1)).
 */
class AgeDeclarationTest {
    /** 10:00 in Berlin, the policies' zone. */
    private static final Instant START = Instant.parse("2025-06-02T08:00:00Z");
    private final MutableClock clock = new MutableClock(START);
    private final InMemoryStore store = new InMemoryStore(clock);
    private final SubjectId kid = SubjectId.of("kid");
    private final List<ConsentService> opened = new ArrayList<>();

    private ConsentService consents(dev.consent.policy.Policy policy) {
        ConsentService c = ConsentService.builder().policy(policy).store(store).clock(clock).build();
        opened.add(c);
        return c;
    }

    @AfterEach
    void close() {
        opened.forEach(ConsentService::close);
    }

    private static Capture form() {
        return Capture.by(Method.WEB_FORM).withEvidence(Evidence.builder().reference("id check 77").build());
    }

    @Test
    void aBirthDateCrossesTheServiceMinimumAtMidnightInThePolicysZone() {
        ConsentService consents = consents(ShopPolicy.v1WithServiceMinimumAge(18));
        // 18 on 2025-06-05 in Berlin, i.e. from 2025-06-04T22:00:00Z
        ConsentEvent declared = consents.declareAge(kid, AgeDeclaration.bornOn(LocalDate.of(2007, 6, 5)), form());
        assertThat(declared.choice()).isEqualTo(Choice.AGE_DECLARED);
        assertThat(declared.declaredAge()).hasValue(17);
        assertThat(declared.purpose().value()).isEqualTo("subject-age.born-2007-06-05");
        assertThat(AgeDeclaration.of(declared)).isEqualTo(AgeDeclaration.bornOn(LocalDate.of(2007, 6, 5)));

        Decision minor = consents.check(kid, ORDERS);
        assertThat(minor.reason()).isEqualTo(Reason.UNDER_AGE);
        assertThat(minor.decidingEvent()).contains(declared.ref());
        Instant birthday = Instant.parse("2025-06-04T22:00:00Z");
        assertThat(consents.check(kid, ORDERS, birthday.minusNanos(1000)).reason()).isEqualTo(Reason.UNDER_AGE);
        assertThat(consents.check(kid, ORDERS, birthday).reason()).isEqualTo(Reason.BASIS_CONTRACT);
        clock.set(birthday.plusSeconds(1));
        assertThat(consents.check(kid, ORDERS).reason()).isEqualTo(Reason.BASIS_CONTRACT);
        assertThat(consents.age(kid, birthday)).hasValue(18);
        assertThat(consents.age(kid, START.minusSeconds(1))).as("nothing declared yet").isEqualTo(OptionalInt.empty());
    }

    @Test
    void anAdultsLaterDeclarationLiftsTheRefusalAndAPointInTimeCheckAnswersAsItStood() {
        ConsentService consents = consents(ShopPolicy.v1WithServiceMinimumAge(18));
        consents.declareAge(kid, AgeDeclaration.years(16), form());
        assertThat(consents.check(kid, ORDERS).reason()).isEqualTo(Reason.UNDER_AGE);
        Instant before = clock.instant();
        clock.advance(Duration.ofDays(1));
        consents.declareAge(kid, AgeDeclaration.years(19), form());
        assertThat(consents.check(kid, ORDERS).reason()).isEqualTo(Reason.BASIS_CONTRACT);
        assertThat(consents.check(kid, ORDERS, before).reason()).isEqualTo(Reason.UNDER_AGE);
        // a capture's declared age is a declaration too: the latest of either kind wins
        clock.advance(Duration.ofDays(1));
        consents.grant(kid, MARKETING_EMAIL, Capture.by(Method.CHECKBOX).withDeclaredAge(17));
        assertThat(consents.check(kid, ORDERS).reason()).isEqualTo(Reason.UNDER_AGE);
    }

    @Test
    void thePerPurposeMinimumReadsTheDeclarationAndTheAgeWhenConsentWasGiven() {
        ConsentService consents = consents(ShopPolicy.v1()); // loyalty: minimum age 16, no service-wide minimum
        consents.declareAge(kid, AgeDeclaration.years(30), form());
        consents.grant(kid, LOYALTY, Capture.by(Method.CHECKBOX)); // no age on the grant: the declaration counts
        assertThat(consents.check(kid, LOYALTY).reason()).isEqualTo(Reason.GRANTED);

        SubjectId teen = SubjectId.of("teen"); // 16 on 2025-06-10 in Berlin
        consents.declareAge(teen, AgeDeclaration.bornOn(LocalDate.of(2009, 6, 10)), form());
        consents.grant(teen, LOYALTY, Capture.by(Method.CHECKBOX));
        assertThat(consents.check(teen, LOYALTY).reason()).isEqualTo(Reason.UNDER_AGE);
        clock.set(Instant.parse("2025-07-01T08:00:00Z"));
        // GDPR Art. 8(1): consent given at 15 does not start counting on the 16th birthday
        assertThat(consents.check(teen, LOYALTY).reason()).isEqualTo(Reason.UNDER_AGE);
        consents.grant(teen, LOYALTY, Capture.by(Method.CHECKBOX));
        assertThat(consents.check(teen, LOYALTY).reason()).isEqualTo(Reason.GRANTED);
    }

    @Test
    void implausibleDeclarationsAreRefusedNamingTheField() {
        ConsentService consents = consents(ShopPolicy.v1());
        assertThatThrownBy(() -> consents.declareAge(kid, AgeDeclaration.bornOn(LocalDate.of(2025, 6, 3)), form()))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("birthDate")
                .hasMessageContaining("future");
        assertThatThrownBy(() -> consents.declareAge(kid, AgeDeclaration.bornOn(LocalDate.of(1850, 1, 1)), form()))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("birthDate")
                .hasMessageContaining("older than 150");
        assertThatThrownBy(() -> AgeDeclaration.years(151)).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("years");
        assertThatThrownBy(() -> consents.declareAge(kid, AgeDeclaration.years(20), form().withDeclaredAge(20)))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("capture.declaredAge");
        assertThatThrownBy(() -> consents.record(List.of(new ChoiceRecord(kid, AgeDeclaration.PURPOSE,
                Choice.AGE_DECLARED, form())))).isInstanceOf(InvalidValueException.class).hasMessageContaining("declareAge");
        assertThatThrownBy(() -> consents.grant(kid, PurposeId.of("subject-age"), form()))
                .isInstanceOf(ConsentException.class);
        assertThat(consents.history(kid)).isEmpty();
    }

    @Test
    void aDeclarationIsInTheHistoryTheChainTheExportAndTheRedeliveryIsHarmless() throws Exception {
        ConsentService consents = consents(ShopPolicy.v1());
        Capture capture = form().withEventId("age-1");
        ConsentEvent first = consents.declareAge(kid, AgeDeclaration.bornOn(LocalDate.of(1990, 2, 28)), capture);
        assertThat(consents.declareAge(kid, AgeDeclaration.bornOn(LocalDate.of(1990, 2, 28)), capture)).isEqualTo(first);
        assertThatThrownBy(() -> consents.declareAge(kid, AgeDeclaration.years(40), capture))
                .isInstanceOf(ConflictException.class);
        assertThat(consents.history(kid)).containsExactly(first);
        assertThat(first.evidence().reference()).isEqualTo("id check 77");
        assertThat(consents.verify(kid).intact()).isTrue();

        SubjectExport export = SubjectExport.builder().consents(consents).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        export.write(kid, out);
        JsonNode event = new ObjectMapper().readTree(out.toByteArray()).get("consentHistory").get(0);
        assertThat(event.get("choice").asText()).isEqualTo("AGE_DECLARED");
        assertThat(event.get("birthDate").asText()).isEqualTo("1990-02-28");
        assertThat(event.get("declaredAge").asInt()).isEqualTo(35);
    }

    @Test
    void aMinorFoundHasTheirDataDueAtOnceButInvoicesAreKept() {
        ConsentService consents = consents(RetentionPolicy.withServiceMinimumAge(18));
        RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .consents(consents).store(store).clock(clock).build();
        List<DisposalRequest> disposed = Collections.synchronizedList(new ArrayList<>());
        Sweeper sweeper = Sweeper.builder(retention).handler("contact.email", disposed::add)
                .handler("order.record", disposed::add).handler("account.profile", disposed::add).build();
        retention.recordAnchor(kid, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        retention.recordAnchor(kid, "order.record", Anchor.LAST_TRANSACTION, clock.instant());
        retention.recordAnchor(kid, "account.profile", Anchor.COLLECTED, clock.instant()); // account never closed
        SubjectId adult = SubjectId.of("adult");
        retention.recordAnchor(adult, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        consents.declareAge(adult, AgeDeclaration.years(40), form());
        assertThat(retention.plan(clock.instant()).due()).isZero();

        clock.advance(Duration.ofMinutes(1));
        consents.declareAge(kid, AgeDeclaration.bornOn(LocalDate.of(2010, 1, 1)), form());
        RetentionVerdict email = retention.verdict(ItemKey.of("kid", "contact.email"));
        assertThat(email.status()).isEqualTo(RetentionVerdict.Status.DUE);
        assertThat(email.decidingRule()).contains(RetentionVerdict.MINOR_FOUND);
        assertThat(retention.verdict(ItemKey.of("kid", "account.profile")).status())
                .isEqualTo(RetentionVerdict.Status.DUE);
        // GDPR Art. 17(3)(b): the invoices stay for as long as tax law requires
        RetentionVerdict invoices = retention.verdict(ItemKey.of("kid", "order.record"));
        assertThat(invoices.status()).isEqualTo(RetentionVerdict.Status.KEEP);
        assertThat(invoices.decidingRule()).contains("orders-tax-7y");

        sweeper.sweep(100, Duration.ofSeconds(10));
        assertThat(disposed).extracting(r -> r.item().category().value())
                .containsExactlyInAnyOrder("contact.email", "account.profile");
        assertThat(disposed).allMatch(r -> r.item().subject().equals(kid));

        // data first recorded after the finding is due at once as well
        clock.advance(Duration.ofMinutes(1));
        assertThat(retention.recordAnchor(kid, "support.ticket", Anchor.COLLECTED, clock.instant()).status())
                .isEqualTo(RetentionVerdict.Status.DUE);
    }

    @Test
    void aDeclarationOfAnAdultOrUnderAPolicyWithoutAServiceMinimumFindsNoMinor() {
        ConsentService consents = consents(RetentionPolicy.policy());
        List<MinorFound> found = new ArrayList<>();
        consents.onMinorFound(found::add);
        consents.declareAge(kid, AgeDeclaration.years(12), form());
        assertThat(found).isEmpty();

        ConsentService strict = consents(RetentionPolicy.withServiceMinimumAge(18));
        strict.onMinorFound(found::add);
        strict.declareAge(SubjectId.of("grown-up"), AgeDeclaration.years(18), form());
        assertThat(found).isEmpty();
        ConsentEvent e = strict.grant(SubjectId.of("child"), PurposeId.of("marketing.email"),
                Capture.by(Method.CHECKBOX).withDeclaredAge(17));
        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.subject()).isEqualTo(SubjectId.of("child"));
            assertThat(f.age()).isEqualTo(17);
            assertThat(f.minimumAge()).isEqualTo(18);
            assertThat(f.declaration()).isEqualTo(e.ref());
        });
    }
}
