package dev.consent.jdbc;

import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.Evidence;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything that differs between the supported databases, and nothing else: where the DDL lives, how
 * an instant is bound and read, the instants a column can hold, how a set of keys is passed to one
 * query, how schema initializers on several nodes keep out of each other's way, how a keyset position is
 * written so the index serves it, how sweepers claim rows, and whether changes are pushed. The rest of the SQL
 * is written once, in the subset all three accept (db-scheduler's {@code JdbcCustomization} idea). Stateless and
 * thread-safe.
 */
abstract class JdbcCustomization {
    /** The most rows one JDBC batch or one multi-row statement carries. */
    static final int INSERT_BATCH = 1_000;
    private static final Instant YEAR_1 = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant YEAR_1000 = Instant.parse("1000-01-01T00:00:00Z");
    private static final Instant END_OF_9999 = Instant.parse("9999-12-31T23:59:59.999999Z");

    static JdbcCustomization of(Dialect dialect) {
        return switch (dialect) {
            case H2 -> new OffsetDateTimeDialect(dialect, "h2", "TIMESTAMP(6) WITH TIME ZONE");
            case POSTGRESQL -> new Postgres();
            case MARIADB -> new MariaDb();
        };
    }

    private final Dialect dialect;

    private JdbcCustomization(Dialect dialect) {
        this.dialect = dialect;
    }

    final Dialect dialect() {
        return dialect;
    }

    /** The directory under {@code dev/consent/jdbc/schema/} holding this database's migrations. */
    abstract String schemaDirectory();

    /** The column type that holds an instant to the microsecond. */
    abstract String instantColumnType();

    abstract void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException;

    /** The select-list expression that reads the instant column {@code column} for {@link #getInstant}. */
    String selectInstant(String column) {
        return column;
    }

    /** The instant in result column {@code index} (selected by {@link #selectInstant}), or {@code null} for NULL. */
    abstract Instant getInstant(ResultSet rs, int index) throws SQLException;

    /**
     * An SQL expression for the database's current instant, comparable with the instant columns: the one clock that
     * sweeper leases are set and judged by, whichever node asks (nodes' clocks may disagree; the database's is one).
     * Within a transaction PostgreSQL and H2 give the transaction's start, MariaDB the statement's.
     */
    String currentInstant() {
        return "CURRENT_TIMESTAMP";
    }

    /** The earliest instant the instant columns hold. */
    abstract Instant minInstant();

    /** The latest instant the instant columns hold. */
    Instant maxInstant() {
        return END_OF_9999;
    }

    /** How many keys one query takes at most; larger sets are split into chunks of this size. */
    int chunkSize() {
        return 500;
    }

    /** A condition that {@code column} equals one of {@code count} keys bound by {@link #bindKeys}. */
    String oneOf(String column, int count) {
        return column + " IN (" + String.join(",", Collections.nCopies(count, "?")) + ")";
    }

    /** Binds keys for {@link #oneOf} starting at {@code index}; returns the next free index. */
    int bindKeys(Connection c, PreparedStatement ps, int index, List<String> keys) throws SQLException {
        int i = index;
        for (String k : keys) {
            ps.setString(i++, k);
        }
        return i;
    }

    /**
     * Binds the same keys for {@code times} {@link #oneOf} conditions in a row, starting at {@code index}; returns
     * the next free index.
     */
    int bindKeys(Connection c, PreparedStatement ps, int index, List<String> keys, int times) throws SQLException {
        int i = index;
        for (int t = 0; t < times; t++) {
            i = bindKeys(c, ps, i, keys);
        }
        return i;
    }

    /**
     * Takes a session-level lock named {@code name} that outlives commits (DDL commits implicitly on MariaDB and
     * H2, so a row lock would not hold across a migration), waiting up to {@code timeoutSeconds}. A database
     * without such locks does nothing; the initializer then relies on its JVM-local lock and idempotent DDL.
     */
    void lockSchema(Connection c, String name, int timeoutSeconds) throws SQLException {
    }

    /** Releases what {@link #lockSchema} took. */
    void unlockSchema(Connection c, String name) throws SQLException {
    }

    /**
     * A condition that the row {@code columns} sorts after a position (keyset pagination), written so that this
     * database turns it into an index range: a row-value comparison {@code (a, b, c) > (?, ?, ?)}, which
     * PostgreSQL and H2 use as an index bound.
     */
    Keyset after(List<String> columns) {
        String placeholders = String.join(", ", Collections.nCopies(columns.size(), "?"));
        int[] binds = new int[columns.size()];
        for (int i = 0; i < binds.length; i++) {
            binds[i] = i;
        }
        return new Keyset("(" + String.join(", ", columns) + ") > (" + placeholders + ")", binds);
    }

    /**
     * The clause that makes a {@code SELECT} lock the rows it reads in shared mode, so that readers holding it run
     * side by side while a writer's {@code FOR UPDATE} waits for them (the processing log's guard on the feed lock).
     * H2 2.3 has no shared row locks: {@code FOR UPDATE}, which serialises those readers too.
     */
    String shareLock() {
        return " FOR UPDATE";
    }

    /**
     * How the active items without a due instant (the items no rule has due) are read, in key order, from the index
     * {@code V13__undated_items.sql} made for them. On H2 and MariaDB that index leads with the generated column
     * {@code active_undated}, 1 for such rows and NULL otherwise; it is bounded as a range ({@code <= 1}) and is part of
     * the keyset, not an equality, because MariaDB answers an equality on it with a ref scan from the start of the index
     * instead of seeking to the keyset position (as V3 found for the due index).
     */
    UndatedScan undatedScan() {
        return new UndatedScan("active_undated <= 1", List.of("active_undated", "subject", "category", "purpose"));
    }

    /**
     * The condition selecting the undated items and the columns they are ordered and paged by, the index's own; a
     * keyset position binds 1 for {@code active_undated}.
     */
    record UndatedScan(String condition, List<String> columns) {
    }

    /**
     * Whether {@code SELECT ... ORDER BY ... LIMIT n FOR UPDATE SKIP LOCKED} returns the first n rows that are not
     * locked (PostgreSQL 9.5+, MariaDB 10.6+). H2 2.3 accepts the syntax but applies the limit before skipping, so
     * a second sweeper gets nothing while the first holds its batch; H2 claims optimistically instead.
     */
    boolean skipsLockedRows() {
        return false;
    }

    /**
     * Whether bulk writes travel as one statement over array parameters per chunk ({@code UPDATE ... FROM unnest},
     * {@code INSERT ... SELECT FROM unnest}) instead of JDBC batches of row statements; instants in such arrays are
     * text made by {@link #arrayInstant}.
     */
    boolean writesArrays() {
        return false;
    }

    /** An instant as an array element for {@link #writesArrays}: text with an explicit UTC offset, or null. */
    static String arrayInstant(Instant t) {
        return t == null ? null : Postgres.utcText(t);
    }

    /**
     * Within a transaction that wrote change-feed entries: asks the database to notify listeners of
     * {@code channel} when it commits. Databases without notifications do nothing.
     */
    void notifyChanges(Connection c, String channel) throws SQLException {
    }

    /**
     * A chain head an append writes: the subject's head moves from ({@code fromSeq}, {@code fromHash}) to
     * ({@code toSeq}, {@code toHash}); for a new chain the from-values are unused.
     */
    record HeadMove(String subject, long fromSeq, String fromHash, long toSeq, String toHash) {
    }

    /**
     * Inserts the events, all in this transaction. By default one JDBC batch of row inserts per
     * {@link #INSERT_BATCH} events. A stored event id or (subject, seq) fails with a unique violation.
     */
    void insertEvents(Connection c, String table, List<ConsentEvent> events) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(EventRows.insert(table))) {
            int pending = 0;
            for (ConsentEvent e : events) {
                EventRows.bind(ps, e, this);
                ps.addBatch();
                if (++pending == INSERT_BATCH) {
                    ps.executeBatch();
                    pending = 0;
                }
            }
            if (pending > 0) {
                ps.executeBatch();
            }
        }
    }

    /** Inserts the head rows of new chains; a subject that has one already fails with a unique violation. */
    void insertHeads(Connection c, String table, List<HeadMove> heads) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                + " (subject, seq, head_hash) VALUES (?, ?, ?)")) {
            for (HeadMove h : heads) {
                ps.setString(1, h.subject());
                ps.setLong(2, h.toSeq());
                ps.setString(3, h.toHash());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Moves existing heads, each only if it still stands at its from-values (compare-and-set); returns the subjects
     * whose head did not.
     */
    Set<String> moveHeads(Connection c, String table, List<HeadMove> moves) throws SQLException {
        Set<String> notMoved = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                + " SET seq = ?, head_hash = ? WHERE subject = ? AND seq = ? AND head_hash = ?")) {
            for (HeadMove m : moves) {
                ps.setLong(1, m.toSeq());
                ps.setString(2, m.toHash());
                ps.setString(3, m.subject());
                ps.setLong(4, m.fromSeq());
                ps.setString(5, m.fromHash());
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            for (int i = 0; i < counts.length && i < moves.size(); i++) {
                if (counts[i] == 0) { // SUCCESS_NO_INFO (-2) from bulk protocols is accepted
                    notMoved.add(moves.get(i).subject());
                }
            }
        }
        return notMoved;
    }

    /**
     * Adds one change-feed entry per subject, positions in list order, each with its stamp ({@code stamps[i]} for
     * {@code subjects.get(i)}) and the instant it was written.
     */
    void insertChanges(Connection c, String table, List<String> subjects, long[] stamps, Instant writtenAt)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                + " (subject, stamp, written_at) VALUES (?, ?, ?)")) {
            for (int i = 0; i < subjects.size(); i++) {
                ps.setString(1, subjects.get(i));
                ps.setLong(2, stamps[i]);
                setInstant(ps, 3, writtenAt);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The listener that pushes change notifications to {@link JdbcStore#onChanges}, or null when there is none. */
    PostgresChangeListener changeListener(javax.sql.DataSource dataSource, String channel) {
        return null;
    }

    /**
     * A keyset condition: its SQL, and for each of its placeholders in order, the index of the column whose
     * position value it takes.
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

    @Override
    public String toString() {
        return dialect.name();
    }

    /**
     * Instants as {@code TIMESTAMP WITH TIME ZONE} bound and read as {@link OffsetDateTime} at UTC: the
     * database keeps an absolute instant, so neither the JVM's default zone nor the session's time zone
     * can shift it (a {@link java.sql.Timestamp} would go through the JVM's default zone).
     */
    private static class OffsetDateTimeDialect extends JdbcCustomization {
        private final String directory;
        private final String instantType;

        OffsetDateTimeDialect(Dialect dialect, String directory, String instantType) {
            super(dialect);
            this.directory = directory;
            this.instantType = instantType;
        }

        @Override
        String schemaDirectory() {
            return directory;
        }

        @Override
        String instantColumnType() {
            return instantType;
        }

        @Override
        void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
            ps.setObject(index, value == null ? null : value.atOffset(ZoneOffset.UTC));
        }

        @Override
        Instant getInstant(ResultSet rs, int index) throws SQLException {
            OffsetDateTime t = rs.getObject(index, OffsetDateTime.class);
            return t == null ? null : t.toInstant();
        }

        @Override
        Instant minInstant() {
            // Both go further back, but years before 1 need era handling in every driver; no consent is that old.
            return YEAR_1;
        }
    }

    /** PostgreSQL: a set of keys travels as one {@code text[]} parameter, so every chunk is the same statement. */
    private static final class Postgres extends OffsetDateTimeDialect {
        Postgres() {
            super(Dialect.POSTGRESQL, "postgresql", "TIMESTAMP(6) WITH TIME ZONE");
        }

        @Override
        String shareLock() {
            return " FOR SHARE";
        }

        @Override
        int chunkSize() {
            // One array parameter, not one parameter per key: the limit is result size, not the protocol's
            // 32767 bind parameters.
            return 5_000;
        }

        /*
         * One key is compared with "= ?", not "= ANY(?)": the server plans "= ANY($1)" afresh on every execution
         * (its generic plan, costed for an array of unknown length, never beats the custom one), which took ~0.1 ms
         * of planning per single-subject lookup, more than the lookup itself. "= $1" gets a cached generic plan
         * after five executions. A cache-miss check reads one subject, so this is its common case.
         */
        @Override
        String oneOf(String column, int count) {
            return count == 1 ? column + " = ?" : column + " = ANY(?)";
        }

        /** The predicate of the partial index {@code items_undated_ix}, word for word, so the planner matches it. */
        @Override
        UndatedScan undatedScan() {
            return new UndatedScan("state = 'ACTIVE' AND due_at IS NULL", List.of("subject", "category", "purpose"));
        }

        @Override
        int bindKeys(Connection c, PreparedStatement ps, int index, List<String> keys) throws SQLException {
            if (keys.size() == 1) {
                ps.setString(index, keys.get(0));
                return index + 1;
            }
            Array array = c.createArrayOf("text", keys.toArray());
            ps.setArray(index, array);
            return index + 1;
        }

        /** One array, encoded once, for every condition: encoding (quoting every key) is most of binding's cost. */
        @Override
        int bindKeys(Connection c, PreparedStatement ps, int index, List<String> keys, int times) throws SQLException {
            if (keys.size() == 1) {
                return super.bindKeys(c, ps, index, keys, times);
            }
            Array array = c.createArrayOf("text", keys.toArray());
            for (int t = 0; t < times; t++) {
                ps.setArray(index + t, array);
            }
            return index + times;
        }

        @Override
        void lockSchema(Connection c, String name, int timeoutSeconds) throws SQLException {
            // pg_advisory_lock waits without a limit of its own; lock_timeout bounds the wait for this session.
            try (Statement s = c.createStatement()) {
                s.execute("SET lock_timeout = '" + timeoutSeconds + "s'");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
                ps.setLong(1, advisoryKey(name));
                ps.executeQuery().close();
            } finally {
                try (Statement s = c.createStatement()) {
                    s.execute("RESET lock_timeout");
                }
            }
        }

        @Override
        void unlockSchema(Connection c, String name) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                ps.setLong(1, advisoryKey(name));
                ps.executeQuery().close();
            }
        }

        @Override
        boolean skipsLockedRows() {
            return true;
        }

        @Override
        void notifyChanges(Connection c, String channel) throws SQLException {
            // delivered when (and only if) the transaction commits; several in one transaction arrive as one
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, '')")) {
                ps.setString(1, channel);
                ps.executeQuery().close();
            }
        }

        @Override
        PostgresChangeListener changeListener(javax.sql.DataSource dataSource, String channel) {
            return new PostgresChangeListener(dataSource, channel);
        }

        /*
         * Bulk writes travel as one statement over array parameters (INSERT ... SELECT FROM unnest(...)): the server
         * plans and executes one statement per chunk instead of one per row, which is what a JDBC batch of row
         * inserts costs here (the driver pipelines the rows, but each is still its own execution). Instants travel
         * as text with an explicit UTC offset, which the server parses exactly whatever the session's TimeZone.
         */
        private static final DateTimeFormatter UTC_TEXT = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS'+00'");

        @Override
        void insertEvents(Connection c, String table, List<ConsentEvent> events) throws SQLException {
            String sql = "INSERT INTO " + table + " (" + String.join(", ", EventRows.COLUMNS) + ") SELECT * FROM unnest("
                    + "?::text[], ?::int8[], ?::text[], ?::text[], ?::int4[], ?::text[], ?::text[], "
                    + "?::timestamptz[], ?::timestamptz[], ?::timestamptz[], ?::text[], ?::text[], ?::int2[], "
                    + "?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int from = 0; from < events.size(); from += chunkSize()) {
                    List<ConsentEvent> chunk = events.subList(from, Math.min(events.size(), from + chunkSize()));
                    int n = chunk.size();
                    String[] subject = new String[n];
                    Long[] seq = new Long[n];
                    String[] eventId = new String[n];
                    String[] purpose = new String[n];
                    Integer[] consentVersion = new Integer[n];
                    String[] policyVersion = new String[n];
                    String[] choice = new String[n];
                    String[] occurredAt = new String[n];
                    String[] recordedAt = new String[n];
                    String[] expiresAt = new String[n];
                    String[] method = new String[n];
                    String[] actor = new String[n];
                    Short[] declaredAge = new Short[n];
                    String[] noticeId = new String[n];
                    String[] noticeHash = new String[n];
                    String[] locale = new String[n];
                    String[] userAgent = new String[n];
                    String[] ip = new String[n];
                    String[] reference = new String[n];
                    String[] previousHash = new String[n];
                    String[] hash = new String[n];
                    for (int i = 0; i < n; i++) {
                        ConsentEvent e = chunk.get(i);
                        subject[i] = e.subject().value();
                        seq[i] = e.sequence();
                        eventId[i] = e.id().value();
                        purpose[i] = e.purpose().value();
                        consentVersion[i] = e.consentVersion();
                        policyVersion[i] = e.policyVersion();
                        choice[i] = e.choice().name();
                        occurredAt[i] = utcText(e.occurredAt());
                        recordedAt[i] = utcText(e.recordedAt());
                        expiresAt[i] = e.expiresAt().map(Postgres::utcText).orElse(null);
                        method[i] = e.method().name();
                        actor[i] = e.actor().name();
                        declaredAge[i] = e.declaredAge().isPresent() ? (short) e.declaredAge().getAsInt() : null;
                        Evidence ev = e.evidence();
                        noticeId[i] = ev.noticeId();
                        noticeHash[i] = ev.noticeHash();
                        locale[i] = ev.locale();
                        userAgent[i] = ev.userAgent();
                        ip[i] = ev.ip();
                        reference[i] = ev.reference();
                        previousHash[i] = e.previousHash();
                        hash[i] = e.hash();
                    }
                    int p = 1;
                    ps.setArray(p++, c.createArrayOf("text", subject));
                    ps.setArray(p++, c.createArrayOf("int8", seq));
                    ps.setArray(p++, c.createArrayOf("text", eventId));
                    ps.setArray(p++, c.createArrayOf("text", purpose));
                    ps.setArray(p++, c.createArrayOf("int4", consentVersion));
                    ps.setArray(p++, c.createArrayOf("text", policyVersion));
                    ps.setArray(p++, c.createArrayOf("text", choice));
                    ps.setArray(p++, c.createArrayOf("text", occurredAt));
                    ps.setArray(p++, c.createArrayOf("text", recordedAt));
                    ps.setArray(p++, c.createArrayOf("text", expiresAt));
                    ps.setArray(p++, c.createArrayOf("text", method));
                    ps.setArray(p++, c.createArrayOf("text", actor));
                    ps.setArray(p++, c.createArrayOf("int2", declaredAge));
                    ps.setArray(p++, c.createArrayOf("text", noticeId));
                    ps.setArray(p++, c.createArrayOf("text", noticeHash));
                    ps.setArray(p++, c.createArrayOf("text", locale));
                    ps.setArray(p++, c.createArrayOf("text", userAgent));
                    ps.setArray(p++, c.createArrayOf("text", ip));
                    ps.setArray(p++, c.createArrayOf("text", reference));
                    ps.setArray(p++, c.createArrayOf("text", previousHash));
                    ps.setArray(p, c.createArrayOf("text", hash));
                    ps.executeUpdate();
                }
            }
        }

        @Override
        boolean writesArrays() {
            return true;
        }

        private static String utcText(Instant t) {
            return UTC_TEXT.format(LocalDateTime.ofInstant(t, ZoneOffset.UTC));
        }

        @Override
        void insertHeads(Connection c, String table, List<HeadMove> heads) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                    + " (subject, seq, head_hash) SELECT * FROM unnest(?::text[], ?::int8[], ?::text[])")) {
                for (int from = 0; from < heads.size(); from += chunkSize()) {
                    List<HeadMove> chunk = heads.subList(from, Math.min(heads.size(), from + chunkSize()));
                    ps.setArray(1, c.createArrayOf("text", chunk.stream().map(HeadMove::subject).toArray()));
                    ps.setArray(2, c.createArrayOf("int8", chunk.stream().map(HeadMove::toSeq).toArray()));
                    ps.setArray(3, c.createArrayOf("text", chunk.stream().map(HeadMove::toHash).toArray()));
                    ps.executeUpdate();
                }
            }
        }

        @Override
        Set<String> moveHeads(Connection c, String table, List<HeadMove> moves) throws SQLException {
            Set<String> notMoved = new LinkedHashSet<>();
            moves.forEach(m -> notMoved.add(m.subject()));
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " h SET seq = m.to_seq, head_hash = "
                    + "m.to_hash FROM unnest(?::text[], ?::int8[], ?::text[], ?::int8[], ?::text[]) "
                    + "AS m(subject, from_seq, from_hash, to_seq, to_hash) "
                    + "WHERE h.subject = m.subject AND h.seq = m.from_seq AND h.head_hash = m.from_hash "
                    + "RETURNING h.subject")) {
                for (int from = 0; from < moves.size(); from += chunkSize()) {
                    List<HeadMove> chunk = moves.subList(from, Math.min(moves.size(), from + chunkSize()));
                    ps.setArray(1, c.createArrayOf("text", chunk.stream().map(HeadMove::subject).toArray()));
                    ps.setArray(2, c.createArrayOf("int8", chunk.stream().map(HeadMove::fromSeq).toArray()));
                    ps.setArray(3, c.createArrayOf("text", chunk.stream().map(HeadMove::fromHash).toArray()));
                    ps.setArray(4, c.createArrayOf("int8", chunk.stream().map(HeadMove::toSeq).toArray()));
                    ps.setArray(5, c.createArrayOf("text", chunk.stream().map(HeadMove::toHash).toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            notMoved.remove(rs.getString(1));
                        }
                    }
                }
            }
            return notMoved;
        }

        @Override
        void insertChanges(Connection c, String table, List<String> subjects, long[] stamps, Instant writtenAt)
                throws SQLException {
            if (subjects.size() == 1) {
                super.insertChanges(c, table, subjects, stamps, writtenAt);
                return;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (subject, stamp, written_at)"
                    + " SELECT s, st, ? FROM unnest(?::text[], ?::int8[]) WITH ORDINALITY AS f(s, st, n) ORDER BY n")) {
                for (int from = 0; from < subjects.size(); from += chunkSize()) {
                    int to = Math.min(subjects.size(), from + chunkSize());
                    Long[] chunkStamps = new Long[to - from];
                    for (int i = from; i < to; i++) {
                        chunkStamps[i - from] = stamps[i];
                    }
                    setInstant(ps, 1, writtenAt);
                    ps.setArray(2, c.createArrayOf("text", subjects.subList(from, to).toArray()));
                    ps.setArray(3, c.createArrayOf("int8", chunkStamps));
                    ps.executeUpdate();
                }
            }
        }

        /** A stable 64-bit key for the lock name: the first 8 bytes of its SHA-256. */
        private static long advisoryKey(String name) {
            try {
                byte[] d = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
                return ByteBuffer.wrap(d).getLong();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required of every Java platform", e);
            }
        }
    }

    /**
     * MariaDB (and MySQL): instants in {@code DATETIME(6)} holding UTC wall-clock time. DATETIME is never
     * converted by the session {@code time_zone} (TIMESTAMP is, and ends in 2038). Values cross the driver as
     * text, formatted and parsed here and by the server: MariaDB Connector/J 3.5 decodes a DATETIME through
     * the JVM's default zone (even for {@code getString} and {@code getObject(LocalDateTime.class)}), so a
     * UTC wall-clock time that falls in a local DST gap comes back an hour late (2018-11-04 00:30 read as
     * 01:30 in America/Sao_Paulo). The time-zone test catches exactly that.
     */
    private static final class MariaDb extends JdbcCustomization {
        private static final DateTimeFormatter WRITE = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");
        private static final DateTimeFormatter READ = new DateTimeFormatterBuilder()
                .appendPattern("uuuu-MM-dd HH:mm:ss")
                .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
                .toFormatter();

        MariaDb() {
            super(Dialect.MARIADB);
        }

        @Override
        String shareLock() {
            return " LOCK IN SHARE MODE";
        }

        @Override
        String schemaDirectory() {
            return "mariadb";
        }

        @Override
        String instantColumnType() {
            return "DATETIME(6)";
        }

        @Override
        void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
            if (value == null) {
                ps.setNull(index, Types.VARCHAR);
            } else {
                ps.setString(index, WRITE.format(LocalDateTime.ofInstant(value, ZoneOffset.UTC)));
            }
        }

        @Override
        String selectInstant(String column) {
            return "DATE_FORMAT(" + column + ", '%Y-%m-%d %H:%i:%s.%f')";
        }

        @Override
        Instant getInstant(ResultSet rs, int index) throws SQLException {
            String t = rs.getString(index);
            return t == null ? null : LocalDateTime.parse(t, READ).toInstant(ZoneOffset.UTC);
        }

        @Override
        Instant minInstant() {
            return YEAR_1000; // DATETIME's documented range starts at 1000-01-01
        }

        /** The columns hold UTC wall-clock time, so UTC's, whatever the session's {@code time_zone}. */
        @Override
        String currentInstant() {
            return "UTC_TIMESTAMP(6)";
        }

        @Override
        void lockSchema(Connection c, String name, int timeoutSeconds) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT GET_LOCK(?, ?)")) {
                ps.setString(1, name);
                ps.setInt(2, timeoutSeconds);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || rs.getInt(1) != 1) {
                        throw new SQLException("could not take the schema lock " + name + " within " + timeoutSeconds
                                + " s: another node is still migrating, or holds it after failing", "55P03");
                    }
                }
            }
        }

        /**
         * MariaDB's range optimizer does not take a row-value comparison as an index range (it scans from the start
         * of the index), but it does build ranges from OR-ed conjunctions of the index's leading columns, led by a
         * lower bound on the first: {@code a >= ? AND (a > ? OR (a = ? AND b > ?) OR ...)}.
         */
        @Override
        Keyset after(List<String> columns) {
            StringBuilder sql = new StringBuilder("(").append(columns.get(0)).append(" >= ? AND (");
            List<Integer> binds = new java.util.ArrayList<>();
            binds.add(0);
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) {
                    sql.append(" OR ");
                }
                sql.append('(');
                for (int j = 0; j < i; j++) {
                    sql.append(columns.get(j)).append(" = ? AND ");
                    binds.add(j);
                }
                sql.append(columns.get(i)).append(" > ?)");
                binds.add(i);
            }
            return new Keyset(sql.append("))").toString(), binds.stream().mapToInt(Integer::intValue).toArray());
        }

        @Override
        boolean skipsLockedRows() {
            return true; // 10.6+
        }

        @Override
        void unlockSchema(Connection c, String name) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT RELEASE_LOCK(?)")) {
                ps.setString(1, name);
                ps.executeQuery().close();
            }
        }
    }
}
