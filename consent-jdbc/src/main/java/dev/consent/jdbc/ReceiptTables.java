package dev.consent.jdbc;

import dev.consent.internal.Checks;
import dev.consent.jdbc.Transactions.Outcome;
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
 * The receipt half of {@link JdbcStore}: one row per signed consent receipt, keyed by its event id. A receipt is an
 * {@code INSERT}; a second receipt for the same event (another node issuing at the same moment) hits the primary key,
 * and the store answers with the row stored first, read on the same connection after the rollback. Rows are never
 * updated.
 */
final class ReceiptTables {
    private final Transactions tx;
    private final Dialect dialect;
    private final String receipts;
    private final String columns;

    ReceiptTables(Transactions tx, Dialect dialect, String prefix) {
        this.tx = tx;
        this.dialect = dialect;
        this.receipts = prefix + "receipts";
        this.columns = "event_id, subject, seq, purpose, receipt_id, " + dialect.selectInstant("issued_at")
                + ", key_id, jws";
    }

    ConsentReceipt saveReceipt(ConsentReceipt receipt) {
        Checks.required("receipt", receipt);
        StoredInstants.roundedDown("receipt.issuedAt", receipt.issuedAt(), dialect);
        return tx.inTransaction("saveReceipt", c -> {
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
            return Outcome.commit(receipt);
        }, c -> stored(c, receipt.event()).orElseThrow(() -> new SQLException("the insert of a receipt for an event "
                + "hit a unique key, but no receipt is stored for that event", "XX001")));
    }

    Optional<ConsentReceipt> receipt(EventId event) {
        Checks.required("event", event);
        return tx.read("receipt", c -> stored(c, event));
    }

    List<ConsentReceipt> receipts(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("receipts", c -> List.copyOf(Sql.query(c, "SELECT " + columns + " FROM " + receipts
                + " WHERE subject = ? ORDER BY seq", ps -> ps.setString(1, subject.value()), this::row)));
    }

    private Optional<ConsentReceipt> stored(Connection c, EventId event) throws SQLException {
        return Sql.queryOne(c, "SELECT " + columns + " FROM " + receipts + " WHERE event_id = ?",
                ps -> ps.setString(1, event.value()), this::row);
    }

    private ConsentReceipt row(ResultSet rs) throws SQLException {
        return new ConsentReceipt(EventId.of(rs.getString(1)), SubjectId.of(rs.getString(2)), rs.getLong(3),
                PurposeId.of(rs.getString(4)), rs.getString(5), dialect.getInstant(rs, 6), rs.getString(7),
                rs.getString(8));
    }
}
