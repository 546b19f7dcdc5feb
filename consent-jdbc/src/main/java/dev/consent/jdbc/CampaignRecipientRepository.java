package dev.consent.jdbc;

import dev.consent.Reason;
import dev.consent.email.CampaignId;
import dev.consent.email.CampaignRecipient;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.PurposeId;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Table {@code campaign_recipients}: one row per recipient a campaign included, keyed by (campaign, subject), with the
 * decision it was included on; never updated. A chunk of recipients is one statement (a multi-row {@code INSERT}
 * of up to {@value #ROWS_PER_INSERT} rows, or on PostgreSQL one {@code INSERT ... SELECT FROM unnest(...)}); a recipient recorded already hits the key, and the caller rolls the chunk back. Every method runs on the connection it is
 * handed, inside the caller's transaction; none commits.
 */
final class CampaignRecipientRepository {
    private final Dialect dialect;
    private final String table;
    private final String columns;

    CampaignRecipientRepository(Dialect dialect, String prefix) {
        this.dialect = dialect;
        this.table = prefix + "campaign_recipients";
        this.columns = "campaign_id, subject, purpose, legal_basis, reason, policy_version, consent_version, "
                + "deciding_subject, deciding_seq, " + dialect.selectInstant("included_at");
    }

    /** The columns a row is inserted with, in the order {@link #bind} binds them. */
    static final String COLUMNS = "campaign_id, subject, purpose, legal_basis, reason, policy_version, consent_version,"
            + " deciding_subject, deciding_seq, included_at";
    /** How many values a row has. */
    static final int WIDTH = 10;
    /** The most rows one {@code INSERT} carries (10 parameters each: 10,000, within every database's limit). */
    static final int ROWS_PER_INSERT = 1_000;

    /**
     * Inserts the rows: one statement per {@link #ROWS_PER_INSERT} rows ({@link Dialect#insertCampaignRecipients}),
     * not one per row; a row recorded already (or given twice) is a unique violation.
     */
    void insert(Connection c, List<CampaignRecipient> rows) throws SQLException {
        dialect.insertCampaignRecipients(c, table, rows);
    }

    /** Binds a row's {@link #WIDTH} values after parameter {@code at} (the first is {@code at + 1}). */
    static void bind(java.sql.PreparedStatement ps, int at, CampaignRecipient r, Dialect dialect) throws SQLException {
        ps.setString(at + 1, r.campaign().value());
        ps.setString(at + 2, r.subject().value());
        ps.setString(at + 3, r.purpose().value());
        ps.setString(at + 4, r.basis().name());
        ps.setString(at + 5, r.reason().name());
        ps.setString(at + 6, r.policyVersion());
        if (r.consentVersion().isPresent()) {
            ps.setInt(at + 7, r.consentVersion().getAsInt());
        } else {
            ps.setNull(at + 7, Types.INTEGER);
        }
        if (r.decidingEvent().isPresent()) {
            ps.setString(at + 8, r.decidingEvent().get().subject().value());
            ps.setLong(at + 9, r.decidingEvent().get().sequence());
        } else {
            ps.setNull(at + 8, Types.VARCHAR);
            ps.setNull(at + 9, Types.BIGINT);
        }
        dialect.setInstant(ps, at + 10, r.at());
    }

    /** The recorded rows of {@code campaign} among {@code subjects}, a chunk of the dialect's size per query. */
    Map<SubjectId, CampaignRecipient> find(Connection c, CampaignId campaign, List<String> subjects)
            throws SQLException {
        Map<SubjectId, CampaignRecipient> out = new LinkedHashMap<>();
        int size = dialect.chunkSize();
        for (int from = 0; from < subjects.size(); from += size) {
            List<String> chunk = subjects.subList(from, Math.min(subjects.size(), from + size));
            for (CampaignRecipient r : Sql.query(c, "SELECT " + columns + " FROM " + table + " WHERE campaign_id = ? AND "
                    + (chunk.size() == 1 ? "subject = ?" : dialect.oneOf("subject", chunk.size())), ps -> {
                        ps.setString(1, campaign.value());
                        dialect.bindKeys(c, ps, 2, chunk);
                    }, this::row)) {
                out.put(r.subject(), r);
            }
        }
        return out;
    }

    /** Deletes every row of {@code subject}; returns how many. */
    long deleteSubject(Connection c, SubjectId subject) throws SQLException {
        return Sql.update(c, "DELETE FROM " + table + " WHERE subject = ?", ps -> ps.setString(1, subject.value()));
    }

    private CampaignRecipient row(ResultSet rs) throws SQLException {
        int version = rs.getInt(7);
        OptionalInt consentVersion = rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(version);
        String decidingSubject = rs.getString(8);
        long seq = rs.getLong(9);
        Optional<EventRef> deciding = decidingSubject == null ? Optional.empty()
                : Optional.of(new EventRef(SubjectId.of(decidingSubject), seq));
        return new CampaignRecipient(CampaignId.of(rs.getString(1)), SubjectId.of(rs.getString(2)),
                PurposeId.of(rs.getString(3)), LegalBasis.valueOf(rs.getString(4)), Reason.valueOf(rs.getString(5)),
                rs.getString(6), consentVersion, deciding, dialect.getInstant(rs, 10));
    }

    static List<String> ids(java.util.Collection<SubjectId> subjects) {
        List<String> out = new ArrayList<>(subjects.size());
        subjects.forEach(s -> out.add(s.value()));
        return out;
    }
}
