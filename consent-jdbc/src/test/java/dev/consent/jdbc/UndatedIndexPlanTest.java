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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The planner's pages of undated items (active, no due instant: what no rule has due) are range scans, in key order, of
 * the index V13 made for them, which holds no dated or disposed item: no table scan, no sort, and the keyset position
 * is an index bound. Asked of each database's own EXPLAIN over 3,000 items of which half are undated.
 */
class UndatedIndexPlanTest {

    @ParameterizedTest
    @EnumSource(Database.class)
    void undatedItemPagesAreIndexRangeScansWithoutASort(Database dialect) throws SQLException {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        Dialect customization = Dialect.of(dialect);
        JdbcStore store = JdbcStore.builder(ds).tablePrefix(prefix).build();
        try {
            fill(ds, dialect, prefix, 3_000);
            ItemRepository items = new ItemRepository(customization, prefix);
            String index = prefix + "items_undated_ix";

            List<String> columns = customization.undatedScan().columns();
            Dialect.Keyset keyset = customization.after(columns);
            List<Object> page = new ArrayList<>();
            Object[] position = columns.size() == 4 ? new Object[] {1, "s1500", "access.log", ""}
                    : new Object[] {"s1500", "access.log", ""};
            for (int column : keyset.binds()) {
                page.add(position[column]);
            }
            page.add(100);
            String pagePlan = explain(ds, items.undatedSql(keyset), page);
            String firstPagePlan = explain(ds, items.undatedSql(null), List.of(100));

            for (String plan : List.of(pagePlan, firstPagePlan)) {
                assertThat(plan.toLowerCase(Locale.ROOT)).as("plan:%n%s", plan).contains(index.toLowerCase(Locale.ROOT))
                        .doesNotContain("filesort", "seq scan", "tablescan", "sort key", "type=all");
            }
            switch (dialect) {
                // the keyset position is an index bound, not a filter over everything before it
                case POSTGRESQL -> assertThat(pagePlan).as(pagePlan).containsPattern("Index Cond: \\(ROW\\(\\(subject\\)");
                case MARIADB -> assertThat(pagePlan).as(pagePlan).contains("type=range").doesNotContain("ref=const");
                case H2 -> assertThat(pagePlan).as(pagePlan).contains("ACTIVE_UNDATED >= ?");
            }
            List<RetainedItem> first = store.undatedItems(5);
            assertThat(first).hasSize(5).allSatisfy(i -> {
                assertThat(i.dueAt()).isEmpty();
                assertThat(i.state()).isEqualTo(RetainedItem.State.ACTIVE);
            });
            assertThat(first).extracting(RetainedItem::key).containsExactly(ItemKey.of("s10", "access.log"),
                    ItemKey.of("s100", "access.log"), ItemKey.of("s1000", "access.log"),
                    ItemKey.of("s1002", "access.log"), ItemKey.of("s1004", "access.log"));
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    /**
     * {@code count} items, inserted set-based: every other one active and undated, the others dated, a third of them
     * disposed.
     */
    private static void fill(DataSource ds, Database dialect, String prefix, int count) throws SQLException {
        String columns = "INSERT INTO " + prefix + "items (subject, category, purpose, anchors, erasure_requested_at,"
                + " due_at, state, attempts, not_before, version) ";
        String sql = switch (dialect) {
            case POSTGRESQL -> columns + "SELECT 's' || n, 'access.log', '', '{}', NULL, CASE WHEN n % 2 = 0 THEN NULL"
                    + " ELSE TIMESTAMPTZ '2025-03-01 10:15:30+00' + n * INTERVAL '1 millisecond' END, CASE WHEN n % 2"
                    + " <> 0 AND n % 3 = 0 THEN 'DISPOSED' ELSE 'ACTIVE' END, 0, NULL, 1 FROM generate_series(1, ?) AS n";
            case MARIADB -> columns + "SELECT CONCAT('s', seq), 'access.log', '', '{}', NULL, IF(seq % 2 = 0, NULL,"
                    + " TIMESTAMP '2025-03-01 10:15:30' + INTERVAL seq * 1000 MICROSECOND), IF(seq % 2 <> 0 AND"
                    + " seq % 3 = 0, 'DISPOSED', 'ACTIVE'), 0, NULL, 1 FROM seq_1_to_" + count;
            case H2 -> columns + "SELECT 's' || X, 'access.log', '', '{}', NULL, CASE WHEN MOD(X, 2) = 0 THEN NULL"
                    + " ELSE DATEADD(MILLISECOND, X, TIMESTAMP WITH TIME ZONE '2025-03-01 10:15:30+00') END,"
                    + " CASE WHEN MOD(X, 2) <> 0 AND MOD(X, 3) = 0 THEN 'DISPOSED' ELSE 'ACTIVE' END, 0, NULL, 1"
                    + " FROM SYSTEM_RANGE(1, ?)";
        };
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (dialect != Database.MARIADB) {
                ps.setInt(1, count);
            }
            assertThat(ps.executeUpdate()).isEqualTo(count);
            try (Statement s = c.createStatement()) {
                switch (dialect) {
                    case POSTGRESQL -> s.execute("ANALYZE " + prefix + "items");
                    case MARIADB, H2 -> s.execute("ANALYZE TABLE " + prefix + "items");
                }
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
    }

    /** The database's plan for {@code sql} with these parameters, as one string (MariaDB: column=value pairs). */
    private static String explain(DataSource ds, String sql, List<Object> params) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("EXPLAIN " + sql)) {
            for (int i = 0; i < params.size(); i++) {
                Object p = params.get(i);
                if (p instanceof Integer n) {
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
