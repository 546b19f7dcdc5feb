package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.retention.Anchor;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetentionService;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.CapturedLogs;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Privacy by design: what the library logs at INFO and above names no subject, email or IP address. */
class PrivacyInLogsTest {
    private static final String EMAIL_ID = "jane.doe@example.com";
    private static final String IP = "203.0.113.77";

    @Test
    void noSubjectIdEmailOrIpIsLoggedAtInfoOrAbove() throws Exception {
        CapturedLogs.clear();
        MutableClock clock = MutableClock.at("2025-01-10T09:00:00Z");
        InMemoryStore store = new InMemoryStore();
        SubjectId jane = SubjectId.of(EMAIL_ID);

        // consent: records, checks, a failing change feed
        ConsentServiceTest.FlakyStore flaky = new ConsentServiceTest.FlakyStore();
        try (ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(flaky).clock(clock)
                .changeFeedPollInterval(Duration.ofMillis(5)).build()) {
            consents.grant(jane, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX)
                    .withEvidence(Evidence.builder().ip(IP).userAgent("UA " + EMAIL_ID).build()));
            consents.check(jane, ShopPolicy.MARKETING_EMAIL);
            flaky.down = true;
            Thread.sleep(50); // the poller fails and logs
            flaky.down = false;
        }

        // retention: holds, sweeps, a handler that fails with personal data in its message
        RetentionService retention = RetentionService.builder().policy(RetentionPolicy.policy()).store(store)
                .clock(clock).retryBackoff(Duration.ZERO, Duration.ZERO).handler("access.log", r -> {
                    throw new IllegalStateException("cannot delete logs of " + EMAIL_ID + " from " + IP);
                }).build();
        retention.recordAnchor(jane, "access.log", Anchor.COLLECTED, clock.instant());
        LegalHold hold = retention.placeHold(jane, Set.of(CategoryId.of("access.log")), "court order " + EMAIL_ID,
                "legal");
        retention.releaseHold(hold.id(), "legal", "lifted for " + EMAIL_ID);
        clock.advance(Duration.ofDays(100));
        retention.sweep(10, Duration.ofSeconds(5));

        // rights
        try (ConsentService consents = ConsentService.builder().policy(RetentionPolicy.policy()).store(store)
                .clock(clock).build()) {
            RightsService rights = RightsService.builder().consents(consents).retention(retention).store(store).build();
            RightsRequest r = rights.receive(jane, RequestType.ERASURE, "email from " + EMAIL_ID);
            rights.verifyIdentity(r.id(), "support", "code sent to " + EMAIL_ID);
            rights.erase(r.id(), "dpo");
        }

        List<CapturedLogs.Line> lines = CapturedLogs.lines();
        assertThat(lines).as("the scenario logs something, or this test proves nothing")
                .anyMatch(l -> l.level() == Level.WARN).anyMatch(l -> l.level() == Level.INFO);
        assertThat(lines).filteredOn(l -> l.level().toInt() >= Level.INFO.toInt())
                .allSatisfy(l -> assertThat(l.message()).doesNotContain(EMAIL_ID, "jane", IP, "203.0.113"));
    }
}
