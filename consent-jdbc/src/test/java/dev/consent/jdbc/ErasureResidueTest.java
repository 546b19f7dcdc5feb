package dev.consent.jdbc;

import dev.consent.ConsentService;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.rights.RequestType;
import dev.consent.rights.RightsRequest;
import dev.consent.rights.RightsService;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What personal data is left in the store after an erasure, read with plain SQL from every table, on every
 * database: exactly what docs/erasure.md lists, and nothing from which the erased subject's id can be recovered by
 * someone holding a list of emails (issue 12). A customer with a linked visitor, consents with evidence, retained
 * items in four categories (one disposed of before the request, one kept by the tax minimum), a released legal hold
 * and the erasure request itself.
 */
class ErasureResidueTest {
    private static final String EMAIL = "jane.doe@example.com";
    private static final String COOKIE = "c00kie-5e1f";

    @ParameterizedTest
    @EnumSource(Database.class)
    void afterAnErasureOnlyTheDocumentedRecordsNameTheSubject(Database dialect) throws Exception {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        try {
            MutableClock clock = MutableClock.at("2025-01-10T09:00:00Z");
            JdbcStore store = JdbcStore.builder(ds).tablePrefix(prefix).build();
            SubjectId jane = SubjectId.of(EMAIL);
            try (ConsentService consents = ConsentService.builder().policy(RetentionPolicy.policy()).store(store)
                    .clock(clock).build()) {
                RetentionService retention = RetentionService.builder()
                        .referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RetentionPolicy.policy())
                        .store(store).clock(clock).build();
                Sweeper sweeper = Sweeper.builder(retention).handler("access.log", r -> { }).handler("contact.email", r -> { })
                        .handler("order.record", r -> { }).handler("support.ticket", r -> { }).build();
                RightsService rights = RightsService.builder().consents(consents).sweeper(sweeper).store(store)
                        .build();

                VisitorId cookie = VisitorId.of(COOKIE);
                consents.deny(cookie.subject(), PurposeId.of("marketing.email"), Capture.by(Method.COOKIE_BANNER));
                consents.link(cookie, jane);
                clock.advance(Duration.ofMinutes(1));
                consents.grant(jane, PurposeId.of("marketing.email"), Capture.by(Method.CHECKBOX)
                        .withEvidence(Evidence.builder().ip("203.0.113.77").userAgent("Firefox").build()));
                Instant purchase = clock.instant().minus(Duration.ofDays(30));
                retention.recordAnchor(jane, "access.log", Anchor.COLLECTED, purchase.minus(Duration.ofDays(200)));
                retention.recordAnchor(jane, "contact.email", Anchor.LAST_TRANSACTION, purchase);
                retention.recordAnchor(jane, "order.record", Anchor.LAST_TRANSACTION, purchase);
                retention.recordAnchor(jane, "support.ticket", Anchor.COLLECTED, purchase);
                retention.recordAnchor(SubjectId.of("bob"), "access.log", Anchor.COLLECTED,
                        purchase.minus(Duration.ofDays(200)));
                assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).disposed()).as("the old access logs")
                        .isEqualTo(2);
                LegalHold hold = retention.placeHold(jane, Set.of(CategoryId.of("support.ticket")), "dispute 17",
                        "dpo");
                retention.releaseHold(hold.id(), "dpo", "settled");

                RightsRequest request = rights.receive(jane, RequestType.ERASURE, "web form");
                rights.verifyIdentity(request.id(), "support", "login");
                rights.erase(request.id(), "dpo");

                Map<String, Integer> naming = rowsContaining(ds, prefix, List.of(EMAIL, COOKIE));
                System.out.println("[reliability] erasure residue on " + dialect + ": rows naming the subject "
                        + naming);
                // the ledger (consent evidence, Art. 7(1)), the visitor link, the change feed (until pruned), the
                // item the tax minimum keeps, the legal hold, the erasure request itself
                assertThat(naming.keySet()).containsExactlyInAnyOrder("events", "heads", "links", "changes",
                        "items", "holds", "rights_requests");
                assertThat(itemsOf(ds, prefix, EMAIL)).as("only what the tax minimum keeps")
                        .containsExactly("order.record ACTIVE");
                assertThat(retention.wasErased(jane)).isTrue();

                // what someone holding a list of emails could compute is nowhere
                List<String> unkeyed = new ArrayList<>(List.of(sha256("subject\n" + EMAIL)));
                for (String category : List.of("access.log", "contact.email", "order.record", "support.ticket")) {
                    unkeyed.add(sha256(EMAIL + "\n" + category + "\n"));
                }
                assertThat(rowsContaining(ds, prefix, unkeyed)).isEmpty();

                // once the minimum ends, the last item row goes too
                clock.set(Instant.parse("2032-06-01T00:00:00Z"));
                assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(1);
                assertThat(itemsOf(ds, prefix, EMAIL)).isEmpty();
                assertThat(rowsContaining(ds, prefix, List.of(EMAIL, COOKIE)).keySet())
                        .containsExactlyInAnyOrder("events", "heads", "links", "changes", "holds", "rights_requests");
            }
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    /** Per table of the store (after the prefix), how many rows hold one of {@code needles} in any column. */
    private static Map<String, Integer> rowsContaining(DataSource ds, String prefix, List<String> needles)
            throws SQLException {
        Map<String, Integer> out = new TreeMap<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String table : Databases.TABLES) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM " + prefix + table)) {
                    ResultSetMetaData meta = rs.getMetaData();
                    while (rs.next()) {
                        for (int i = 1; i <= meta.getColumnCount(); i++) {
                            String v = rs.getString(i);
                            if (v != null && needles.stream().anyMatch(v::contains)) {
                                out.merge(table, 1, Integer::sum);
                                break;
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static List<String> itemsOf(DataSource ds, String prefix, String subject) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection();
             var ps = c.prepareStatement("SELECT category, state FROM " + prefix + "items WHERE subject = ?"
                     + " ORDER BY category")) {
            ps.setString(1, subject);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
        }
        return out;
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
