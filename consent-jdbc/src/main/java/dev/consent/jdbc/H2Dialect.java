package dev.consent.jdbc;

import dev.consent.jdbc.Transactions.Outcome;

import java.util.List;

/**
 * H2 2.x: instants in {@code TIMESTAMP(6) WITH TIME ZONE}, keys as {@code IN} lists, row-value keyset conditions, no
 * schema lock across JVMs, no notifications (the defaults of {@link Dialect}); what is H2's own is here.
 */
final class H2Dialect implements Dialect {
    /** How many times a claim re-reads candidates after losing every one of them to other sweepers. */
    private static final int OPTIMISTIC_ROUNDS = 10;

    @Override
    public Database database() {
        return Database.H2;
    }

    @Override
    public String schemaDirectory() {
        return "h2";
    }

    /**
     * H2 2.3 accepts {@code FOR UPDATE SKIP LOCKED} but applies the limit before skipping, so a second sweeper would
     * get nothing while the first holds its batch. Claims are optimistic instead: candidates are read without locks
     * and each is claimed by a conditional {@code UPDATE} whose update count says who won; a round that loses every
     * candidate to other sweepers reads again.
     */
    @Override
    public <R, K> List<K> claim(Transactions tx, Claiming<R, K> claiming, int limit) {
        for (int round = 0; round < OPTIMISTIC_ROUNDS; round++) {
            List<R> candidates = tx.read(claiming.operation(), c -> claiming.pick(c, limit, ""));
            if (candidates.isEmpty()) {
                return List.of();
            }
            List<K> won = tx.inTransaction(claiming.operation(), c -> {
                List<K> out = claiming.claimUnchanged(c, candidates);
                return out.isEmpty() ? Outcome.rollback(List.<K>of()) : Outcome.commit(List.copyOf(out));
            }, c -> List.of());
            if (!won.isEmpty()) {
                return won;
            }
        }
        return List.of();
    }

    /**
     * The UNION ALL moves into a derived table of (asked, chain) pairs, the subject itself and its linked visitors,
     * joined to the events by the primary key: the same rows, but H2 (2.3) keeps no statement with a top-level UNION in
     * its session's statement cache and so parsed and planned it afresh on every cache miss, about half of such a
     * check's time on H2.
     */
    @Override
    public KeyedRead decisionOfOne(String union, String columns, String events, String links) {
        return new KeyedRead("SELECT k.asked, " + columns + " FROM (SELECT CAST(? AS VARCHAR(200)) AS asked,"
                + " CAST(? AS VARCHAR(200)) AS chain UNION ALL SELECT customer, visitor FROM " + links
                + " WHERE customer = ?) k JOIN " + events + " e ON e.subject = k.chain", 3);
    }

    @Override
    public String toString() {
        return database().name();
    }
}
