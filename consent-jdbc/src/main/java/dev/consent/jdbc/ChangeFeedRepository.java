package dev.consent.jdbc;

import dev.consent.StoreException;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.store.ConsentStore.Change;
import dev.consent.store.ConsentStore.ChangeRead;
import dev.consent.store.ConsentStore.FeedCursor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
import java.util.concurrent.ThreadLocalRandom;

/**
 * The change feed: table {@code changes} (one row per changed subject: {@code feed_position}, the entry's number drawn
 * from an identity column or sequence when it is written; {@code read_position}, the position readers follow, NULL
 * until the entry is numbered; a random stamp that tells a reused position from the one a reader saw; the instant it
 * was written) and {@code feed_lock}, the one row that holds the last position handed out.
 *
 * <p>Writers insert entries with no read position and take no lock, so a host's transaction that wrote the feed holds
 * nothing that other writers wait for. Entries are numbered afterwards, by {@link #number}: in one short transaction
 * that holds the {@code feed_lock} row, the committed entries still without a position get the next positions, in
 * the order they were written. Only committed entries can be seen, hence numbered, and every numbering starts above
 * the positions of the one before, so an entry that commits late (drawn before, committed after another entry a
 * reader has passed) gets a position above every position handed out so far: a reader that follows positions never
 * skips it. Every method runs on the connection it is handed, inside the caller's transaction; none commits.
 */
final class ChangeFeedRepository {
    /** The most entries one numbering transaction numbers. */
    static final int NUMBERING_CHUNK = 10_000;

    private final Dialect dialect;
    private final String changes;
    private final String feedLock;
    private final String links;
    /** The newest numbered entry: position, stamp, subject. */
    private final String newestEntry;
    /** The channel writers notify on commit (PostgreSQL only), or null when notifications are off. */
    private final String channel;

    ChangeFeedRepository(Dialect dialect, String prefix, boolean notifications) {
        this.dialect = dialect;
        this.changes = prefix + "changes";
        this.feedLock = prefix + "feed_lock";
        this.links = prefix + "links";
        this.newestEntry = "SELECT read_position, stamp, subject FROM " + changes
                + " WHERE read_position IS NOT NULL ORDER BY read_position DESC LIMIT 1";
        // other nodes may listen even if this one cannot; databases without notifications ignore the channel
        this.channel = notifications ? changes : null;
    }

    /** The channel a listener of this feed listens on. */
    String channel() {
        return changes;
    }

    /** Asks the database to notify this feed's listeners when the caller's transaction commits (if notifications are on). */
    void notifyOnCommit(Connection c) throws SQLException {
        if (channel != null) {
            dialect.notifyChanges(c, channel);
        }
    }

    /**
     * Writes one entry per subject, not yet numbered, each with a fresh random stamp (never 0: "no stamp"). Takes no
     * lock: {@link #number} gives the entries their positions once they have committed.
     */
    void insert(Connection c, List<SubjectId> subjects, Instant writtenAt) throws SQLException {
        Dialect.FeedEntries entries = entries(subjects, writtenAt);
        dialect.insertChanges(c, changes, entries.subjects(), entries.stamps(), writtenAt);
    }

    /**
     * The entries {@link #insert} would write for {@code subjects}, each with a fresh random stamp, and the channel to
     * notify on commit (null when notifications are off), for a caller that writes them together with other rows
     * ({@link Dialect#writeAppend}).
     */
    Dialect.FeedEntries entries(List<SubjectId> subjects, Instant writtenAt) {
        List<String> keys = new ArrayList<>(subjects.size());
        subjects.forEach(s -> keys.add(s.value()));
        return new Dialect.FeedEntries(changes, keys, stamps(keys.size()), writtenAt, channel);
    }

    private static long[] stamps(int count) {
        long[] stamps = new long[count];
        for (int i = 0; i < stamps.length; i++) {
            long stamp;
            do {
                stamp = ThreadLocalRandom.current().nextLong();
            } while (stamp == 0);
            stamps[i] = stamp;
        }
        return stamps;
    }

    /** Whether a committed entry waits for its position (a cheap look-up, without the lock). */
    boolean hasUnnumbered(Connection c) throws SQLException {
        return Sql.queryOne(c, "SELECT feed_position FROM " + changes + " WHERE read_position IS NULL LIMIT 1",
                Sql.NO_PARAMETERS, rs -> rs.getLong(1)).isPresent();
    }

