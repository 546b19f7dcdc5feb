package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The mapping between a {@link ConsentEvent} and a row of the events table: one column per field, the
 * evidence flattened into {@code evidence_*} columns, so every field reads back exactly as it was hashed.
 */
final class EventRows {
    static final List<String> COLUMNS = List.of("subject", "seq", "event_id", "purpose", "consent_version",
            "policy_version", "choice", "occurred_at", "recorded_at", "expires_at", "method", "actor", "declared_age",
            "evidence_notice_id", "evidence_notice_hash", "evidence_locale", "evidence_user_agent", "evidence_ip",
            "evidence_reference", "previous_hash", "event_hash");

    /** The columns a {@link ChoiceFact} is read from, in the order {@link #readFact} reads them. */
    private static final List<String> FACT_COLUMNS = List.of("subject", "seq", "purpose", "choice", "occurred_at",
            "recorded_at", "expires_at", "consent_version", "declared_age", "method", "actor");

    private EventRows() {
    }

    private static final Set<String> INSTANT_COLUMNS = Set.of("occurred_at", "recorded_at", "expires_at");

    /**
     * The select list that {@link #read} reads, each column qualified with {@code alias.} when an alias is
     * given, instants in the form the dialect reads them.
     */
    static String columns(String alias, Dialect dialect) {
        return select(COLUMNS, alias, dialect);
    }

    /** The select list that {@link #readFact} reads, as {@link #columns} for a full event. */
    static String factColumns(String alias, Dialect dialect) {
        return select(FACT_COLUMNS, alias, dialect);
    }

    private static String select(List<String> columns, String alias, Dialect dialect) {
        return columns.stream().map(c -> {
            String ref = alias == null ? c : alias + "." + c;
            return INSTANT_COLUMNS.contains(c) ? dialect.selectInstant(ref) : ref;
        }).collect(Collectors.joining(", "));
    }

    static String insert(String table) {
        return "INSERT INTO " + table + " (" + String.join(", ", COLUMNS) + ") VALUES ("
                + COLUMNS.stream().map(c -> "?").collect(Collectors.joining(", ")) + ")";
    }

    /**
     * Rejects what the columns cannot hold exactly, before anything is written. {@link ConsentEvent} itself
     * accepts nanosecond instants and hashes of any shape; a database would silently round the one (and
     * break the event's hash) and reject the other mid-batch.
     */
    static void validate(ConsentEvent e, Dialect dialect) {
        e.content(); // re-runs every field rule of NewConsentEvent (text lengths, policy version, expiry)
        instant("occurredAt", e.occurredAt(), dialect);
        instant("recordedAt", e.recordedAt(), dialect);
        e.expiresAt().ifPresent(t -> instant("expiresAt", t, dialect));
        if (!Checks.isSha256Hex(e.hash())) {
            throw new InvalidValueException("hash", e.hash(), "must be 64 lower-case hex digits (SHA-256)");
        }
        if (!Checks.isSha256Hex(e.previousHash())) {
            throw new InvalidValueException("previousHash", e.previousHash(),
                    "must be 64 lower-case hex digits (SHA-256)");
        }
    }

    static void instant(String field, Instant t, Dialect dialect) {
        if (!t.truncatedTo(ChronoUnit.MICROS).equals(t)) {
            throw new InvalidValueException(field, t, "must have at most microsecond precision, "
                    + "the precision every supported database keeps");
        }
        if (t.isBefore(dialect.minInstant()) || t.isAfter(dialect.maxInstant())) {
            throw new InvalidValueException(field, t, "must be between " + dialect.minInstant() + " and "
                    + dialect.maxInstant() + ", the range " + dialect + " stores");
        }
    }

    static void bind(PreparedStatement ps, ConsentEvent e, Dialect dialect) throws SQLException {
        int i = 1;
        ps.setString(i++, e.subject().value());
        ps.setLong(i++, e.sequence());
        ps.setString(i++, e.id().value());
        ps.setString(i++, e.purpose().value());
        ps.setInt(i++, e.consentVersion());
        ps.setString(i++, e.policyVersion());
        ps.setString(i++, e.choice().name());
        dialect.setInstant(ps, i++, e.occurredAt());
        dialect.setInstant(ps, i++, e.recordedAt());
        dialect.setInstant(ps, i++, e.expiresAt().orElse(null));
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

    /**
     * Reads the decision facts whose columns start at {@code first}, selected by {@link #factColumns}. Every value is
     * checked as {@link #read} checks it (an unknown method or actor fails here too). {@code owner} is returned
     * for the subject when the row is the owner's (saves a copy per row); {@code purposes} interns the purpose ids
     * of one read.
     */
    static ChoiceFact readFact(ResultSet rs, int first, Dialect dialect, SubjectId owner,
            Map<String, PurposeId> purposes) throws SQLException {
        int i = first;
        String subjectValue = rs.getString(i++);
        SubjectId subject = owner.value().equals(subjectValue) ? owner : SubjectId.of(subjectValue);
        long sequence = rs.getLong(i++);
        String purposeValue = rs.getString(i++);
        PurposeId purpose = purposes.get(purposeValue);
        if (purpose == null) {
            purpose = PurposeId.of(purposeValue);
            purposes.put(purposeValue, purpose);
        }
        Choice choice = Choice.valueOf(rs.getString(i++));
        Instant occurredAt = dialect.getInstant(rs, i++);
        Instant recordedAt = dialect.getInstant(rs, i++);
        Instant expires = dialect.getInstant(rs, i++);
        Optional<Instant> expiresAt = expires == null ? Optional.empty() : Optional.of(expires);
        int consentVersion = rs.getInt(i++);
        short age = rs.getShort(i++);
        OptionalInt declaredAge = rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(age);
        Method method = Method.valueOf(rs.getString(i++));
        Actor actor = Actor.valueOf(rs.getString(i));
        return new ChoiceFact(subject, sequence, purpose, choice, occurredAt, recordedAt, expiresAt, consentVersion,
                declaredAge, method == Method.GPC, actor == Actor.GUARDIAN);
    }

    /** Reads the event whose columns start at {@code first}, selected by {@link #columns}. */
    static ConsentEvent read(ResultSet rs, int first, Dialect dialect) throws SQLException {
        int i = first;
        SubjectId subject = SubjectId.of(rs.getString(i++));
        long sequence = rs.getLong(i++);
        EventId id = EventId.of(rs.getString(i++));
        PurposeId purpose = PurposeId.of(rs.getString(i++));
        int consentVersion = rs.getInt(i++);
        String policyVersion = rs.getString(i++);
        Choice choice = Choice.valueOf(rs.getString(i++));
        Instant occurredAt = dialect.getInstant(rs, i++);
        Instant recordedAt = dialect.getInstant(rs, i++);
        Optional<Instant> expiresAt = Optional.ofNullable(dialect.getInstant(rs, i++));
        Method method = Method.valueOf(rs.getString(i++));
        Actor actor = Actor.valueOf(rs.getString(i++));
        short age = rs.getShort(i++);
        OptionalInt declaredAge = rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(age);
        Evidence evidence = new Evidence(rs.getString(i++), rs.getString(i++), rs.getString(i++), rs.getString(i++),
                rs.getString(i++), rs.getString(i++));
        String previousHash = rs.getString(i++);
        String hash = rs.getString(i);
        return new ConsentEvent(id, subject, sequence, purpose, consentVersion, policyVersion, choice, occurredAt,
                recordedAt, expiresAt, method, actor, declaredAge, evidence, previousHash, hash);
    }
}
