-- consent-jdbc schema version 13 for PostgreSQL 12+: an index of the retained items no rule has due. Same conventions
-- as V1__consent.sql: ${prefix} placeholder, idempotent statements, one per semicolon line.
--
-- An active item without a due instant is one whose maximum rules wait for an anchor that never happened (an account
-- never closed) or that no maximum rule covers. The dry run lists them instead of skipping them (GDPR Art. 5(2),
-- Art. 30(1)(f)), in key order, a keyset page at a time. A partial index holds exactly those rows, whatever the number
-- of dated or disposed items; unlike a generated column (what H2 and MariaDB use), it does not rewrite the table.
-- The planner's query repeats its predicate word for word (PostgresDialect.undatedScan), so PostgreSQL uses it.
CREATE INDEX IF NOT EXISTS ${prefix}items_undated_ix ON ${prefix}items (subject, category, purpose) WHERE state = 'ACTIVE' AND due_at IS NULL;
