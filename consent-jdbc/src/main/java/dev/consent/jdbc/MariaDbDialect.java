package dev.consent.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;

/**
 * MariaDB 10.6+ on InnoDB: instants in {@code DATETIME(6)} holding UTC wall-clock time. DATETIME is never converted by
 * the session {@code time_zone} (TIMESTAMP is, and ends in 2038). Values cross the driver as text, formatted and parsed
 * here and by the server: MariaDB Connector/J 3.5 decodes a DATETIME through the JVM's default zone (even for
 * {@code getString} and {@code getObject(LocalDateTime.class)}), so a UTC wall-clock time that falls in a local DST gap
 * comes back an hour late (2018-11-04 00:30 read as 01:30 in America/Sao_Paulo). The time-zone test catches exactly
 * that. Claims take {@code FOR UPDATE SKIP LOCKED} (the default of {@link Dialect}).
 */
final class MariaDbDialect implements Dialect {
    private static final DateTimeFormatter WRITE = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");
    private static final DateTimeFormatter READ = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter();

    @Override
    public Database database() {
        return Database.MARIADB;
    }

    @Override
    public String schemaDirectory() {
        return "mariadb";
    }

    @Override
    public String instantColumnType() {
        return "DATETIME(6)";
    }

    @Override
    public void setInstant(PreparedStatement ps, int index, Instant value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, WRITE.format(LocalDateTime.ofInstant(value, ZoneOffset.UTC)));
        }
    }

    @Override
    public String selectInstant(String column) {
        return "DATE_FORMAT(" + column + ", '%Y-%m-%d %H:%i:%s.%f')";
    }

    @Override
    public Instant getInstant(ResultSet rs, int index) throws SQLException {
        String t = rs.getString(index);
        return t == null ? null : LocalDateTime.parse(t, READ).toInstant(ZoneOffset.UTC);
    }

    /** DATETIME's documented range starts at 1000-01-01. */
    @Override
    public Instant minInstant() {
        return Instants.YEAR_1000;
    }

    /** The columns hold UTC wall-clock time, so UTC's, whatever the session's {@code time_zone}. */
    @Override
    public String currentInstant() {
        return "UTC_TIMESTAMP(6)";
    }

    @Override
    public void lockSchema(Connection c, String name, int timeoutSeconds) throws SQLException {
        boolean taken = Sql.queryOne(c, "SELECT GET_LOCK(?, ?)", ps -> {
            ps.setString(1, name);
            ps.setInt(2, timeoutSeconds);
        }, rs -> rs.getInt(1) == 1).orElse(false);
        if (!taken) {
            throw new SQLException("could not take the schema lock " + name + " within " + timeoutSeconds
                    + " s: another node is still migrating, or holds it after failing", "55P03");
        }
    }

    @Override
    public void unlockSchema(Connection c, String name) throws SQLException {
        Sql.query(c, "SELECT RELEASE_LOCK(?)", ps -> ps.setString(1, name), rs -> rs.getObject(1));
    }

    /**
     * MariaDB's range optimizer does not take a row-value comparison as an index range (it scans from the start of the
     * index), but it does build ranges from OR-ed conjunctions of the index's leading columns, led by a lower bound on
     * the first: {@code a >= ? AND (a > ? OR (a = ? AND b > ?) OR ...)}.
     */
    @Override
    public Keyset after(List<String> columns) {
        StringBuilder sql = new StringBuilder("(").append(columns.get(0)).append(" >= ? AND (");
        List<Integer> binds = new ArrayList<>();
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
    public String toString() {
        return database().name();
    }
}
