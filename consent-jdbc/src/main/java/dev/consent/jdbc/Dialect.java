package dev.consent.jdbc;

import dev.consent.StoreException;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.ConsentEvent;
import dev.consent.store.Claim;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Everything that differs between the supported databases, and nothing else: where the DDL lives and the instant
 * column type, how an instant is bound and read, how a set of keys is passed to one query, how a keyset position is
 * written so the index serves it, how rows are locked and claimed, how bulk writes travel, how schema initializers on
 * several nodes keep out of each other's way, and whether changes are pushed. The defaults here are the way two of the
 * three databases share; {@link H2Dialect}, {@link PostgresDialect} and {@link MariaDbDialect} hold the rest. The
 * other SQL is written once, in the subset all three accept. Implementations are stateless and thread-safe.
 */
interface Dialect {
    /** The dialect of a supported database. */
    static Dialect of(Database database) {
        return switch (database) {
            case H2 -> new H2Dialect();
            case POSTGRESQL -> new PostgresDialect();
            case MARIADB -> new MariaDbDialect();
        };
    }

    /** The database this dialect speaks to. */
    Database database();

    // ------------------------------------------------------------------------------------------- schema

    /** The directory under {@code dev/consent/jdbc/schema/} holding this database's migrations. */
    String schemaDirectory();

    /** The column type that holds an instant to the microsecond. */
    default String instantColumnType() {
        return "TIMESTAMP(6) WITH TIME ZONE";
    }

    /**
     * Takes a session-level lock named {@code name} that outlives commits (DDL commits implicitly on MariaDB and H2,
     * so a row lock would not hold across a migration), waiting up to {@code timeoutSeconds}. A database without such
     * locks does nothing; the initializer then relies on its JVM-local lock and idempotent DDL.
     */
    default void lockSchema(Connection c, String name, int timeoutSeconds) throws SQLException {
    }

    /** Releases what {@link #lockSchema} took. */
    default void unlockSchema(Connection c, String name) throws SQLException {
    }

    // ------------------------------------------------------------------------------------------ instants

