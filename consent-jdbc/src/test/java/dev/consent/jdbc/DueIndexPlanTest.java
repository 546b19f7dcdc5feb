package dev.consent.jdbc;

import dev.consent.retention.ItemKey;
import dev.consent.retention.RetainedItem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The planner's keyset pages and the sweeper's claim scan are range scans of the due index, in index order: no
 * table scan and no sort, whatever the position. Asked of each database's own EXPLAIN over 3,000 items, a third of
 * them disposed.
 */
class DueIndexPlanTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456Z");

    @ParameterizedTest
    @EnumSource(Database.class)
    void dueItemsPagesAndClaimsAreIndexRangeScansWithoutASort(Database dialect) throws SQLException {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        Dialect customization = Dialect.of(dialect);
        JdbcStore store = JdbcStore.builder(ds).tablePrefix(prefix).build();
        try {
            store.saveItem(RetainedItem.create(ItemKey.of("s0", "access.log")).withDue(T0));
            fill(ds, dialect, prefix, 3_000);
            ItemRepository items = new ItemRepository(customization, prefix);
            ClaimRepository claims = new ClaimRepository(customization, items, new DisposalAuditRepository(customization, prefix));
            String index = prefix + "items_due_ix";

            Dialect.Keyset keyset = customization.after(ItemRepository.DUE_COLUMNS);
            List<Object> page = new ArrayList<>(List.of(T0.plusSeconds(3_600)));
            Object[] position = {T0.plusMillis(1_500), "s1500", "access.log", ""};
            for (int column : keyset.binds()) {
                page.add(position[column]);
            }
            page.add(100);
            String pagePlan = explain(ds, customization, items.dueSql(keyset), page);
            String firstPagePlan = explain(ds, customization, items.dueSql(null), List.of(T0.plusSeconds(3_600), 100));
            String claimPlan = explain(ds, customization, claims.claimableSql(dialect == Database.H2 ? "" : " FOR UPDATE SKIP LOCKED"),
                    List.of(T0.plusSeconds(3_600), T0.plusSeconds(3_600), T0.plusSeconds(3_600), 100));

            for (String plan : List.of(pagePlan, firstPagePlan, claimPlan)) {
                assertThat(plan.toLowerCase(Locale.ROOT)).as("plan:%n%s", plan).contains(index.toLowerCase(Locale.ROOT))
                        .doesNotContain("filesort", "seq scan", "tablescan", "sort key", "type=all");
            }
            switch (dialect) {
                // the keyset position is an index bound, not a filter over everything before it
                case POSTGRESQL -> assertThat(pagePlan).as(pagePlan).containsPattern("Index Cond: .*ROW\\(active_due_at");
                case MARIADB -> assertThat(pagePlan).as(pagePlan).contains("type=range").doesNotContain("ref=const");
                case H2 -> assertThat(pagePlan).as(pagePlan).contains("ACTIVE_DUE_AT >= ?");
            }
            assertThat(store.dueItems(T0.plusSeconds(3_600), 5)).hasSize(5);
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    /** {@code count - 1} more active due items like s0, plus half as many disposed ones, inserted set-based. */
    private static void fill(DataSource ds, Database dialect, String prefix, int count) throws SQLException {
        String copy = " subject_expr, category, purpose, anchors, erasure_requested_at, due_expr, state_expr, attempts,"
                + " not_before, version FROM " + prefix + "items, ";
        String sql = switch (dialect) {
            case POSTGRESQL -> "INSERT INTO " + prefix + "items (subject, category, purpose, anchors,"
                    + " erasure_requested_at, due_at, state, attempts, not_before, version) SELECT" + copy.replace("subject_expr", "'s' || n")
                    .replace("due_expr", "due_at + n * INTERVAL '1 millisecond'")
                    .replace("state_expr", "CASE WHEN n % 3 = 0 THEN 'DISPOSED' ELSE state END")
                    + "generate_series(1, ?) AS n WHERE subject = 's0'";
            case MARIADB -> "INSERT INTO " + prefix + "items (subject, category, purpose, anchors, erasure_requested_at,"
                    + " due_at, state, attempts, not_before, version) SELECT" + copy.replace("subject_expr",
                            "CONCAT('s', seq)").replace("due_expr", "due_at + INTERVAL seq * 1000 MICROSECOND")
                    .replace("state_expr", "IF(seq % 3 = 0, 'DISPOSED', state)")
                    + "seq_1_to_" + (count - 1) + " WHERE subject = 's0'";
            case H2 -> "INSERT INTO " + prefix + "items (subject, category, purpose, anchors, erasure_requested_at,"
                    + " due_at, state, attempts, not_before, version) SELECT" + copy.replace("subject_expr", "'s' || X")
                    .replace("due_expr", "DATEADD(MILLISECOND, X, due_at)")
                    .replace("state_expr", "CASE WHEN MOD(X, 3) = 0 THEN 'DISPOSED' ELSE state END")
                    + "SYSTEM_RANGE(1, ?) WHERE subject = 's0'";
        };
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (dialect != Database.MARIADB) {
                ps.setInt(1, count - 1);
            }
            assertThat(ps.executeUpdate()).isEqualTo(count - 1);
            try (Statement s = c.createStatement()) {
                switch (dialect) {
                    case POSTGRESQL -> s.execute("ANALYZE " + prefix + "items");
                    case MARIADB -> s.execute("ANALYZE TABLE " + prefix + "items");
                    case H2 -> s.execute("ANALYZE TABLE " + prefix + "items");
                }
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    /** The database's plan for {@code sql} with these parameters, as one string (MariaDB: column=value pairs). */
    private static String explain(DataSource ds, Dialect dialect, String sql, List<Object> params)
            throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("EXPLAIN " + sql)) {
            for (int i = 0; i < params.size(); i++) {
                Object p = params.get(i);
                if (p instanceof Instant t) {
                    dialect.setInstant(ps, i + 1, t);
                } else if (p instanceof Integer n) {
                    ps.setInt(i + 1, n);
                } else {
                    ps.setString(i + 1, (String) p);
                }
            }
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    for (int i = 1; i <= columns; i++) {
                        if (columns > 1) {
                            plan.append(rs.getMetaData().getColumnLabel(i)).append('=');
                        }
                        plan.append(rs.getString(i)).append(columns > 1 ? " " : "");
                    }
                    plan.append('\n');
                }
            }
            return plan.toString();
        }
    }
}
