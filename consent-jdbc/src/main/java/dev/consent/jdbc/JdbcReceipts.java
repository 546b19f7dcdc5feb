package dev.consent.jdbc;

import dev.consent.internal.Checks;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.receipt.ConsentReceipt;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The signed consent receipts of {@link JdbcStore} (its {@link dev.consent.store.ReceiptStore} operations), and the one
 * place that decides their transactions: arguments are checked before any connection is borrowed, then
 * {@link ReceiptRepository} runs on one connection ({@link Transactions}).
 */
final class JdbcReceipts {
    private final Transactions tx;
    private final Dialect dialect;
    private final ReceiptRepository receipts;

    JdbcReceipts(Transactions tx, Dialect dialect, String prefix) {
        this.tx = tx;
        this.dialect = dialect;
        this.receipts = new ReceiptRepository(dialect, prefix);
    }

    /** One {@code INSERT}; when a receipt for the event is stored already (a unique violation), that one is read back. */
    ConsentReceipt saveReceipt(ConsentReceipt receipt) {
        Checks.required("receipt", receipt);
        StoredInstants.roundedDown("receipt.issuedAt", receipt.issuedAt(), dialect);
        return tx.inTransaction("saveReceipt", c -> {
            receipts.insert(c, receipt);
            return Outcome.commit(receipt);
        }, c -> receipts.find(c, receipt.event()).orElseThrow(() -> new SQLException("the insert of a receipt for an "
                + "event hit a unique key, but no receipt is stored for that event", "XX001")));
    }

    Optional<ConsentReceipt> receipt(EventId event) {
        Checks.required("event", event);
        return tx.read("receipt", c -> receipts.find(c, event));
    }

    List<ConsentReceipt> receipts(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("receipts", c -> receipts.ofSubject(c, subject));
    }
}
