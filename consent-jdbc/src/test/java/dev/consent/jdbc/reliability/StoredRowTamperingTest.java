package dev.consent.jdbc.reliability;

import dev.consent.ConsentService;
import dev.consent.jdbc.Databases;
import dev.consent.jdbc.Database;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.testing.ShopPolicy;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stored rows changed behind the library's back with plain SQL, on every database: a changed choice, timestamp,
 * purpose or evidence field, a deleted middle or last event, two events' sequences swapped, a forged chain head,
 * an event rewritten with a correctly recomputed hash. {@link ConsentService#verify} names the first broken link,
 * at the right sequence, and the untouched chain next to it stays intact.
 */
class StoredRowTamperingTest {

    /** One tampering: its name, the sequence verify must report, and the SQL ({@code %s} is the table prefix). */
    private record Tamper(String name, long breaksAt, List<String> sql) {
    }

    private static final List<Tamper> CASES = List.of(
            new Tamper("choice of #3 changed", 3, List.of(
                    "UPDATE %sevents SET choice = 'DENIED' WHERE subject = ? AND seq = 3")),
            new Tamper("occurred-at of #2 changed", 2, List.of(
                    "UPDATE %sevents SET occurred_at = '2020-01-01 00:00:00' WHERE subject = ? AND seq = 2")),
            new Tamper("purpose of #4 changed", 4, List.of(
                    "UPDATE %sevents SET purpose = 'ads.targeted' WHERE subject = ? AND seq = 4")),
            new Tamper("evidence user agent of #1 changed", 1, List.of(
                    "UPDATE %sevents SET evidence_user_agent = 'curl/8.0' WHERE subject = ? AND seq = 1")),
            new Tamper("evidence reference of #5 removed", 5, List.of(
                    "UPDATE %sevents SET evidence_reference = NULL WHERE subject = ? AND seq = 5")),
            new Tamper("evidence locale of #3 changed", 3, List.of(
                    "UPDATE %sevents SET evidence_locale = 'en-US' WHERE subject = ? AND seq = 3")),
            new Tamper("middle event #3 deleted", 3, List.of(
                    "DELETE FROM %sevents WHERE subject = ? AND seq = 3")),
            new Tamper("last event #5 deleted", 5, List.of(
                    "DELETE FROM %sevents WHERE subject = ? AND seq = 5")),
            new Tamper("sequences of #2 and #3 swapped", 2, List.of(
                    "UPDATE %sevents SET seq = 1000002 WHERE subject = ? AND seq = 2",
                    "UPDATE %sevents SET seq = 2 WHERE subject = ? AND seq = 3",
                    "UPDATE %sevents SET seq = 3 WHERE subject = ? AND seq = 1000002")),
            new Tamper("chain head forged", 5, List.of(
                    "UPDATE %sheads SET head_hash = '" + "ab".repeat(32) + "' WHERE subject = ?")),
            new Tamper("last event deleted and head moved back to #4 with #4's hash", -1, List.of()));

    @ParameterizedTest
    @EnumSource(Database.class)
    void verifyNamesTheFirstBrokenLinkForEveryTampering(Database dialect) throws SQLException {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(ds).tablePrefix(prefix).build();
        try (ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store).build()) {
            SoftAssertions soft = new SoftAssertions();
            SubjectId witness = SubjectId.of("untouched");
            recordFive(consents, witness);
            int i = 0;
            for (Tamper t : CASES) {
                SubjectId s = SubjectId.of("tampered-" + i++);
                List<ConsentEvent> five = recordFive(consents, s);
                long breaksAt = t.breaksAt();
                if (t.sql().isEmpty()) {
                    // A known limit, pinned here so that it is not forgotten: a forger who deletes #5 and moves the head
                    // back to #4 leaves a consistent shorter chain. Nothing in the store can tell; only a head kept
                    // outside it (a receipt given to the subject, an external anchor) would.
                    execute(ds, prefix, s, "DELETE FROM %sevents WHERE subject = ? AND seq = 5");
                    update(ds, "UPDATE " + prefix + "heads SET seq = 4, head_hash = ? WHERE subject = ?",
                            five.get(3).hash(), s.value());
                    ChainVerification v = consents.verify(s);
                    soft.assertThat(v.intact()).as("%s on %s: %s", t.name(), dialect, v).isTrue();
                    soft.assertThat(v.eventsChecked()).as("%s on %s", t.name(), dialect).isEqualTo(4);
                    continue;
                }
                for (String sql : t.sql()) {
                    execute(ds, prefix, s, sql);
                }
                ChainVerification v = consents.verify(s);
                soft.assertThat(v.intact()).as("%s on %s", t.name(), dialect).isFalse();
                soft.assertThat(v.firstBreak()).as("%s on %s: %s", t.name(), dialect, v.firstBreak())
                        .get().extracting(ChainVerification.Break::sequence).isEqualTo(breaksAt);
                // every event checks out when only the head is forged; otherwise those before the break do
                soft.assertThat(v.eventsChecked()).as("%s on %s", t.name(), dialect)
                        .isEqualTo(t.name().startsWith("chain head") ? 5 : breaksAt - 1);
            }
            // a forger who recomputes the changed event's hash cannot fix the next event's link to it
            SubjectId rehashed = SubjectId.of("tampered-rehashed");
            List<ConsentEvent> five = recordFive(consents, rehashed);
            ConsentEvent two = five.get(1);
            NewConsentEvent c = two.content();
            ConsentEvent forged = ConsentEvent.chain(new NewConsentEvent(c.id(), c.subject(), c.purpose(),
                    c.consentVersion(), c.policyVersion(), c.choice(), c.occurredAt(), c.recordedAt(), c.expiresAt(),
                    Method.IMPORT, c.actor(), c.declaredAge(), c.evidence()), 2, two.previousHash());
            update(ds, "UPDATE " + prefix + "events SET method = 'IMPORT', event_hash = ? WHERE subject = ? AND seq = 2",
                    forged.hash(), rehashed.value());
            ChainVerification v = consents.verify(rehashed);
            soft.assertThat(v.firstBreak()).as("recomputed forgery on %s", dialect).get()
                    .extracting(ChainVerification.Break::sequence).isEqualTo(3L);
            soft.assertThat(ConsentChain.recompute(store.events(rehashed, 1, 1).get(0))).isEqualTo(forged.hash());

            soft.assertThat(consents.verify(witness).intact()).as("the untouched chain on %s", dialect).isTrue();
            soft.assertAll();
            System.out.printf("[reliability] tampering on %s: %d SQL tamper cases and a recomputed forgery, each "
                    + "reported at the right sequence; the untouched chain intact; KNOWN LIMIT: the last event deleted "
                    + "with the head moved back to #4 verifies as a shorter chain (undetectable from the store alone)%n", dialect, CASES.size() - 1);
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    private static List<ConsentEvent> recordFive(ConsentService consents, SubjectId s) {
        Evidence evidence = Evidence.builder().notice("signup-v2", "Yes, send me offers").locale("de-DE")
                .userAgent("Firefox/128").ip("192.0.2.44").reference("mail-123").build();
        return List.of(
                consents.grant(s, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX).withEvidence(evidence)),
                consents.grant(s, ShopPolicy.MARKETING_SMS, Capture.by(Method.CHECKBOX).withEvidence(evidence)),
                consents.grant(s, ShopPolicy.LOYALTY, Capture.by(Method.PAPER).withActor(Actor.GUARDIAN)
                        .withDeclaredAge(15).withEvidence(evidence)),
                consents.withdraw(s, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK).withEvidence(evidence)),
                consents.object(s, ShopPolicy.FRAUD, Capture.by(Method.WEB_FORM).withEvidence(evidence)));
    }

    private static void execute(DataSource ds, String prefix, SubjectId s, String sql) throws SQLException {
        update(ds, sql.formatted(prefix), s.value());
    }

    private static void update(DataSource ds, String sql, String... params) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            assertThat(ps.executeUpdate()).as(sql).isEqualTo(1);
        }
    }
}
