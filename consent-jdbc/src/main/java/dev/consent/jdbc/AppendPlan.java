package dev.consent.jdbc;

import dev.consent.StoreException;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.store.ConsentStore.AppendResult;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A batch of events grouped by subject, with what can be said about it before touching the database: ids repeated
 * within the batch, and chains the batch breaks by itself (a gap, a wrong previous hash, a new chain that does not
 * start from the genesis hash). Built once per append, before any connection is borrowed.
 */
final class AppendPlan {
    final List<ConsentEvent> events;
    final Map<SubjectId, Group> groups = new LinkedHashMap<>();
    final Set<EventId> duplicatesInBatch = new LinkedHashSet<>();
    final Set<SubjectId> brokenInBatch = new LinkedHashSet<>();

    AppendPlan(List<ConsentEvent> batch) {
        this.events = List.copyOf(batch);
        Set<EventId> ids = new HashSet<>();
        for (ConsentEvent e : events) {
            if (!ids.add(e.id())) {
                duplicatesInBatch.add(e.id());
            }
            groups.computeIfAbsent(e.subject(), Group::new).events.add(e);
        }
        for (Group g : groups.values()) {
            if (!g.linksWithin() || g.isNewChain() && !g.first().previousHash().equals(ConsentChain.GENESIS)) {
                brokenInBatch.add(g.subject);
            }
        }
    }

    /** Whether the batch contradicts itself, so that it is refused without writing. */
    boolean refusedAsIs() {
        return !duplicatesInBatch.isEmpty() || !brokenInBatch.isEmpty();
    }

    /** When the batch was recorded (its latest recorded-at): the write instant of its change-feed entries. */
    Instant latestRecordedAt() {
        Instant latest = events.get(0).recordedAt();
        for (ConsentEvent e : events) {
            if (e.recordedAt().isAfter(latest)) {
                latest = e.recordedAt();
            }
        }
        return latest;
    }

    /** The subjects' ids, sorted: the one order every append locks rows in, so two appends cannot deadlock. */
    List<String> sortedSubjectKeys() {
        TreeMap<String, SubjectId> sorted = new TreeMap<>();
        groups.keySet().forEach(s -> sorted.put(s.value(), s));
        return new ArrayList<>(sorted.keySet());
    }

    /**
     * The refusal for this batch: what it contradicts in itself, plus the heads that do not match the stored ones and
     * the event ids already stored, read now on {@code c}. {@code seen} are conflicts found inside the refused
     * transaction; they are kept even if the store has moved on since. With {@code newest}, the heads are read with a
     * locking read, which sees the newest committed heads at any isolation level: inside a host's transaction, which
     * was not rolled back, a plain read at REPEATABLE READ (MariaDB) would answer from the transaction's snapshot.
     *
     * @throws StoreException when a unique constraint refused the batch although nothing conflicts (a damaged store)
     */
    AppendResult conflicts(Connection c, Set<SubjectId> seen, LedgerRepository ledger) throws SQLException {
        return conflicts(c, seen, ledger, false);
    }

    AppendResult conflicts(Connection c, Set<SubjectId> seen, LedgerRepository ledger, boolean newest)
            throws SQLException {
        Set<SubjectId> headConflicts = new LinkedHashSet<>(brokenInBatch);
        headConflicts.addAll(seen);
        Map<SubjectId, ChainHead> stored = newest ? ledger.lockHeads(c, sortedSubjectKeys())
                : ledger.heads(c, sortedSubjectKeys());
        for (Group g : groups.values()) {
            if (!g.follows(stored.get(g.subject))) {
                headConflicts.add(g.subject);
            }
        }
        Set<EventId> duplicates = new LinkedHashSet<>(duplicatesInBatch);
        duplicates.addAll(ledger.storedEventIds(c, events.stream().map(e -> e.id().value()).distinct().toList()));
        if (headConflicts.isEmpty() && duplicates.isEmpty()) {
            // A unique constraint refused the batch, yet every head matches and no id is stored: the events
            // table holds rows its heads do not account for. Retrying cannot help; say what is wrong.
            throw new StoreException("append", "a unique constraint refused the batch although the chain heads "
                    + "match and no event id is stored: the events table of " + ledger.tablePrefix() + " holds events "
                    + "its heads do not record (a partial restore or manual edit?)");
        }
        return AppendResult.conflict(headConflicts, duplicates);
    }

    /** The events of one subject within a batch, in batch order. */
    static final class Group {
        final SubjectId subject;
        final List<ConsentEvent> events = new ArrayList<>();

        Group(SubjectId subject) {
            this.subject = subject;
        }

        ConsentEvent first() {
            return events.get(0);
        }

        ConsentEvent last() {
            return events.get(events.size() - 1);
        }

        boolean isNewChain() {
            return first().sequence() == 1;
        }

        /** The head row this group writes: from where its first event links on to its last event. */
        Dialect.HeadMove headMove() {
            return new Dialect.HeadMove(subject.value(), first().sequence() - 1, first().previousHash(),
                    last().sequence(), last().hash());
        }

        /** Whether the group starts right after {@code head} (and a new chain starts from nothing). */
        boolean follows(ChainHead head) {
            if (head == null) {
                return isNewChain() && first().previousHash().equals(ConsentChain.GENESIS);
            }
            return first().sequence() == head.sequence() + 1 && first().previousHash().equals(head.hash());
        }

        /** Whether the group's events link to each other: consecutive sequences, each on the previous hash. */
        boolean linksWithin() {
            for (int i = 1; i < events.size(); i++) {
                ConsentEvent prev = events.get(i - 1);
                ConsentEvent e = events.get(i);
                if (e.sequence() != prev.sequence() + 1 || !e.previousHash().equals(prev.hash())) {
                    return false;
                }
            }
            return true;
        }
    }
}
