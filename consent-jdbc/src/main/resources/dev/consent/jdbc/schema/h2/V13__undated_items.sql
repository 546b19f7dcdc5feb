-- consent-jdbc schema version 13 for H2 2.x: an index of the retained items no rule has due. Same conventions as
-- V1__consent.sql: ${prefix} placeholder, idempotent statements, one per semicolon line.
--
-- An active item without a due instant is one whose maximum rules wait for an anchor that never happened (an account
-- never closed) or that no maximum rule covers. The dry run lists them instead of skipping them (GDPR Art. 5(2),
-- Art. 30(1)(f)), in key order, a keyset page at a time. active_undated is 1 exactly for such rows and NULL otherwise,
-- so the index range active_undated = 1 holds them alone, whatever the number of dated or disposed items (the same
-- device as active_due_at in V3).
ALTER TABLE ${prefix}items ADD COLUMN IF NOT EXISTS active_undated SMALLINT GENERATED ALWAYS AS (CASE WHEN state = 'ACTIVE' AND due_at IS NULL THEN 1 END);
CREATE INDEX IF NOT EXISTS ${prefix}items_undated_ix ON ${prefix}items (active_undated, subject, category, purpose);
