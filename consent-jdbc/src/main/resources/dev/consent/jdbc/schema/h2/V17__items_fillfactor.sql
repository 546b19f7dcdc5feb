-- consent-jdbc schema version 17 for H2 2.x: nothing to change. Same conventions as V1__consent.sql.
--
-- On PostgreSQL this version lowers the items table's fill factor, so that a sweeper's claim of an item (three columns
-- no index holds) is a heap-only update that writes no index entry (see postgresql/V17__items_fillfactor.sql).
-- H2's MVStore has no fill factor to set (it writes changed pages anew). The version is recorded so that every
-- database has the same ones; its one statement changes nothing (a migration without a statement is refused as a
-- mistake).
SELECT COUNT(*) FROM ${prefix}items WHERE 1 = 0;
