package dev.consent;

import dev.consent.internal.MessageValues;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.IpMinimizer;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.retention.Tombstone;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.CapturedLogs;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.ShopPolicy;
import dev.consent.testing.TestKeys;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Privacy by design: what the library logs, at any level, and the messages of the exceptions it throws name no
 * subject id, email or IP address.
 */
class PrivacyInLogsTest {
    private static final String EMAIL_ID = "jane.doe@example.com";
    private static final String IP = "203.0.113.77";

    @Test
    void noSubjectIdEmailOrIpIsLoggedAtAnyLevel() throws Exception {
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
        RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RetentionPolicy.policy()).store(store)
                .clock(clock).build();
        Sweeper sweeper = Sweeper.builder(retention).retryBackoff(Duration.ZERO, Duration.ZERO).handler("access.log", r -> {
                    throw new IllegalStateException("cannot delete logs of " + EMAIL_ID + " from " + IP);
                }).build();
        retention.recordAnchor(jane, "access.log", Anchor.COLLECTED, clock.instant());
        LegalHold hold = retention.placeHold(jane, Set.of(CategoryId.of("access.log")), "court order " + EMAIL_ID,
                "legal");
        retention.releaseHold(hold.id(), "legal", "lifted for " + EMAIL_ID);
        clock.advance(Duration.ofDays(100));
        sweeper.sweep(10, Duration.ofSeconds(5));

        // rights
        try (ConsentService consents = ConsentService.builder().policy(RetentionPolicy.policy()).store(store)
                .clock(clock).build()) {
            RightsService rights = RightsService.builder().consents(consents).sweeper(sweeper).store(store).build();
            RightsRequest r = rights.receive(jane, RequestType.ERASURE, "email from " + EMAIL_ID);
            rights.verifyIdentity(r.id(), "support", "code sent to " + EMAIL_ID);
            rights.erase(r.id(), "dpo");
        }

