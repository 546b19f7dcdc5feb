package dev.consent.jdbc.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.consent.ConsentService;
import dev.consent.Decision;
import dev.consent.InvalidValueException;
import dev.consent.jdbc.Databases;
import dev.consent.jdbc.Database;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.InvalidPolicyException;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyJson;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile strings through the JDBC store on every database: SQL metacharacters and injection attempts, PostgreSQL
 * array-literal syntax, right-to-left and zero-width characters, emoji, combining marks, the longest values
 * allowed. As subject ids (also in bulk reads and visitor links), event ids, every free evidence field and the
 * policy version, each is stored and read back verbatim and kept apart from its look-alikes; what the rules
 * forbid (NUL and other control characters, lone surrogates, blank, too long; a purpose id that is not a dotted
 * id) is refused with an {@link InvalidValueException} naming the field, before anything is written. After all of
 * it the tables are still there and hold exactly the rows written.
 */
class HostileInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Accepted everywhere a free text is: stored and read back exactly. */
    static List<String> hostile(String prefix) {
        return List.of(
                "'; DROP TABLE " + prefix + "events; --",
                "x' OR '1'='1",
                "\" OR \"\"=\"",
                "Robert'); DELETE FROM " + prefix + "heads WHERE ('1'='1",
                "back\\slash\\'",
                "100% _like_ [a-z]*",
                "/* comment */ -- rest",
                "$1 ? :name ${prefix} #{x}",
                "{a,\"b\",NULL}",
                "NULL",
                "\u202Eevil\u202C.exe",
                "שלום עולם",
                "مرحبا بالعالم",
                "zero\u200Bwidth\u200D\uFEFF",
                "emoji 😀👩‍👩‍👧 🇩🇪",
                "e\u0301",
                "é",
                "tab\tinside",
                "Alice",
                "alice",
                "alice ",
                " alice",
                "x".repeat(200),
                "😀".repeat(100));
    }

    /** Refused by design in every text field, naming the field. */
    static final List<String> CONTROL = List.of("nul\u0000inside", "line\nbreak", "carriage\rreturn",
            "\u001b[31mred", "del\u007f", "c1\u0085next-line", "lone \uD800 surrogate");

    /** Refused as ids, which are required: also blank, empty and too long. */
    static final List<String> BAD_IDS = new ArrayList<>(CONTROL);

    static {
        BAD_IDS.addAll(List.of("   ", "", "y".repeat(201)));
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void hostileStringsAreStoredVerbatimOrRefusedByFieldAndNeverInjected(Database dialect) throws SQLException {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        JdbcStore store = JdbcStore.builder(ds).tablePrefix(prefix).build();
        List<String> strings = hostile(prefix);
        try (ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(store).build()) {
            // 1. as subject ids and event ids, with every free evidence field hostile too
            Map<SubjectId, ConsentEvent> granted = new LinkedHashMap<>();
            for (int i = 0; i < strings.size(); i++) {
                String s = strings.get(i);
                if (s.equals("é") || s.equals("alice ")) {
                    continue; // look-alikes left ungranted: they must not share the grant of "e\u0301" / "alice"
                }
                Evidence evidence = new Evidence(cut(s, 200), null, cut(s, 35), s.length() > 1000 ? null : s, null,
                        cut(s, 1000));
                String eventId = cut(s, 90) + "#" + i; // event ids are unique, at most 100 characters
                ConsentEvent e = consents.grant(SubjectId.of(s), ShopPolicy.MARKETING_EMAIL,
                        Capture.by(Method.WEB_FORM).withEventId(eventId).withEvidence(evidence));
                granted.put(SubjectId.of(s), e);
            }
            for (Map.Entry<SubjectId, ConsentEvent> g : granted.entrySet()) {
                List<ConsentEvent> history = consents.history(g.getKey());
                assertThat(history).as("%s on %s", g.getKey(), dialect).containsExactly(g.getValue());
                assertThat(history.get(0).subject().value()).isEqualTo(g.getKey().value());
                assertThat(history.get(0).evidence()).isEqualTo(g.getValue().evidence());
                assertThat(store.findEvents(List.of(g.getValue().id()))).containsEntry(g.getValue().id(), g.getValue());
                assertThat(consents.verify(g.getKey()).intact()).isTrue();
            }
            // bulk reads: IN lists (H2, MariaDB) and one text[] parameter (PostgreSQL) with every string at once
            consents.invalidateCache();
            Map<SubjectId, Decision> all = consents.checkAll(strings.stream().map(SubjectId::of).toList(),
                    ShopPolicy.MARKETING_EMAIL);
            for (String s : strings) {
                assertThat(all.get(SubjectId.of(s)).allowed()).as("bulk decision for [%s] on %s", s, dialect)
                        .isEqualTo(granted.containsKey(SubjectId.of(s)));
                assertThat(consents.checkUncached(SubjectId.of(s), ShopPolicy.MARKETING_EMAIL).allowed())
                        .as("decision for [%s] on %s", s, dialect).isEqualTo(granted.containsKey(SubjectId.of(s)));
            }
            // visitor links between hostile ids
            VisitorId visitor = VisitorId.of(strings.get(0) + " visitor");
            SubjectId customer = SubjectId.of("é");
            consents.grant(visitor.subject(), ShopPolicy.MARKETING_SMS, Capture.by(Method.COOKIE_BANNER));
            consents.link(visitor, customer);
            assertThat(store.customerOf(visitor)).contains(customer);
            assertThat(store.visitorsOf(customer)).containsExactly(visitor);
            assertThat(consents.checkUncached(customer, ShopPolicy.MARKETING_SMS).allowed()).isTrue();
            assertThat(consents.checkUncached(SubjectId.of("e\u0301"), ShopPolicy.MARKETING_SMS).allowed()).isFalse();

            // 2. what the rules forbid is refused with the field named, and nothing is written
            int refusals = 0;
            int purposes = 0;
            for (String bad : BAD_IDS) {
                refused("subject", () -> SubjectId.of(bad));
                refused("eventId", () -> EventId.of(bad));
                refusals += 2;
            }
            Map<String, Integer> limits = Map.of("evidence.noticeId", 200, "evidence.locale", 35,
                    "evidence.userAgent", 1000, "evidence.reference", 1000);
            for (Map.Entry<String, Integer> field : limits.entrySet()) {
                List<String> bad = new ArrayList<>(CONTROL);
                bad.add("z".repeat(field.getValue() + 1));
                for (String b : bad) {
                    refused(field.getKey(), () -> evidence(field.getKey(), b));
                    refusals++;
                }
            }
            for (String b : CONTROL) {
                refused("evidence.ip", () -> consents.grant(SubjectId.of("ip-owner"), ShopPolicy.MARKETING_EMAIL,
                        Capture.by(Method.API).withEvidence(Evidence.builder().ip(b).build())));
                refusals++;
            }
            for (String s : strings) {
                refused("evidence.noticeHash", () -> new Evidence(null, s, null, null, null, null));
                refused("evidence.ip", () -> consents.grant(SubjectId.of("ip-owner"), ShopPolicy.MARKETING_EMAIL,
                        Capture.by(Method.API).withEvidence(Evidence.builder().ip(s).build())));
                refusals += 2;
                // 3. purpose ids are dotted ids: refused in the Java builder and in policy JSON, with the JSON path
                if (s.equals("alice")) {
                    continue; // a valid purpose id
                }
                purposes++;
                refused("purpose", () -> PurposeId.of(s));
                refused("purpose", () -> Purpose.builder(s));
                assertThatThrownBy(() -> PolicyJson.read(policyJsonWithPurpose(s)))
                        .isInstanceOfSatisfying(InvalidPolicyException.class, e -> assertThat(e.problems())
                                .anySatisfy(p -> assertThat(p.path()).startsWith("$.purposes[0].id")));
            }
            assertThat(store.events(SubjectId.of("ip-owner"), 0, 10)).isEmpty();

            // 4. the policy version is free text, stored with every event: hostile versions round-trip too
            int versions = 0;
            for (String s : strings) {
                if (s.length() > 50) {
                    continue;
                }
                Policy p = policyWithVersion(s, versions);
                try (ConsentService v = ConsentService.builder().policy(p).store(store).build()) {
                    ConsentEvent e = v.grant(SubjectId.of("versions"), ShopPolicy.MARKETING_EMAIL,
                            Capture.by(Method.API));
                    assertThat(v.history(SubjectId.of("versions")).get(versions)).isEqualTo(e);
                    assertThat(e.policyVersion()).isEqualTo(s);
                }
                versions++;
            }
            assertThat(consents.verify(SubjectId.of("versions")).intact()).isTrue();

            // 5. no injection took effect: every table is there and holds exactly what was written
            int events = granted.size() + 1 + versions;
            assertThat(count(ds, prefix + "events")).isEqualTo(events);
            assertThat(count(ds, prefix + "heads")).isEqualTo(granted.size() + 2);
            assertThat(count(ds, prefix + "links")).isEqualTo(1);
            assertThat(count(ds, prefix + "changes")).isEqualTo(events + 1);
            System.out.printf("[reliability] hostile input on %s: %d hostile strings stored verbatim as subject ids, "
                            + "event ids and evidence (plus %d as policy versions, 1 visitor link); %d forbidden values "
                            + "refused naming their field; %d purpose ids refused in Java and in policy JSON; "
                            + "tables intact%n", dialect, granted.size(), versions, refusals, purposes);
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max);
    }

    private static void refused(String field, Runnable r) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(InvalidValueException.class,
                e -> assertThat(e.field()).isEqualTo(field));
    }

    private static long count(DataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String policyJsonWithPurpose(String purposeId) {
        ObjectNode root = JSON.createObjectNode().put("id", "kiosk").put("version", "1")
                .put("effectiveFrom", "2024-01-01").put("timeZone", "UTC");
        root.putArray("categories").addObject().put("id", "contact.email").put("description", "Email");
        ObjectNode purpose = root.putArray("purposes").addObject().put("id", purposeId).put("title", "Newsletter")
                .put("legalBasis", "CONSENT");
        purpose.putArray("categories").add("contact.email");
        return root.toString();
    }

    private static Evidence evidence(String field, String value) {
        return switch (field) {
            case "evidence.noticeId" -> new Evidence(value, null, null, null, null, null);
            case "evidence.locale" -> new Evidence(null, null, value, null, null, null);
            case "evidence.userAgent" -> new Evidence(null, null, null, value, null, null);
            default -> new Evidence(null, null, null, null, null, value);
        };
    }

    private static Policy policyWithVersion(String version, int n) {
        return Policy.builder("shop", version).effectiveFrom(LocalDate.of(2020, 1, 1).plusDays(n))
                .zone(ShopPolicy.ZONE).controller("Example Shop GmbH", "privacy@shop.example")
                .category("contact.email", "Email address").category("contact.phone", "Mobile number")
                .purpose(Purpose.builder("marketing").title("Marketing").basis(LegalBasis.CONSENT)
                        .categories("contact.email").build())
                .purpose(Purpose.builder("marketing.email").title("Newsletter").basis(LegalBasis.CONSENT)
                        .categories("contact.email").parent("marketing").build())
                .build();
    }
}
