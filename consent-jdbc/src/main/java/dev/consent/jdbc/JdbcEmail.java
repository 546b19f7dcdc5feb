package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.email.CampaignId;
import dev.consent.email.CampaignRecipient;
import dev.consent.internal.Checks;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.SubjectId;
import dev.consent.store.EmailStore;
import dev.consent.store.EmailStore.RecipientWrite;
import dev.consent.store.SuppressionEntry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The suppression list and campaign recipients of {@link JdbcStore} (its {@link EmailStore} operations), and the one
 * place that decides their transactions: arguments are checked before any connection is borrowed, then {@link
 * SuppressionRepository} or {@link CampaignRecipientRepository} runs on one connection ({@link Transactions}).
 */
final class JdbcEmail {
    private final Transactions tx;
    private final Dialect dialect;
    private final SuppressionRepository suppression;
    private final CampaignRecipientRepository recipients;
    private final ChangeFeedRepository feed;

    JdbcEmail(Transactions tx, Dialect dialect, String prefix, ChangeFeedRepository feed) {
        this.tx = tx;
        this.feed = feed;
        this.dialect = dialect;
        this.suppression = new SuppressionRepository(dialect, prefix);
        this.recipients = new CampaignRecipientRepository(dialect, prefix);
    }

    /** One {@code INSERT}; a hash on the list already (a unique violation) answers false. */
    boolean suppress(SuppressionEntry entry) {
        Checks.required("entry", entry);
        StoredInstants.roundedDown("entry.at", entry.at(), dialect);
        return tx.inTransaction("suppress", c -> {
            suppression.insert(c, entry);
            return Outcome.commit(true);
        }, c -> false);
    }

    Set<String> suppressed(Collection<String> keyedHashes) {
        List<String> hashes = keys("keyedHashes", keyedHashes);
        return hashes.isEmpty() ? Set.of() : tx.read("suppressed", c -> suppression.present(c, hashes));
    }

    long release(Collection<String> keyedHashes) {
        List<String> hashes = new ArrayList<>(Set.copyOf(Checks.required("keyedHashes", keyedHashes)));
        if (hashes.isEmpty()) {
            return 0;
        }
        return tx.inTransaction("release", c -> Outcome.commit(suppression.delete(c, hashes)), c -> {
            throw new StoreException("release", "a delete met a unique violation, which no delete can cause");
        });
    }

    /**
     * The guard, then the rows in one transaction of multi-row inserts; a recipient recorded already (a unique
     * violation) rolls back. The guard is {@link JdbcProcessing#appendUses}'s: on a connection of its own (it sees what
     * has committed, never a host transaction's uncommitted rows), the committed change-feed entries of the rows'
     * subjects, and of visitors linked to them, above {@code feedPosition} or not yet numbered ({@link
     * ChangeFeedRepository#changedAmong}: one query for the recent entries, whatever the chunk's size). {@code feedPosition} was read before the decisions, so every change that
     * committed before the guard's read is in the decisions or refuses the write. No lock: a change committing after
     * the guard's read is ordered after the rows, whose instants were taken before the decisions were read.
     */
    RecipientWrite recordRecipients(List<CampaignRecipient> rows, long feedPosition) {
        List<CampaignRecipient> copy = List.copyOf(Checks.required("recipients", rows));
        java.util.TreeSet<String> subjects = new java.util.TreeSet<>();
        for (CampaignRecipient r : copy) {
            StoredInstants.roundedDown("recipients[].at", r.at(), dialect);
            subjects.add(r.subject().value());
        }
        if (copy.isEmpty()) {
            return RecipientWrite.done();
        }
        Set<SubjectId> changed = tx.readOwn("recordRecipients", c -> feed.changedAmong(c, feedPosition, subjects));
        if (!changed.isEmpty()) {
            return RecipientWrite.changed(changed);
        }
        return tx.inTransaction("recordRecipients", c -> {
            recipients.insert(c, copy);
            return Outcome.commit(RecipientWrite.done());
        }, c -> RecipientWrite.recordedAlready());
    }

    Map<SubjectId, CampaignRecipient> campaignRecipients(CampaignId campaign, Collection<SubjectId> subjects) {
        Checks.required("campaign", campaign);
        checkSize("subjects", subjects);
        List<String> ids = CampaignRecipientRepository.ids(subjects);
        ids.forEach(s -> Checks.required("subjects[]", s));
        return ids.isEmpty() ? Map.of() : tx.read("campaignRecipients", c -> recipients.find(c, campaign, ids));
    }

    long forgetRecipient(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.inTransaction("forgetRecipient", c -> Outcome.commit(recipients.deleteSubject(c, subject)), c -> {
            throw new StoreException("forgetRecipient", "a delete met a unique violation, which no delete can cause");
        });
    }

    private static List<String> keys(String field, Collection<String> keys) {
        checkSize(field, keys);
        List<String> out = new ArrayList<>(keys.size());
        keys.forEach(k -> out.add(Checks.required(field + "[]", k)));
        return out;
    }

    private static void checkSize(String field, Collection<?> keys) {
        if (Checks.required(field, keys).size() > EmailStore.MAX_KEYS) {
            throw new InvalidValueException(field, keys.size() + " keys", "must be at most " + EmailStore.MAX_KEYS);
        }
    }
}
