package dev.consent;

import dev.consent.store.InMemoryStore;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyLimits;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A service refuses policy versions that together declare more purposes than its cached ledger may give them
 * ({@link PolicyLimits#MAX_SERVICE_PURPOSES}, half of the 65,536 a ledger indexes; the other half is for purposes
 * found only in stored events). Before, any number was accepted, and past 65,536 a mark's purpose index spilled
 * into its choice bits.
 */
class ServicePurposeLimitTest {

    /** Version {@code v}, effective on 1 January of 2000 + v, declaring 4,096 purposes of its own. */
    private static Policy version(int v) {
        Policy.Builder b = Policy.builder("shop", "v" + v).effectiveFrom(LocalDate.of(2000 + v, 1, 1))
                .zone(ZoneOffset.UTC).category("c0", "C");
        for (int i = 0; i < PolicyLimits.MAX_PURPOSES; i++) {
            b.purpose(Purpose.builder("v" + v + ".p" + i).title("P").basis(LegalBasis.CONSENT).categories("c0").build());
        }
        return b.build();
    }

    @Test
    void moreDistinctPurposesThanTheServiceMayHoldAreRefusedWhenItIsBuilt() {
        List<Policy> versions = new ArrayList<>();
        for (int v = 0; v < 9; v++) {
            versions.add(version(v)); // 9 x 4,096 = 36,864 distinct purposes
        }
        ConsentService.Builder builder = ConsentService.builder().store(new InMemoryStore());
        versions.forEach(builder::policy);

        InvalidValueException e = catchThrowableOfType(builder::build, InvalidValueException.class);

        assertThat(e).isNotNull();
        assertThat(e.field()).isEqualTo("policy");
        assertThat(e.value()).isEqualTo("36864 distinct purposes in 9 versions");
        assertThat(e.rule()).isEqualTo("exceed the 32768 purposes one service may hold "
                + "(PolicyLimits.MAX_SERVICE_PURPOSES)");
    }

    @Test
    void exactlyTheLimitIsServedAndEachPurposeKeepsItsOwnChoice() {
        ConsentService.Builder builder = ConsentService.builder().store(new InMemoryStore())
                .clock(Clock.fixed(Instant.parse("2020-06-01T00:00:00Z"), ZoneOffset.UTC));
        for (int v = 0; v < 8; v++) {
            builder.policy(version(v)); // 8 x 4,096 = 32,768
        }
        try (ConsentService consents = builder.build()) {
            SubjectId s = SubjectId.of("s");
            PurposeId last = PurposeId.of("v7.p4095");
            consents.grant(s, last, Capture.by(Method.API));
            consents.deny(s, PurposeId.of("v7.p4094"), Capture.by(Method.API));

            assertThat(consents.check(s, last).reason()).isEqualTo(Reason.GRANTED);
            assertThat(consents.check(s, PurposeId.of("v7.p4094")).reason()).isEqualTo(Reason.DENIED);
            assertThat(consents.check(s, PurposeId.of("v7.p0")).reason()).isEqualTo(Reason.NO_RECORD);
        }
    }
}