    /**
     * Binds an instant (or NULL). By default as an {@link OffsetDateTime} at UTC into {@code TIMESTAMP WITH TIME
     * ZONE}: the database keeps an absolute instant, so neither the JVM's default zone nor the session's time zone can
     * shift it (a {@link java.sql.Timestamp} would go through the JVM's default zone).
     */
    default void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
        ps.setObject(index, value == null ? null : value.atOffset(ZoneOffset.UTC));
    }

    /** The select-list expression that reads the instant column {@code column} for {@link #getInstant}. */
    default String selectInstant(String column) {
        return column;
    }

    /** The instant in result column {@code index} (selected by {@link #selectInstant}), or {@code null} for NULL. */
    default Instant getInstant(ResultSet rs, int index) throws SQLException {
        OffsetDateTime t = rs.getObject(index, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /**
     * An SQL expression for the database's current instant, comparable with the instant columns: the one clock that
     * sweeper leases are set and judged by, whichever node asks (nodes' clocks may disagree; the database's is one).
     * Within a transaction PostgreSQL and H2 give the transaction's start, MariaDB the statement's.
     */
    default String currentInstant() {
        return "CURRENT_TIMESTAMP";
    }

    /** The earliest instant the instant columns hold: year 1 (years before it need era handling in every driver). */
    default Instant minInstant() {
        return Instants.YEAR_1;
    }

    /** The latest instant the instant columns hold. */
    default Instant maxInstant() {
        return Instants.LAST;
    }

    // ------------------------------------------------------------------------------------- reads by key

    /** How many keys one query takes at most; larger sets are split into chunks of this size. */
    default int chunkSize() {
        return 500;
    }

    /** A condition that {@code column} equals one of {@code count} keys bound by {@link #bindKeys}. */
    default String oneOf(String column, int count) {
        return column + " IN (" + String.join(",", Collections.nCopies(count, "?")) + ")";
    }

    /** Binds keys for {@link #oneOf} starting at {@code index}; returns the next free index. */
    default int bindKeys(Connection c, PreparedStatement ps, int index, List<String> keys) throws SQLException {
        int i = index;
        for (String k : keys) {
            ps.setString(i++, k);
        }
        return i;
    }

    /** Binds the same keys for {@code times} {@link #oneOf} conditions in a row; returns the next free index. */
    default int bindKeys(Connection c, PreparedStatement ps, int index, List<String> keys, int times)
            throws SQLException {
        int i = index;
        for (int t = 0; t < times; t++) {
            i = bindKeys(c, ps, i, keys);
        }
        return i;
    }

    /**
     * The decision read of one subject: {@code union}, the portable statement taking the subject twice, or an
     * equivalent this database runs faster, with how many times it takes the subject.
     */
    default KeyedRead decisionOfOne(String union, String columns, String events, String links) {
        return new KeyedRead(union, 2);
    }

    /** A statement and how many times it binds its one key. */
    record KeyedRead(String sql, int keyParameters) {
    }

    // -------------------------------------------------------------------------------------------- paging

    /**
     * A condition that the row {@code columns} sorts after a position (keyset pagination), written so that this
     * database turns it into an index range: by default a row-value comparison {@code (a, b, c) > (?, ?, ?)}, which
     * PostgreSQL and H2 use as an index bound.
     */
    default Keyset after(List<String> columns) {
        String placeholders = String.join(", ", Collections.nCopies(columns.size(), "?"));
        int[] binds = new int[columns.size()];
        for (int i = 0; i < binds.length; i++) {
            binds[i] = i;
        }
        return new Keyset("(" + String.join(", ", columns) + ") > (" + placeholders + ")", binds);
    }

    /**
     * How the active items without a due instant are read, in key order, from the index {@code V13__undated_items.sql}
     * made for them. By default (H2, MariaDB) that index leads with the generated column {@code active_undated}, 1 for
     * such rows and NULL otherwise; it is bounded as a range ({@code <= 1}) and is part of the keyset, not an equality,
     * because MariaDB answers an equality on it with a ref scan from the start of the index instead of seeking to the
     * keyset position (as V3 found for the due index).
     */
    default UndatedScan undatedScan() {
        return new UndatedScan("active_undated <= 1", List.of("active_undated", "subject", "category", "purpose"));
    }

    /**
     * The condition selecting the undated items and the columns they are ordered and paged by, the index's own; a
     * keyset position binds 1 for {@code active_undated}.
     */
    record UndatedScan(String condition, List<String> columns) {
    }

    /**
     * A keyset condition: its SQL, and for each of its placeholders in order, the index of the column whose position
     * value it takes.
     */
    record Keyset(String sql, int[] binds) {
        /** Binds the position's values (one per column, in column order) from {@code index}; returns the next one. */
        int bind(PreparedStatement ps, int index, List<Binder> values) throws SQLException {
            int i = index;
            for (int column : binds) {
                values.get(column).bind(ps, i++);
            }
            return i;
        }
    }

    /** Binds one value to one placeholder. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement ps, int index) throws SQLException;
    }

    // ------------------------------------------------------------------------------------- locks, claims

    /**
     * Claims up to {@code limit} rows for a sweeper, in the table's claim order, in the steps {@code claiming} gives.
     * By default (PostgreSQL 9.5+, MariaDB 10.6+) one transaction picks the rows with {@code FOR UPDATE SKIP LOCKED},
     * which passes over rows another sweeper is claiming right now, and claims them.
     */
    default <R, K> List<K> claim(Transactions tx, Claiming<R, K> claiming, int limit) {
        return tx.inTransaction(claiming.operation(), c -> {
            List<R> picked = claiming.pick(c, limit, " FOR UPDATE SKIP LOCKED");
            return picked.isEmpty() ? Outcome.rollback(List.<K>of()) : Outcome.commit(claiming.claimLocked(c, picked));
        }, c -> {
            throw new StoreException(claiming.operation(), "a claim met a unique violation, which no claim can cause");
        });
    }

    /**
     * The steps of claiming rows of one table; {@link #claim} puts them together as its database does best. The
     * claim columns they write, not a held lock, make a claim exclusive, so a claim outlives its transaction.
     */
    interface Claiming<R, K> {
        /** The operation named in failures. */
        String operation();

        /** Reads up to {@code limit} claimable rows in claim order, the statement ending in {@code lockClause}. */
        List<R> pick(Connection c, int limit, String lockClause) throws SQLException;

        /** Claims rows this transaction picked and holds locked, in order: every update applies. */
        List<K> claimLocked(Connection c, List<R> picked) throws SQLException;

        /** Claims each of the rows read without locks if it is unchanged and still claimable; returns those won. */
        List<K> claimUnchanged(Connection c, List<R> candidates) throws SQLException;
    }

    /** Claims due retention items: by default as {@link #claim} does. */
    default List<Claim> claimDueItems(Transactions tx, ClaimRepository.DueClaims due, int limit) {
        return claim(tx, due, limit);
    }

    /** Writes token, owner and lease end into item rows this transaction holds locked, by default as JDBC batches. */
    default void writeItemClaims(Connection c, ClaimRepository.DueClaims due, List<Claim> claims) throws SQLException {
        due.writeInRows(c, claims);
    }

    /**
     * Applies a list of finished claims in this transaction; per finish whether its claim was held, or empty when a
     * batch's update counts were not reported. By default as JDBC batches of row statements.
     */
    default Optional<List<Boolean>> finishItemClaims(Connection c, ClaimRepository.Finishes finishes)
            throws SQLException {
        return finishes.inRows(c, true);
    }

    // ------------------------------------------------------------------------------------ ledger writes

    /**
     * A chain head an append writes: the subject's head moves from ({@code fromSeq}, {@code fromHash}) to
     * ({@code toSeq}, {@code toHash}); for a new chain the from-values are unused.
     */
    record HeadMove(String subject, long fromSeq, String fromHash, long toSeq, String toHash) {
    }

    /**
     * Inserts the events, all in this transaction, by default as JDBC batches of row inserts. A stored event id or
     * (subject, seq) fails with a unique violation.
     */
    default void insertEvents(Connection c, String table, List<ConsentEvent> events) throws SQLException {
        Sql.batch(c, EventRows.insert(table), events, (ps, e) -> EventRows.bind(ps, e, this));
    }

    /**
     * Inserts campaign recipients ({@link CampaignRecipientRepository#COLUMNS}, each row's values in that order), all
     * in this transaction; by default as multi-row {@code INSERT ... VALUES} statements of at most {@link
     * CampaignRecipientRepository#ROWS_PER_INSERT} rows, one round trip each. A row recorded already (or given twice)
     * fails with a unique violation.
     */
    default void insertCampaignRecipients(Connection c, String table,
            List<dev.consent.email.CampaignRecipient> rows) throws SQLException {
        int width = CampaignRecipientRepository.WIDTH;
        String row = "(" + String.join(", ", Collections.nCopies(width, "?")) + ")";
        for (int from = 0; from < rows.size(); from += CampaignRecipientRepository.ROWS_PER_INSERT) {
            List<dev.consent.email.CampaignRecipient> part = rows.subList(from,
                    Math.min(rows.size(), from + CampaignRecipientRepository.ROWS_PER_INSERT));
            Sql.update(c, "INSERT INTO " + table + " (" + CampaignRecipientRepository.COLUMNS + ") VALUES "
                    + String.join(", ", Collections.nCopies(part.size(), row)), ps -> {
                        int at = 0;
                        for (dev.consent.email.CampaignRecipient r : part) {
                            CampaignRecipientRepository.bind(ps, at, r, this);
                            at += width;
                        }
                    });
        }
    }

    /** Inserts the head rows of new chains; a subject that has one already fails with a unique violation. */
    default void insertHeads(Connection c, String table, List<HeadMove> heads) throws SQLException {
        Sql.batch(c, "INSERT INTO " + table + " (subject, seq, head_hash) VALUES (?, ?, ?)", heads, (ps, h) -> {
            ps.setString(1, h.subject());
            ps.setLong(2, h.toSeq());
            ps.setString(3, h.toHash());
        });
    }

    /**
     * Moves existing heads, each only if it still stands at its from-values (compare-and-set); returns the subjects
     * whose head did not.
     */
    default Set<String> moveHeads(Connection c, String table, List<HeadMove> moves) throws SQLException {
        int[] counts = Sql.batch(c, "UPDATE " + table + " SET seq = ?, head_hash = ?"
                + " WHERE subject = ? AND seq = ? AND head_hash = ?", moves, (ps, m) -> {
                    ps.setLong(1, m.toSeq());
                    ps.setString(2, m.toHash());
                    ps.setString(3, m.subject());
                    ps.setLong(4, m.fromSeq());
                    ps.setString(5, m.fromHash());
                });
        Set<String> notMoved = new LinkedHashSet<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) { // SUCCESS_NO_INFO (-2) from bulk protocols is accepted
                notMoved.add(moves.get(i).subject());
            }
        }
        return notMoved;
    }

    /**
     * Adds one change-feed entry per subject, positions in list order, each with its stamp ({@code stamps[i]} for
     * {@code subjects.get(i)}) and the instant it was written.
     */
    default void insertChanges(Connection c, String table, List<String> subjects, long[] stamps, Instant writtenAt)
            throws SQLException {
        int[] index = {0};
        Sql.batch(c, "INSERT INTO " + table + " (subject, stamp, written_at) VALUES (?, ?, ?)", subjects, (ps, s) -> {
            ps.setString(1, s);
            ps.setLong(2, stamps[index[0]++]);
            setInstant(ps, 3, writtenAt);
        });
    }

    /**
     * Change-feed entries to insert, not yet numbered: in {@code table}, one per subject in list order, {@code stamps[i]}
     * for {@code subjects.get(i)}, all written at {@code writtenAt}; and the channel to notify when the transaction
     * commits, or null when notifications are off.
     */
    record FeedEntries(String table, List<String> subjects, long[] stamps, Instant writtenAt, String channel) {
    }

    /**
     * What an append writes once its checks passed: in {@code heads}, the {@code moves} of continued chains
     * (compare-and-set) and the head rows of {@code created} chains; the {@code events} in {@code eventsTable}; the
     * change-feed {@code entries} and their notification.
     */
    record AppendRows(String heads, List<HeadMove> moves, List<HeadMove> created, String eventsTable,
            List<ConsentEvent> events, FeedEntries entries) {
    }

    /**
     * Writes an append's rows, all in this transaction; returns the subjects whose head did not stand at its
     * from-values (then the caller rolls back whatever was written). A head row that exists already, a stored event id
     * or (subject, seq) fails with a unique violation. By default one statement (or JDBC batch) per kind of row, in
     * this order: move the heads (stopping there if one did not move), insert the new heads, the events, queue the
     * notification, insert the feed entries.
     */
    default Set<String> writeAppend(Connection c, AppendRows rows) throws SQLException {
        if (!rows.moves().isEmpty()) {
            Set<String> notMoved = moveHeads(c, rows.heads(), rows.moves());
            if (!notMoved.isEmpty()) {
                return notMoved;
            }
        }
        if (!rows.created().isEmpty()) {
            insertHeads(c, rows.heads(), rows.created());
        }
        insertEvents(c, rows.eventsTable(), rows.events());
        FeedEntries f = rows.entries();
        if (f.channel() != null) {
            notifyChanges(c, f.channel());
        }
        insertChanges(c, f.table(), f.subjects(), f.stamps(), f.writtenAt());
        return Set.of();
    }

    /**
     * Whether a savepoint can be set and released in the text of the one statement it guards, sent in one round trip
     * ({@link Transactions.StatementSavepoint}). By default not: the savepoint is set and released by JDBC calls.
     */
    default boolean savepointsTravelWithStatements() {
        return false;
    }

    /**
     * Whether {@link #writeAppend(Connection, AppendRows, Transactions.StatementSavepoint)} writes an append of
     * {@code continued} continued chains, {@code events} events and at most {@code entries} feed entries in one atomic
     * statement that also sets and releases its savepoint. By default it cannot.
     */
    default boolean writesAppendInOneStatement(int continued, int events, int entries) {
        return false;
    }

    /**
     * As {@link #writeAppend(Connection, AppendRows)}, in one atomic statement that sets and releases
     * {@code savepoint} in its round trip, where {@link #writesAppendInOneStatement} said so; it writes nothing when a
     * head did not move.
     *
     * @throws IllegalStateException where this dialect cannot
     */
    default Set<String> writeAppend(Connection c, AppendRows rows, Transactions.StatementSavepoint savepoint)
            throws SQLException {
        if (savepoint == null) {
            return writeAppend(c, rows);
        }
        throw new IllegalStateException(this + " does not write an append in one statement with its savepoint");
    }

    // ----------------------------------------------------------------------------------- notifications

    /**
     * Within a transaction that wrote change-feed entries: asks the database to notify listeners of {@code channel}
     * when it commits. Databases without notifications do nothing.
     */
    default void notifyChanges(Connection c, String channel) throws SQLException {
    }

    /** The listener that pushes change notifications to {@link JdbcStore#onChanges}, or null when there is none. */
    default PostgresChangeListener changeListener(DataSource dataSource, String channel) {
        return null;
    }

    /**
     * The bounds of the instant columns, parsed once: every value written is checked against them, so parsing them per
     * call (as these methods once did) cost more than the rest of a sweep's per-item conversion.
     */
    final class Instants {
        static final Instant YEAR_1 = Instant.parse("0001-01-01T00:00:00Z");
        static final Instant YEAR_1000 = Instant.parse("1000-01-01T00:00:00Z");
        static final Instant LAST = Instant.parse("9999-12-31T23:59:59.999999Z");

        private Instants() {
        }
    }
}
