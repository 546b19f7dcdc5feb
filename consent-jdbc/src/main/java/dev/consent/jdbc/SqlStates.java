package dev.consent.jdbc;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Portable classification of {@link SQLException}s by SQLState class, as ShedLock does: vendor error
 * codes differ, the SQL-standard class does not. Drivers report batch failures differently (PostgreSQL
 * in {@link SQLException#getNextException()}, others as the cause), so the whole chain is searched.
 */
final class SqlStates {
    private SqlStates() {
    }

    /** Class 23, integrity constraint violation: here always a unique or primary key that already holds the row. */
    static boolean isUniqueViolation(SQLException e) {
        return anyStateInClass(e, "23");
    }

    /** Class 40, transaction rollback: the database chose this transaction as a deadlock or serialization victim. */
    static boolean isTransactionRollback(SQLException e) {
        return anyStateInClass(e, "40");
    }

    private static boolean anyStateInClass(SQLException e, String stateClass) {
        Deque<Throwable> todo = new ArrayDeque<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        todo.push(e);
        while (!todo.isEmpty()) {
            Throwable t = todo.pop();
            if (!seen.add(t)) {
                continue;
            }
            if (t instanceof SQLException sql) {
                if (sql.getSQLState() != null && sql.getSQLState().startsWith(stateClass)) {
                    return true;
                }
                if (sql.getNextException() != null) {
                    todo.push(sql.getNextException());
                }
            }
            if (t.getCause() != null) {
                todo.push(t.getCause());
            }
        }
        return false;
    }
}
