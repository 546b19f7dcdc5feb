package dev.consent.jdbc;

import dev.consent.StoreException;
import dev.consent.ledger.SubjectId;
import dev.consent.store.ConsentStore.Change;
import dev.consent.store.ConsentStore.ChangeRead;
import dev.consent.store.ConsentStore.FeedCursor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The change feed: table {@code changes} (one row per changed subject, its position drawn from an identity column or
 * sequence, a random stamp that tells a reused position from the one a reader saw, and the instant it was written)
 * and {@code feed_lock}, the one row every writer of the feed holds {@code FOR UPDATE} from drawing positions until it
 * commits, so positions become visible in position order. Every method runs on the connection it is handed, inside
 * the caller's transaction; none commits.
 */
final class ChangeFeedRepository {
    private final Dialect dialect;
    private final String changes;
    private final String feedLock;
    /** The newest entry: position, stamp, subject. */
    private final String newestEntry;
    /** The channel writers notify on commit (PostgreSQL only), or null when notifications are off. */
    private final String channel;

    ChangeFeedRepository(Dialect dialect, String prefix, boolean notifications) {
        this.dialect = dialect;
        this.changes = prefix + "changes";
        this.feedLock = prefix + "feed_lock";
        this.newestEntry = "SELECT feed_position, stamp, subject FROM " + changes
                + " ORDER BY feed_position DESC LIMIT 1";
        // other nodes may listen even if this one cannot; databases without notifications ignore the channel
        this.channel = notifications ? changes : null;
    }

    /** The channel a listener of this feed listens on. */
    String channel() {
        return changes;
    }

    /**
     * Takes the feed lock for writing ({@code FOR UPDATE}); held until the caller's transaction ends.
     *
     * @throws StoreException naming {@code operation} when the lock row is missing (an incomplete schema)
     */
    void lock(Connection c, String operation) throws SQLException {
        lockRow(c, operation, " FOR UPDATE");
    }

    /**
     * Takes the feed lock in shared mode ({@link Dialect#shareLock()}): no writer of the feed commits while it is held,
     * yet holders do not wait for each other (except on H2, which has no shared row locks).
     */
    void lockShared(Connection c, String operation) throws SQLException {
        lockRow(c, operation, dialect.shareLock());
    }

    private void lockRow(Connection c, String operation, String lockClause) throws SQLException {
        if (Sql.queryOne(c, "SELECT id FROM " + feedLock + " WHERE id = 1" + lockClause, Sql.NO_PARAMETERS,
                rs -> rs.getLong(1)).isEmpty()) {
            // Without the row there is no lock, and feed positions could become visible out of order.
            throw new StoreException(operation, "the feed lock row (id 1) is missing from " + feedLock
                    + "; the schema is incomplete: apply V1__consent.sql or let the store create its schema");
        }
    }

    /** Asks the database to notify this feed's listeners when the caller's transaction commits (if notifications are on). */
    void notifyOnCommit(Connection c) throws SQLException {
        if (channel != null) {
            dialect.notifyChanges(c, channel);
        }
    }

    /**
     * Writes one entry per subject, positions in list order, each with a fresh random stamp (never 0: "no stamp"). The
     * caller holds the feed lock.
     */
    void insert(Connection c, List<SubjectId> subjects, Instant writtenAt) throws SQLException {
        List<String> keys = new ArrayList<>(subjects.size());
        subjects.forEach(s -> keys.add(s.value()));
        long[] stamps = new long[keys.size()];
        for (int i = 0; i < stamps.length; i++) {
            long stamp;
            do {
                stamp = ThreadLocalRandom.current().nextLong();
            } while (stamp == 0);
            stamps[i] = stamp;
        }
        dialect.insertChanges(c, changes, keys, stamps, writtenAt);
    }

    /** The cursor of the newest entry, START when there is none. A legacy entry without a stamp reads as stamp 0. */
    FeedCursor newest(Connection c) throws SQLException {
        return Sql.queryOne(c, newestEntry, Sql.NO_PARAMETERS, rs -> new FeedCursor(rs.getLong(1), rs.getLong(2)))
                .orElse(FeedCursor.START);
    }

