package dev.consent.jdbc;

import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The read behind every decision the consent service does not find cached: per subject asked, the {@link ChoiceFact}s
 * of its own events and, through the {@code links} table, of the visitors linked to it. One query per chunk of
 * subjects, selecting only the eleven columns a decision reads, each row tagged with the subject it answers. It
 * reads the ledger's and the links' tables and writes nothing; it runs on the connection it is handed.
 */
final class DecisionFactRepository {
    private final Dialect dialect;
    private final String events;
    private final String links;
    /** The select list of the decision read, and its statement for one subject (built once: a cache miss). */
    private final String factColumns;
    private final String factsOfOne;
    /** How many times the one-subject statement takes the subject's id (the dialect's choice). */
    private final int oneSubjectParameters;

    DecisionFactRepository(Dialect dialect, String events, String links) {
        this.dialect = dialect;
        this.events = events;
        this.links = links;
        this.factColumns = EventRows.factColumns("e", dialect);
        Dialect.KeyedRead one = dialect.decisionOfOne(decisionSql(1), factColumns, events, links);
        this.factsOfOne = one.sql();
        this.oneSubjectParameters = one.keyParameters();
    }

    /**
     * The facts of each of {@code subjects} (every one of them a key of the answer, with an empty list when it has
     * none); {@code keys} are their distinct ids, at least one.
     */
    Map<SubjectId, List<ChoiceFact>> facts(Connection c, Collection<SubjectId> subjects, List<String> keys)
            throws SQLException {
        return facts(c, subjects, keys, List.of());
    }

    /**
     * As {@link #facts(Connection, Collection, List)}, narrowed on the database's side to the events on one of
     * {@code purposes} (distinct ids) or declaring an age; not narrowed when {@code purposes} is empty.
     */
    Map<SubjectId, List<ChoiceFact>> facts(Connection c, Collection<SubjectId> subjects, List<String> keys,
            List<String> purposes) throws SQLException {
        Map<String, SubjectId> asked = new HashMap<>(keys.size() * 2);
        Map<String, List<ChoiceFact>> byKey = new HashMap<>(keys.size() * 2);
        Map<SubjectId, List<ChoiceFact>> out = new HashMap<>(keys.size() * 2);
        for (SubjectId s : subjects) {
            if (!asked.containsKey(s.value())) {
                List<ChoiceFact> facts = new ArrayList<>(4);
                asked.put(s.value(), s);
                byKey.put(s.value(), facts);
                out.put(s, facts);
            }
        }
        Map<String, PurposeId> purposeIds = new HashMap<>();
        for (List<String> chunk : Keys.chunks(keys, dialect)) {
            boolean narrowed = !purposes.isEmpty();
            String sql = narrowed ? narrowedSql(chunk.size(), purposes.size())
                    : chunk.size() == 1 ? factsOfOne : decisionSql(chunk.size());
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (narrowed) {
                    int i = 1;
                    for (int half = 0; half < 2; half++) { // own events, then linked visitors'
                        i = dialect.bindKeys(c, ps, i, chunk);
                        i = dialect.bindKeys(c, ps, i, purposes);
                    }
                } else {
                    dialect.bindKeys(c, ps, 1, chunk, chunk.size() == 1 ? oneSubjectParameters : 2);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String key = rs.getString(1);
                        byKey.get(key).add(EventRows.readFact(rs, 2, dialect, asked.get(key), purposeIds));
                    }
                }
            }
        }
        return out;
    }

    /**
     * {@link #decisionSql}, each half narrowed to the events on one of {@code purposes} ids, declaring an age or
     * recording the subject's location (which decides the jurisdiction): parameters the subjects, the purposes, the
     * subjects, the purposes.
     */
    private String narrowedSql(int count, int purposes) {
        String narrowed = " AND (" + oneKey("e.purpose", purposes) + " OR e.declared_age IS NOT NULL OR e.choice = '"
                + Choice.LOCATION_RECORDED.name() + "')";
        return "SELECT e.subject AS asked, " + factColumns + " FROM " + events + " e WHERE " + oneKey("e.subject", count)
                + narrowed + " UNION ALL SELECT l.customer AS asked, " + factColumns + " FROM " + links
                + " l JOIN " + events + " e ON e.subject = l.visitor WHERE " + oneKey("l.customer", count) + narrowed;
    }

    /**
     * The decision read of {@code count} subjects bound twice by {@link Dialect#bindKeys}: each row is tagged in column
     * 1 with the subject asked for, then the fact columns of the event: the subjects' own events, and through a join
     * with the links table those of the visitors linked to them.
     */
    private String decisionSql(int count) {
        return "SELECT e.subject AS asked, " + factColumns + " FROM " + events + " e WHERE " + oneKey("e.subject", count)
                + " UNION ALL SELECT l.customer AS asked, " + factColumns + " FROM " + links
                + " l JOIN " + events + " e ON e.subject = l.visitor WHERE " + oneKey("l.customer", count);
    }

    /**
     * {@link Dialect#oneOf}, but a plain {@code = ?} for one key on every database: H2 answers a one-element {@code IN}
     * list measurably slower than an equality (which every dialect's {@link Dialect#bindKeys} binds alike for one key).
     */
    private String oneKey(String column, int count) {
        return count == 1 ? column + " = ?" : dialect.oneOf(column, count);
    }
}