    /**
     * Numbers up to {@value #NUMBERING_CHUNK} committed entries that have no position yet, in {@code feed_position}
     * order, from the position after the last one handed out; returns how many it numbered. Holds the {@code feed_lock}
     * row {@code FOR UPDATE} until the caller commits, which must be at once: numberings run one at a time, and each
     * reads the entries after the one before committed (a statement after the lock was granted: a new snapshot under
     * READ COMMITTED, and MariaDB's first consistent read of the transaction). Call it in a transaction of its own,
     * never inside a host's transaction (the lock would last as long as the host's work).
     *
     * <p>An entry that names a linked visitor is a change of the customer too. The writer added the customer's entry
     * if the link had committed when it read the links; a link that committed after that read but before this
     * numbering is found here, and the customer gets an entry numbered with the visitor's. (A link that commits later
     * writes the customer's entry itself.)
     *
     * @throws StoreException naming {@code operation} when the lock row is missing (an incomplete schema)
     */
    int number(Connection c, String operation) throws SQLException {
        long last = Sql.queryOne(c, "SELECT last_position FROM " + feedLock + " WHERE id = 1 FOR UPDATE",
                Sql.NO_PARAMETERS, rs -> rs.getLong(1)).orElseThrow(() -> new StoreException(operation,
                        "the feed lock row (id 1) is missing from " + feedLock + "; the schema is incomplete: apply "
                        + "V1__consent.sql or let the store create its schema"));
        List<long[]> numbered = new ArrayList<>(); // {feed_position, read_position}
        Map<String, Instant> visitorsWrittenAt = new LinkedHashMap<>();
        Set<String> named = new HashSet<>();
        long next = last;
        try (PreparedStatement ps = c.prepareStatement("SELECT feed_position, subject, "
                + dialect.selectInstant("written_at") + " FROM " + changes
                + " WHERE read_position IS NULL ORDER BY feed_position LIMIT ?")) {
            ps.setInt(1, NUMBERING_CHUNK);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    numbered.add(new long[] {rs.getLong(1), ++next});
                    String subject = rs.getString(2);
                    named.add(subject);
                    if (VisitorId.from(SubjectId.of(subject)).isPresent()) {
                        visitorsWrittenAt.putIfAbsent(subject, dialect.getInstant(rs, 3));
                    }
                }
            }
        }
        if (numbered.isEmpty()) {
            return 0;
        }
        Sql.batch(c, "UPDATE " + changes + " SET read_position = ? WHERE feed_position = ?", numbered, (ps, n) -> {
            ps.setLong(1, n[1]);
            ps.setLong(2, n[0]);
        });
        next = numberCustomersOfVisitors(c, visitorsWrittenAt, named, next);
        long handedOut = next;
        Sql.update(c, "UPDATE " + feedLock + " SET last_position = ? WHERE id = 1", ps -> ps.setLong(1, handedOut));
        return numbered.size();
    }

    /**
     * Adds a numbered entry for each customer of the linked visitors among {@code visitorsWrittenAt} that the numbered
     * entries do not name already; returns the last position handed out.
     */
    private long numberCustomersOfVisitors(Connection c, Map<String, Instant> visitorsWrittenAt, Set<String> named,
            long last) throws SQLException {
        if (visitorsWrittenAt.isEmpty()) {
            return last;
        }
        Map<String, Instant> customers = new TreeMap<>();
        List<String> visitors = new ArrayList<>(visitorsWrittenAt.keySet());
        visitors.sort(null);
        for (List<String> chunk : Keys.chunks(visitors, dialect)) {
            for (String[] link : Sql.query(c, "SELECT visitor, customer FROM " + links + " WHERE "
                    + dialect.oneOf("visitor", chunk.size()), ps -> dialect.bindKeys(c, ps, 1, chunk),
                    rs -> new String[] {rs.getString(1), rs.getString(2)})) {
                if (!named.contains(link[1])) {
                    customers.putIfAbsent(link[1], visitorsWrittenAt.get(link[0]));
                }
            }
        }
        if (customers.isEmpty()) {
            return last;
        }
        List<Map.Entry<String, Instant>> rows = new ArrayList<>(customers.entrySet());
        long[] stamps = stamps(rows.size());
        long[] next = {last};
        int[] index = {0};
        Sql.batch(c, "INSERT INTO " + changes + " (subject, stamp, written_at, read_position) VALUES (?, ?, ?, ?)",
                rows, (ps, row) -> {
                    ps.setString(1, row.getKey());
                    ps.setLong(2, stamps[index[0]++]);
                    dialect.setInstant(ps, 3, row.getValue());
                    ps.setLong(4, ++next[0]);
                });
        return next[0];
    }

    /** The cursor of the newest entry, START when there is none. A legacy entry without a stamp reads as stamp 0. */
    FeedCursor newest(Connection c) throws SQLException {
        return Sql.queryOne(c, newestEntry, Sql.NO_PARAMETERS, rs -> new FeedCursor(rs.getLong(1), rs.getLong(2)))
                .orElse(FeedCursor.START);
    }

    /**
     * Up to {@code limit} numbered entries after {@code cursor}. One query reads the cursor's own entry together with
     * those after it ({@code read_position >= ?}), so the check costs no round trip; only a lost cursor costs a second
     * query, for the newest entry.
     */
    ChangeRead read(Connection c, FeedCursor cursor, int limit) throws SQLException {
        boolean check = cursor.position() > 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT read_position, subject, stamp FROM " + changes
                + " WHERE read_position " + (check ? ">=" : ">") + " ? ORDER BY read_position LIMIT ?")) {
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

    /**
     * Which of {@code sortedKeys} (subject ids) have a committed entry above {@code position} or not yet numbered, of
     * their own or of a visitor linked to them. A visitor's entry counts for its customer because the writer may have
     * read the links before the link committed, and the customer's own entry then waits for the numbering.
     */
    Set<SubjectId> changedSince(Connection c, long position, List<String> sortedKeys) throws SQLException {
        Set<SubjectId> changed = new LinkedHashSet<>();
        for (List<String> chunk : Keys.chunks(sortedKeys, dialect)) {
            changed.addAll(Sql.query(c, "SELECT DISTINCT subject FROM " + changes + " WHERE (read_position > ? OR "
                    + "read_position IS NULL) AND " + dialect.oneOf("subject", chunk.size()), ps -> {
                        ps.setLong(1, position);
                        dialect.bindKeys(c, ps, 2, chunk);
                    }, rs -> SubjectId.of(rs.getString(1))));
            changed.addAll(Sql.query(c, "SELECT DISTINCT l.customer FROM " + changes + " ch JOIN " + links
                    + " l ON ch.subject = l.visitor WHERE (ch.read_position > ? OR ch.read_position IS NULL) AND "
                    + dialect.oneOf("l.customer", chunk.size()), ps -> {
                        ps.setLong(1, position);
                        dialect.bindKeys(c, ps, 2, chunk);
                    }, rs -> SubjectId.of(rs.getString(1))));
        }
        return changed;
    }

    /** The most entries {@link #changedAmong} reads before it leaves the work to {@link #changedSince}. */
    static final int RECENT_LIMIT = 10_000;

    /**
     * As {@link #changedSince}, answered the other way round: the entries above {@code position} or not yet numbered
     * are read first (both through the {@code read_position} index, and few, since {@code position} was read just
     * before the decisions), in one query whatever the number of keys, and matched here against {@code keys}; the
     * customers of changed visitors are read only when a changed subject is not among the keys. More than {@link
     * #RECENT_LIMIT} such entries: {@link #changedSince} answers. A guard on a chunk of 1,000 keys is then one round
     * trip instead of two per {@link Dialect#chunkSize()} keys, each of which scans the feed for its keys.
     */
    Set<SubjectId> changedAmong(Connection c, long position, Set<String> keys) throws SQLException {
        List<String> recent = Sql.query(c, "SELECT subject FROM (SELECT subject FROM " + changes
                + " WHERE read_position > ? UNION ALL SELECT subject FROM " + changes + " WHERE read_position IS NULL)"
                + " recent LIMIT ?", ps -> {
                    ps.setLong(1, position);
                    ps.setInt(2, RECENT_LIMIT + 1);
                }, rs -> rs.getString(1));
        if (recent.size() > RECENT_LIMIT) {
            return changedSince(c, position, new ArrayList<>(new java.util.TreeSet<>(keys)));
        }
        Set<SubjectId> changed = new LinkedHashSet<>();
        Set<String> others = new java.util.TreeSet<>();
        for (String s : recent) {
            if (keys.contains(s)) {
                changed.add(SubjectId.of(s));
            } else {
                others.add(s);
            }
        }
        for (List<String> chunk : Keys.chunks(new ArrayList<>(others), dialect)) {
            for (String customer : Sql.query(c, "SELECT customer FROM " + links + " WHERE "
                    + dialect.oneOf("visitor", chunk.size()), ps -> dialect.bindKeys(c, ps, 1, chunk),
                    rs -> rs.getString(1))) {
                if (keys.contains(customer)) {
                    changed.add(SubjectId.of(customer));
                }
            }
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
        long lowest = Sql.queryOne(c, "SELECT MIN(read_position) FROM " + changes, Sql.NO_PARAMETERS,
                rs -> rs.getLong(1)).orElseThrow();
        long firstYoung = Sql.queryOne(c, "SELECT MIN(read_position) FROM " + changes + " WHERE written_at >= ?",
                ps -> dialect.setInstant(ps, 1, cutoff), rs -> {
                    long p = rs.getLong(1);
                    return rs.wasNull() ? 0L : p;
                }).orElse(0L);
        if (firstYoung > 0) {
            return new Prefix(lowest, firstYoung - 1);
        }
        return new Prefix(lowest, erased != null && erased.value().equals(newestSubject[0]) ? newest : newest - 1);
    }

    /** Deletes every numbered entry at or below {@code position}; returns how many. */
    long deleteThrough(Connection c, long position) throws SQLException {
        return Sql.update(c, "DELETE FROM " + changes + " WHERE read_position <= ?", ps -> ps.setLong(1, position));
    }

    /** How many entries name {@code subject} (a scan: no index on the subject, which pruning keeps short). */
    long count(Connection c, SubjectId subject) throws SQLException {
        return Sql.queryOne(c, "SELECT COUNT(*) FROM " + changes + " WHERE subject = ?",
                ps -> ps.setString(1, subject.value()), rs -> rs.getLong(1)).orElseThrow();
    }
}
