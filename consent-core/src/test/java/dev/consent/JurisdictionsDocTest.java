package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.SubjectLocation;
import dev.consent.policy.JurisdictionId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.PurposeId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/jurisdictions.md stays true: its example policy reads and decides as the page says. */
class JurisdictionsDocTest {
    private static final PurposeId ADS = PurposeId.of("ads.targeted");

    private static Policy example() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "jurisdictions.md"));
        Matcher m = Pattern.compile("```json\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertThat(m.find()).isTrue();
        return PolicyJson.read(m.group(1));
    }

    @Test
    void theExamplePolicyDecidesAsThePageSays() throws Exception {
        MutableClock clock = MutableClock.at("2025-03-03T09:00:00Z");
        try (ConsentService consents = ConsentService.builder().policy(example()).store(new InMemoryStore())
                .clock(clock).build()) {
            SubjectId californian = located(consents, "ca", "US-CA");
            SubjectId virginian = located(consents, "va", "US-VA");
            SubjectId german = located(consents, "de", "DE");
            SubjectId unknown = SubjectId.of("unknown");
            clock.advance(Duration.ofMinutes(1));
            assertThat(consents.check(californian, ADS).reason()).isEqualTo(Reason.JURISDICTION_OPT_OUT);
            assertThat(consents.check(german, ADS).reason()).isEqualTo(Reason.NO_RECORD);
            Decision u = consents.check(unknown, ADS);
            assertThat(u.reason()).isEqualTo(Reason.NO_RECORD);
            assertThat(u.jurisdiction()).contains(JurisdictionId.UNKNOWN);
            for (SubjectId s : new SubjectId[] {californian, virginian, unknown}) {
                consents.applyGpc(s, GpcSignal.received());
            }
            clock.advance(Duration.ofMinutes(1));
            assertThat(consents.check(californian, ADS).reason()).isEqualTo(Reason.GPC_OPT_OUT);
            assertThat(consents.check(virginian, ADS).reason()).isEqualTo(Reason.JURISDICTION_OPT_OUT);
            assertThat(consents.check(unknown, ADS).reason()).isEqualTo(Reason.GPC_OPT_OUT);
            assertThat(consents.policy().jurisdictionRules().orElseThrow().find(JurisdictionId.of("EEA"))
                    .orElseThrow().regions()).hasSize(30);
        }
    }

    private static SubjectId located(ConsentService consents, String name, String region) {
        SubjectId s = SubjectId.of(name);
        consents.recordLocation(s, SubjectLocation.of(region, SubjectLocation.Source.DECLARED),
                Capture.by(Method.ACCOUNT_SETTINGS));
        return s;
    }
}
