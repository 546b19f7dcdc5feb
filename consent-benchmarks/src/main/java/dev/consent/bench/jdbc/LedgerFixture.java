package dev.consent.bench.jdbc;

import dev.consent.ConsentService;
import dev.consent.jdbc.Database;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.IpMinimizer;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * What the JDBC benchmarks share: a small policy (three consent purposes without parents, lifetimes or age limits,
 * so that a hand-written query can state the same rule), the ledger a benchmark preloads, and the raw-JDBC
 * mapping of an event to a row of the events table that the yardsticks use. The mapping writes exactly the
 * columns and values the library's {@code EventRows} writes, bound the way the dialect binds them.
 */
final class LedgerFixture {
    static final PurposeId NEWSLETTER = PurposeId.of("newsletter");
    static final PurposeId ANALYTICS = PurposeId.of("analytics");
    static final PurposeId ADS = PurposeId.of("ads");
    static final List<PurposeId> PURPOSES = List.of(NEWSLETTER, ANALYTICS, ADS);

    static final Policy POLICY = Policy.builder("bench", "1")
            .effectiveFrom(LocalDate.of(2024, 1, 1))
            .zone(ZoneId.of("Europe/Berlin"))
            .controller("Bench Shop", "privacy@bench.example")
            .category("contact.email", "Email address")
            .category("device.id", "Device identifiers")
            .purpose(Purpose.builder("newsletter").title("Newsletter").basis(LegalBasis.CONSENT)
                    .categories("contact.email").build())
            .purpose(Purpose.builder("analytics").title("Analytics").basis(LegalBasis.CONSENT)
                    .categories("device.id").build())
            .purpose(Purpose.builder("ads").title("Ads").basis(LegalBasis.CONSENT).categories("device.id").build())
            .build();

    /** The evidence a cookie banner leaves; the IP is minimised by the service (/24) before it is stored. */
    static final Evidence EVIDENCE = Evidence.builder().noticeId("banner-2024-06")
            .noticeHash(Evidence.hashOf("We use your email for our newsletter ...")).locale("de-DE")
            .userAgent("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0").ip("203.0.113.57")
            .build();
    static final Evidence STORED_EVIDENCE = EVIDENCE.withIp(IpMinimizer.truncate().minimize(EVIDENCE.ip()));

    static final List<String> COLUMNS = List.of("subject", "seq", "event_id", "purpose", "consent_version",
            "policy_version", "choice", "occurred_at", "recorded_at", "expires_at", "method", "actor", "declared_age",
            "evidence_notice_id", "evidence_notice_hash", "evidence_locale", "evidence_user_agent", "evidence_ip",
            "evidence_reference", "previous_hash", "event_hash");

    private static final DateTimeFormatter MARIADB_INSTANT = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");

    private LedgerFixture() {
    }

    static ConsentService service(JdbcStore store, long cacheSize, int bulkChunkSize) {
        return ConsentService.builder().policy(POLICY).store(store).cacheSize(cacheSize).bulkChunkSize(bulkChunkSize)
                .build();
    }

    static SubjectId randomSubject(SplittableRandom random) {
        return SubjectId.of(new UUID(random.nextLong(), random.nextLong()).toString());
    }

    static SubjectId[] randomSubjects(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        SubjectId[] out = new SubjectId[n];
        for (int i = 0; i < n; i++) {
            out[i] = randomSubject(random);
        }
        return out;
    }

    /**
     * The two events of preloaded subject {@code i}: a newsletter grant from the banner, then, for one subject in
     * four, its withdrawal, and for the others an analytics grant. So three in four subjects may be sent the
     * newsletter ({@link #newsletterAllowed}). Both choices happened in the past month, a minute apart.
     */
    static List<ChoiceRecord> twoChoices(SubjectId s, int i, Instant base) {
        Instant first = base.plusMillis(i);
        Capture banner = Capture.by(Method.COOKIE_BANNER).withEvidence(EVIDENCE).at(first);
        ChoiceRecord grant = new ChoiceRecord(s, NEWSLETTER, Choice.GRANTED, banner);
        ChoiceRecord second = newsletterAllowed(i)
                ? new ChoiceRecord(s, ANALYTICS, Choice.GRANTED, banner.at(first.plusSeconds(60)))
                : new ChoiceRecord(s, NEWSLETTER, Choice.WITHDRAWN,
                        Capture.by(Method.ACCOUNT_SETTINGS).at(first.plusSeconds(60)));
        return List.of(grant, second);
    }