    /**
     * Up to {@code limit} entries after {@code cursor}. One query reads the cursor's own entry together with those
     * after it ({@code feed_position >= ?}), so the check costs no round trip; only a lost cursor costs a second
     * query, for the newest entry.
     */
    ChangeRead read(Connection c, FeedCursor cursor, int limit) throws SQLException {
        boolean check = cursor.position() > 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT feed_position, subject, stamp FROM " + changes
                + " WHERE feed_position " + (check ? ">=" : ">") + " ? ORDER BY feed_position LIMIT ?")) {
            ps.setLong(1, cursor.position());
            ps.setInt(2, (int) Math.min(Integer.MAX_VALUE, limit + (check ? 1L : 0L)));
            List<Change> out = new ArrayList<>();
            FeedCursor next = cursor;
            try (ResultSet rs = ps.executeQuery()) {
                if (check) {
                    if (!rs.next() || !new FeedCursor(rs.getLong(1), rs.getLong(3)).equals(cursor)) {
                        rs.close();
                        return ChangeRead.lost(newest(c));
                    }
                }
                while (out.size() < limit && rs.next()) {
                    out.add(new Change(rs.getLong(1), SubjectId.of(rs.getString(2))));
                    next = new FeedCursor(rs.getLong(1), rs.getLong(3));
                }
            }
            return ChangeRead.continued(out, next);
        }
    }

    /** Which of {@code sortedKeys} (subject ids) have an entry above {@code position}. */
    Set<SubjectId> changedSince(Connection c, long position, List<String> sortedKeys) throws SQLException {
        Set<SubjectId> changed = new LinkedHashSet<>();
        for (List<String> chunk : Keys.chunks(sortedKeys, dialect)) {
            changed.addAll(Sql.query(c, "SELECT DISTINCT subject FROM " + changes + " WHERE feed_position > ? AND "
                    + dialect.oneOf("subject", chunk.size()), ps -> {
                        ps.setLong(1, position);
                        dialect.bindKeys(c, ps, 2, chunk);
                    }, rs -> SubjectId.of(rs.getString(1))));
        }
        return changed;
    }

    /** The positions an old prefix of the feed spans, lowest to last, both to be deleted. */
    record Prefix(long lowest, long last) {
        boolean isEmpty() {
            return last < lowest;
        }
    }

    /**
     * The prefix of entries before the first one written at or after {@code cutoff} (a scan of the entries before it:
     * the table has no index on the write instant, and pruning keeps it short), or null when the feed is empty. When
     * every entry is old, the newest stays unless it names {@code erased} (readers at it then notice).
     */
    Prefix oldPrefix(Connection c, Instant cutoff, SubjectId erased) throws SQLException {
        String[] newestSubject = new String[1];
        long newest = Sql.queryOne(c, newestEntry, Sql.NO_PARAMETERS, rs -> {
            newestSubject[0] = rs.getString(3);
            return rs.getLong(1);
        }).orElse(-1L);
        if (newest < 0) {
            return null;
        }
        long lowest = Sql.queryOne(c, "SELECT MIN(feed_position) FROM " + changes, Sql.NO_PARAMETERS,
                rs -> rs.getLong(1)).orElseThrow();
        long firstYoung = Sql.queryOne(c, "SELECT MIN(feed_position) FROM " + changes + " WHERE written_at >= ?",
                ps -> dialect.setInstant(ps, 1, cutoff), rs -> {
                    long p = rs.getLong(1);
                    return rs.wasNull() ? 0L : p;
                }).orElse(0L);
        if (firstYoung > 0) {
            return new Prefix(lowest, firstYoung - 1);
        }
        return new Prefix(lowest, erased != null && erased.value().equals(newestSubject[0]) ? newest : newest - 1);
    }

    /** Deletes every entry at or below {@code position}; returns how many. */
    long deleteThrough(Connection c, long position) throws SQLException {
        return Sql.update(c, "DELETE FROM " + changes + " WHERE feed_position <= ?", ps -> ps.setLong(1, position));
    }

    /** How many entries name {@code subject} (a scan: no index on the subject, which pruning keeps short). */
    long count(Connection c, SubjectId subject) throws SQLException {
        return Sql.queryOne(c, "SELECT COUNT(*) FROM " + changes + " WHERE subject = ?",
                ps -> ps.setString(1, subject.value()), rs -> rs.getLong(1)).orElseThrow();
    }
}
