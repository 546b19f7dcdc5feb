package dev.consent.jdbc;

import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import dev.consent.receipt.ConsentReceipt;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Table {@code receipts}: one row per signed consent receipt, keyed by its event id, never updated. A receipt is an
 * {@code INSERT}; a second receipt for the same event (another node issuing at the same moment) hits the primary key,
 * and the caller answers with the row stored first ({@link #find}), read on the same connection after the rollback.
 * Every method runs on the connection it is handed, inside the caller's transaction; none commits.
 */
final class ReceiptRepository {
    private final Dialect dialect;
    private final String receipts;
    private final String columns;

    ReceiptRepository(Dialect dialect, String prefix) {
        this.dialect = dialect;
        this.receipts = prefix + "receipts";
        this.columns = "event_id, subject, seq, purpose, receipt_id, " + dialect.selectInstant("issued_at")
                + ", key_id, jws";
    }

    /** Inserts the receipt; one stored for its event already is a unique violation. */
    void insert(Connection c, ConsentReceipt receipt) throws SQLException {
        Sql.update(c, "INSERT INTO " + receipts + " (event_id, subject, seq, purpose, receipt_id, issued_at, key_id,"
                + " jws) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
                    ps.setString(1, receipt.event().value());
                    ps.setString(2, receipt.subject().value());
                    ps.setLong(3, receipt.sequence());
                    ps.setString(4, receipt.purpose().value());
                    ps.setString(5, receipt.receiptId());
                    dialect.setInstant(ps, 6, receipt.issuedAt());
                    ps.setString(7, receipt.keyId());
                    ps.setString(8, receipt.jws());
                });
    }

    Optional<ConsentReceipt> find(Connection c, EventId event) throws SQLException {
        return Sql.queryOne(c, "SELECT " + columns + " FROM " + receipts + " WHERE event_id = ?",
                ps -> ps.setString(1, event.value()), this::row);
    }

    /** The subject's receipts in sequence order. */
    List<ConsentReceipt> ofSubject(Connection c, SubjectId subject) throws SQLException {
        return List.copyOf(Sql.query(c, "SELECT " + columns + " FROM " + receipts + " WHERE subject = ? ORDER BY seq",
                ps -> ps.setString(1, subject.value()), this::row));
    }

    private ConsentReceipt row(ResultSet rs) throws SQLException {
        return new ConsentReceipt(EventId.of(rs.getString(1)), SubjectId.of(rs.getString(2)), rs.getLong(3),
                PurposeId.of(rs.getString(4)), rs.getString(5), dialect.getInstant(rs, 6), rs.getString(7),
                rs.getString(8));
    }
}