    static boolean newsletterAllowed(int i) {
        return i % 4 != 0;
    }

    /**
     * Preloads {@code subjects} with {@link #twoChoices} each, through {@link ConsentService#record} in batches of
     * about {@code batchEvents} events, and returns how many may be sent the newsletter.
     */
    static int preload(ConsentService service, SubjectId[] subjects, int batchEvents) {
        Instant base = Instant.now().minus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        List<ChoiceRecord> batch = new ArrayList<>(batchEvents + 2);
        int allowed = 0;
        long started = System.nanoTime();
        for (int i = 0; i < subjects.length; i++) {
            batch.addAll(twoChoices(subjects[i], i, base));
            if (newsletterAllowed(i)) {
                allowed++;
            }
            if (batch.size() >= batchEvents) {
                service.record(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            service.record(batch);
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("%n[fixture] preloaded %,d subjects (%,d events) through ConsentService.record in %,d ms "
                + "(%,.0f events/s)%n", subjects.length, 2L * subjects.length, ms, 2e3 * subjects.length / Math.max(1, ms));
        return allowed;
    }

    /**
     * An event as the service would draft and chain it: the fields of the service's draft (policy version and
     * consent version from the policy, the IP minimised, no expiry) at {@code sequence} after {@code previousHash}.
     */
    static ConsentEvent chained(SubjectId subject, PurposeId purpose, Choice choice, Instant occurredAt,
            Instant recordedAt, long sequence, String previousHash) {
        NewConsentEvent draft = new NewConsentEvent(EventId.random(), subject, purpose, 1, POLICY.version(), choice,
                occurredAt, recordedAt, Optional.empty(), Method.COOKIE_BANNER, Actor.SUBJECT, OptionalInt.empty(),
                STORED_EVIDENCE);
        return ConsentEvent.chain(draft, sequence, previousHash);
    }

    static ConsentEvent first(SubjectId subject, PurposeId purpose, Choice choice, Instant at) {
        return chained(subject, purpose, choice, at, at, 1, ConsentChain.GENESIS);
    }

    /** The insert a developer would write for the events table: every column, one parameter each. */
    static String insertSql(String table) {
        return "INSERT INTO " + table + " (" + String.join(", ", COLUMNS) + ") VALUES ("
                + String.join(", ", java.util.Collections.nCopies(COLUMNS.size(), "?")) + ")";
    }

    /** Binds {@code e} to {@link #insertSql}: the same values the library binds, instants as the dialect binds them. */
    static void bind(PreparedStatement ps, ConsentEvent e, Database dialect) throws SQLException {
        int i = 1;
        ps.setString(i++, e.subject().value());
        ps.setLong(i++, e.sequence());
        ps.setString(i++, e.id().value());
        ps.setString(i++, e.purpose().value());
        ps.setInt(i++, e.consentVersion());
        ps.setString(i++, e.policyVersion());
        ps.setString(i++, e.choice().name());
        setInstant(ps, i++, e.occurredAt(), dialect);
        setInstant(ps, i++, e.recordedAt(), dialect);
        setInstant(ps, i++, e.expiresAt().orElse(null), dialect);
        ps.setString(i++, e.method().name());
        ps.setString(i++, e.actor().name());
        if (e.declaredAge().isPresent()) {
            ps.setShort(i++, (short) e.declaredAge().getAsInt());
        } else {
            ps.setNull(i++, Types.SMALLINT);
        }
        Evidence ev = e.evidence();
        ps.setString(i++, ev.noticeId());
        ps.setString(i++, ev.noticeHash());
        ps.setString(i++, ev.locale());
        ps.setString(i++, ev.userAgent());
        ps.setString(i++, ev.ip());
        ps.setString(i++, ev.reference());
        ps.setString(i++, e.previousHash());
        ps.setString(i, e.hash());
    }

    static void setInstant(PreparedStatement ps, int index, Instant t, Database dialect) throws SQLException {
        if (dialect == Database.MARIADB) {
            if (t == null) {
                ps.setNull(index, Types.VARCHAR);
            } else {
                ps.setString(index, MARIADB_INSTANT.format(LocalDateTime.ofInstant(t, ZoneOffset.UTC)));
            }
        } else {
            ps.setObject(index, t == null ? null : t.atOffset(ZoneOffset.UTC));
        }
    }
}