        List<CapturedLogs.Line> lines = CapturedLogs.lines();
        assertThat(lines).as("the scenario logs something, or this test proves nothing")
                .anyMatch(l -> l.level() == Level.WARN).anyMatch(l -> l.level() == Level.INFO);
        assertThat(lines).allSatisfy(l -> assertThat(l.message()).doesNotContain(EMAIL_ID, "jane", IP, "203.0.113"));
    }

    /**
     * Issue 12: exception messages quoted whole values, e.g. a client's IP address with a trailing space, a subject
     * id (often an email) with a control character, an event id. Each case below names the field and the rule, and
     * shows the value only as its length and a tag.
     */
    @Test
    void noExceptionMessageQuotesASubjectIdEmailOrIp() {
        MutableClock clock = MutableClock.at("2025-01-10T09:00:00Z");
        InMemoryStore store = new InMemoryStore();
        SubjectId jane = SubjectId.of(EMAIL_ID);
        Map<String, ThrowingCallable> cases = new LinkedHashMap<>();
        try (ConsentService consents = ConsentService.builder().policy(RetentionPolicy.policy()).store(store)
                .clock(clock).build();
             ConsentService hashing = ConsentService.builder().store(new InMemoryStore())
                     .policy(RetentionPolicy.policy()).clock(clock)
                     .ipMinimizer(IpMinimizer.keyedHash(new byte[16])).build()) {
            RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID,
                    TestKeys.REFERENCE).policy(RetentionPolicy.policy()).store(store).clock(clock).build();
            RightsService rights = RightsService.builder().consents(consents).retention(retention).store(store)
                    .build();
            PurposeId newsletter = PurposeId.of("marketing.email");
            consents.grant(jane, newsletter, Capture.by(Method.CHECKBOX).withEventId(EMAIL_ID));
            consents.link(VisitorId.of(EMAIL_ID), SubjectId.of("customer-1"));

            cases.put("subject with a line feed", () -> SubjectId.of(EMAIL_ID + "\n"));
            cases.put("subject too long", () -> SubjectId.of(EMAIL_ID + "x".repeat(200)));
            cases.put("visitor with a NUL", () -> VisitorId.of(EMAIL_ID + "\u0000"));
            cases.put("IP with a trailing space", () -> consents.grant(jane, newsletter,
                    Capture.by(Method.CHECKBOX).withEvidence(Evidence.builder().ip(IP + " ").build())));
            cases.put("IP with a prefix too long", () -> consents.grant(jane, newsletter,
                    Capture.by(Method.CHECKBOX).withEvidence(Evidence.builder().ip(IP + "/33").build())));
            cases.put("IP prefix to be hashed", () -> hashing.grant(jane, newsletter,
                    Capture.by(Method.CHECKBOX).withEvidence(Evidence.builder().ip("203.0.113.0/24").build())));
            cases.put("user agent with a BEL", () -> Evidence.builder().userAgent("Mozilla " + EMAIL_ID + "\u0007")
                    .build());
            cases.put("reference too long", () -> Evidence.builder().reference(EMAIL_ID.repeat(60)).build());
            cases.put("event id with a CR", () -> Capture.by(Method.API).withEventId(EMAIL_ID + "\r"));
            cases.put("event id re-used", () -> consents.deny(jane, newsletter,
                    Capture.by(Method.CHECKBOX).withEventId(EMAIL_ID)));
            cases.put("visitor as customer", () -> consents.link(VisitorId.of("7f3a"),
                    VisitorId.of(EMAIL_ID).subject()));
            cases.put("visitor linked elsewhere", () -> consents.link(VisitorId.of(EMAIL_ID), jane));
            cases.put("subject as purpose", () -> PurposeId.of(EMAIL_ID));
            cases.put("IP as category", () -> CategoryId.of(IP));
            cases.put("item of a bad subject", () -> ItemKey.of(EMAIL_ID + "\u0085", "access.log"));
            cases.put("request id", () -> rights.request(EMAIL_ID));
            cases.put("received via", () -> rights.receive(jane, RequestType.ERASURE, "mail from " + EMAIL_ID + "\n"));
            cases.put("hold reason", () -> retention.placeHold(jane, Set.of(), "court order\u0000" + EMAIL_ID,
                    "legal"));
            cases.put("hold id", () -> retention.releaseHold(EMAIL_ID, "legal", "done"));
            cases.put("tombstone", () -> new Tombstone(EMAIL_ID + "\n", clock.instant()));
            cases.put("an object that names a subject", () -> {
                throw new InvalidValueException("anything", jane, "is refused");
            });
            cases.put("a driver's integrity error", () -> {
                throw new StoreException("append", new SQLException("duplicate key value violates unique constraint"
                        + " \"consent_events_pk\"\n  Detail: Key (subject, seq)=(" + EMAIL_ID + ", 1) already exists.",
                        "23505"));
            });
            cases.put("a driver's data error", () -> {
                throw new StoreException("append", new SQLException("invalid input syntax: \"" + IP + "\"", "22P02"));
            });
            cases.put("a stored row that is not a value", () -> {
                throw new StoreException("read", "a stored row is not a valid value",
                        new IllegalArgumentException("No enum constant for " + EMAIL_ID));
            });

            cases.forEach((what, call) -> {
                Throwable e = catchThrowable(call);
                assertThat(e).as(what).isInstanceOf(ConsentException.class);
                assertThat(e.getMessage()).as(what).doesNotContain(EMAIL_ID, "jane", "example.com", IP, "203.0.113");
            });
            assertThat(catchThrowable(cases.get("IP with a trailing space")))
                    .hasMessageStartingWith("evidence.ip: <redacted: 13 chars, #")
                    .hasMessageEndingWith("must be an IPv4 or IPv6 address literal without leading or trailing whitespace");
            assertThat(catchThrowable(cases.get("subject too long")))
                    .hasMessageMatching("subject: <redacted: 220 chars, #[0-9a-f]{8}> must be at most 200 characters");
            assertThat(catchThrowable(cases.get("a driver's integrity error")))
                    .hasMessage("store failed during append: SQLState 23505 (SQLException, vendor code 0)");
            // the tag lets two messages about one value be matched, within this process only
            assertThat(catchThrowable(cases.get("subject with a line feed")).getMessage())
                    .contains(MessageValues.tag(EMAIL_ID + "\n"));
        }
    }
}
