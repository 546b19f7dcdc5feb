package dev.consent.jdbc;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The property docs/scaling.md rests on: distributed by subject (Citus), every statement the store issues on a
 * per-subject table routes to the shards of the subjects it names, or is one of a few named scans that run on every
 * shard by design. The store contract suites run through a recording data source ({@link SwitchableDataSource#sql});
 * {@link #check} classifies every distinct statement and fails on one that scans a per-subject table without being
 * on the named list, so the property cannot silently break.
 */
final class SqlInventory {
    /** Per-subject tables and the column each is distributed by (docs/scaling.md, "Tables"). */
    static final Map<String, String> PER_SUBJECT = new LinkedHashMap<>();

    static {
        PER_SUBJECT.put("events", "subject");
        PER_SUBJECT.put("heads", "subject");
        PER_SUBJECT.put("links", "customer|visitor");
        PER_SUBJECT.put("checkpoints", "subject");
        PER_SUBJECT.put("changes", "subject");
        PER_SUBJECT.put("items", "subject");
        PER_SUBJECT.put("holds", "subject");
        PER_SUBJECT.put("tombstones", "subject_ref");
        PER_SUBJECT.put("rights_requests", "subject");
        PER_SUBJECT.put("notices", "subject");
        PER_SUBJECT.put("processing_log", "subject_key");
        PER_SUBJECT.put("receipts", "subject");
    }

    /**
     * The statements that may span every shard, each with why. A pattern matches the statement's text with the table
     * prefix replaced by {@code P_} and whitespace collapsed.
     */
    static final Map<Pattern, String> PER_SHARD_SCANS = new LinkedHashMap<>();

    private static void scan(String regex, String why) {
        PER_SHARD_SCANS.put(Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.DOTALL), why);
    }

    static {
        scan("^(?=.*\\bP_changes\\b)(?=.*\\b(feed|read)_position\\b)", "the change feed read, its newest entry and its pruning by position: "
                + "per shard, one position per shard");
        scan("P_items\\b.*(active_)?due_at\\s*(<=|<)", "the sweeper's claim and the dry run over the due index: per shard");
        scan("P_items\\b.*lease_until", "the sweeper's claim, renewal and release of leases: per shard");
        scan("P_items\\b.*ORDER BY subject, category, purpose", "reindexing and listing every item: a maintenance scan");
        scan("P_rights_requests\\b.*\\bstatus\\b", "open and overdue requests: an operator report");
        scan("P_rights_requests\\b.*request_id\\s*=", "one request by its id: routed once the key leads with subject");
        scan("P_notices\\b.*\\b(due_at|next_attempt_at|lease_until|claim_token)\\b",
                "the recipients' dispatcher claim over due notices: per shard");
        scan("P_notices\\b.*notice_id", "one notice by its id, after a claim: routed once the key leads with subject");
        scan("P_holds\\b.*hold_id\\s*=", "one hold by its id: routed once the key leads with subject");
        scan("^(?=.*\\bP_processing_log\\b)(?=.*\\bused_at\\s*(<=|>=|<))(?!.*\\bsubject_key\\s*(=|IN|=\\s*ANY))",
                "the processing log's purge of entries past its retention rule and its count per purpose and period: "
                + "maintenance and reporting scans, per shard");
        scan("P_receipts\\b.*event_id\\s*=", "one receipt by its event id: routed once its key leads with the subject, as "
                + "for the events' own event id (docs/scaling.md)");
        scan("P_events\\b.*event_id\\s*(=|IN|=\\s*ANY)", "duplicate-delivery look-up by event id: per subject once the "
                + "unique key is (subject, event_id), see docs/scaling.md");
    }

    private static final Pattern DDL = Pattern.compile(
            "^\\s*(CREATE|ALTER|DROP|COMMENT|LISTEN|UNLISTEN|NOTIFY|SET|SHOW|SAVEPOINT|RELEASE|ROLLBACK|LOCK|ANALYZE)\\b",
            Pattern.CASE_INSENSITIVE);

    private SqlInventory() {
    }

    /**
     * A store contract's store on PostgreSQL under a fresh prefix, through a recording data source: each inventory test
     * builds its stores from it, empties its tables after each test and checks the inventory once at the end.
     */
    static final class Recording {
        private final String prefix = Databases.freshPrefix();
        private final SwitchableDataSource dataSource = new SwitchableDataSource(Databases.shared(Database.POSTGRESQL));
        private boolean made;

        JdbcStore store() {
            made = true;
            return JdbcStore.builder(dataSource).tablePrefix(prefix).build();
        }

        String prefix() {
            return prefix;
        }

        /** Every table emptied and the counters reset, as the contract suites expect between tests. */
        void emptyTables() throws java.sql.SQLException {
            if (!made) {
                return;
            }
            DataSource admin = Databases.shared(Database.POSTGRESQL);
            for (String table : Databases.TABLES) {
                if (!table.equals("schema_version") && !table.equals("feed_lock") && !table.endsWith("_counter")) {
                    Databases.execute(admin, "DELETE FROM " + prefix + table);
                } else if (table.endsWith("_counter")) {
                    Databases.execute(admin, "UPDATE " + prefix + table + " SET last_seq = 0");
                }
            }
        }

        /** {@link SqlInventory#check} over every statement recorded, then the tables dropped. */
        void checkAndDrop() {
            if (!made) {
                return;
            }
            try {
                check(prefix, dataSource.sql);
            } finally {
                Databases.dropTables(Databases.shared(Database.POSTGRESQL), prefix);
            }
        }
    }

    /** Fails, listing them, when a recorded statement scans a per-subject table and is not a named per-shard scan. */
    static void check(String prefix, Set<String> statements) {
        assertThat(statements).as("statements recorded").isNotEmpty();
        List<String> offending = new ArrayList<>();
        Set<String> perSubject = new TreeSet<>();
        for (String raw : statements) {
            String sql = raw.replace(prefix, "P_").replaceAll("\\s+", " ").trim();
            if (DDL.matcher(sql).find() || sql.contains("schema_version")) {
                continue;
            }
            for (Map.Entry<String, String> table : PER_SUBJECT.entrySet()) {
                if (!Pattern.compile("\\bP_" + table.getKey() + "\\b").matcher(sql).find()) {
                    continue;
                }
                perSubject.add(table.getKey());
                if (!routed(sql, table.getKey(), table.getValue()) && !namedScan(sql)) {
                    offending.add(table.getKey() + ": " + sql);
                }
            }
        }
        assertThat(offending).as("statements on per-subject tables that neither filter by the distribution column nor "
                + "are a named per-shard scan (docs/scaling.md)").isEmpty();
        assertThat(perSubject).as("per-subject tables reached").isNotEmpty();
    }

    /**
     * Whether the statement names its rows of {@code table} by the distribution column: a filter, a join on it, or an
     * insert of it (also as one part of a {@code WITH} statement that writes several tables).
     */
    static boolean routed(String sql, String table, String columns) {
        Matcher filter = Pattern.compile("\\b(\\w+\\.)?(" + columns + ")\\s*(=|IN\\s*\\(|=\\s*ANY)",
                Pattern.CASE_INSENSITIVE).matcher(sql);
        if (filter.find()) {
            return true;
        }
        Matcher insert = Pattern.compile("^(INSERT|MERGE|REPLACE)\\b.*?\\(([^)]*)\\)", Pattern.CASE_INSENSITIVE)
                .matcher(sql);
        if (insert.find() && Pattern.compile("\\b(" + columns + ")\\b", Pattern.CASE_INSENSITIVE)
                .matcher(insert.group(2)).find()) {
            return true;
        }
        Matcher part = Pattern.compile("\\bINSERT INTO P_" + table + "\\s*\\(([^)]*)\\)", Pattern.CASE_INSENSITIVE)
                .matcher(sql);
        return sql.regionMatches(true, 0, "WITH", 0, 4) && part.find()
                && Pattern.compile("\\b(" + columns + ")\\b", Pattern.CASE_INSENSITIVE).matcher(part.group(1)).find();
    }

    private static boolean namedScan(String sql) {
        return PER_SHARD_SCANS.keySet().stream().anyMatch(p -> p.matcher(sql).find());
    }
}
