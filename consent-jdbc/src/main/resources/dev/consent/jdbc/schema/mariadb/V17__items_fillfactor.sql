-- consent-jdbc schema version 17 for MariaDB 10.6+ (InnoDB): nothing to change. Same conventions as V1__consent.sql.
--
-- On PostgreSQL this version lowers the items table's fill factor, so that a sweeper's claim of an item (three columns
-- no index holds) is a heap-only update that writes no index entry (see postgresql/V17__items_fillfactor.sql).
-- InnoDB updates such columns in place in the clustered index and leaves the secondary indexes alone whatever the
-- page's free space, so there is nothing to set here. The version is recorded so that every database has the same
-- ones; its one statement changes nothing (a migration without a statement is refused as a mistake).
SELECT COUNT(*) FROM ${prefix}items WHERE 1 = 0;
