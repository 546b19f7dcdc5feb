package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.recipients.DeliveryRecord;
import dev.consent.recipients.OutboxBacklog;
import dev.consent.recipients.OutboxEntry;
import dev.consent.recipients.RecipientNotice;
import dev.consent.rights.RightsRequest;
import dev.consent.store.ConsentStore.AppendResult;
import dev.consent.store.NoticeClaim;
import dev.consent.store.NoticeFinish;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The recipients' outbox of {@link JdbcStore} (its {@link dev.consent.store.OutboxStore} operations), and the one place
 * that decides their transactions. Notices are checked before any connection is borrowed and written in the
 * transaction of the ledger's append ({@link JdbcLedger}) or the request's save ({@link JdbcRights}) that caused them;
 * claims run in the transactions the dialect shapes ({@link Dialect#claim}); a finish is one transaction here.
 */
final class JdbcOutbox {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcOutbox.class);

    private final Transactions tx;
    private final Dialect dialect;
    private final String prefix;
    private final JdbcLedger ledger;
    private final JdbcRights rights;
    private final OutboxRepository outbox;

    JdbcOutbox(Transactions tx, Dialect dialect, String prefix, JdbcLedger ledger, JdbcRights rights) {
        this.tx = tx;
        this.dialect = dialect;
        this.prefix = prefix;
        this.ledger = ledger;
        this.rights = rights;
        this.outbox = new OutboxRepository(dialect, prefix, rights.repository());
    }

    /**
     * The ledger's append ({@link JdbcLedger#append(List, int, Transactions.SqlWork)}), with the notices inserted right
     * after the events; a notice whose id is stored already is left as it is.
     *
     * @throws InvalidValueException when an event or a notice breaks a rule of the tables, or notices come without
     *         events; nothing is written
     */
    AppendResult append(List<ConsentEvent> batch, List<RecipientNotice> notices) {
        Checks.required("events", batch);
        List<OutboxRepository.Row> rows = outbox.rows(notices);
        return ledger.append(batch, rows.size(), c -> {
            outbox.insert(c, rows);
            return null;
        });
    }

    /**
     * The request's save ({@link JdbcRights#saveRequest(RightsRequest, int, Transactions.SqlWork)}), then the notices,
     * in one transaction.
     *
     * @throws InvalidValueException when the request names another subject than the stored one, or a notice breaks a
     *         rule of the tables; nothing is written
     */
    boolean saveRequest(RightsRequest request, List<RecipientNotice> notices) {
        List<OutboxRepository.Row> rows = outbox.rows(notices);
        return rights.saveRequest(request, rows.size(), c -> {
            outbox.insert(c, rows);
            return null;
        });
    }

    /**
     * PostgreSQL and MariaDB: one transaction picks the due rows with {@code FOR UPDATE SKIP LOCKED} and marks them
     * claimed. H2: candidates are read and each is claimed by a conditional {@code UPDATE} whose update count decides.
     * The lease end is stored rounded up to the microsecond.
     */
    List<NoticeClaim> claimNotices(Instant now, int limit, String owner, Duration lease) {
        List<NoticeClaim> claims = dialect.claim(tx, outbox.claiming(now, limit, owner, lease), limit);
        LOG.debug("consent store {}: claimed {} notices", prefix, claims.size());
        return claims;
    }

    /**
     * One transaction: the token-checked notice update, the audit entry with the next sequence of a one-row counter
     * locked until commit, and for a request's delivery the request's history step over its version.
     */
    boolean finishNotice(NoticeFinish finish) {
        OutboxRepository.Finish f = outbox.finish(finish);
        return tx.inTransaction("finishNotice", c -> outbox.finish(c, f), c -> {
            throw outbox.counterBehindAudit();
        });
    }

    Optional<OutboxEntry> notice(String id) {
        Checks.required("id", id);
        return tx.read("notice", c -> outbox.find(c, id));
    }

    List<OutboxEntry> notices(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("notices", c -> outbox.ofSubject(c, subject));
    }

    List<DeliveryRecord> deliveries(long afterSequence, int limit) {
        StoreArguments.limit(limit);
        return tx.read("deliveries", c -> outbox.deliveries(c, afterSequence, limit));
    }

    OutboxBacklog backlog(int limit) {
        StoreArguments.backlogLimit(limit);
        return tx.read("backlog", c -> outbox.backlog(c, limit));
    }
}
