-- consent-jdbc schema version 4 for MariaDB 10.6+ (InnoDB): a stamp and a write instant on every change-feed
-- entry, so that readers notice when the feed went back and old entries can be pruned.
-- Same conventions as V1__consent.sql: ${prefix} placeholder, idempotent statements, one per semicolon line.

-- stamp: a random number written with each entry. A reader remembers the stamp of the entry it read last and
-- checks that the feed still holds that entry; an entry written at the same position after the feed went back
-- (emptied with its positions restarted, restored from a backup) has another stamp.
-- written_at: when the entry was written (the writing node's clock), so that old entries can be pruned.
-- Both are NULL for entries written before this version (and by nodes still running an older version during a
-- rolling upgrade): read as stamp 0, and as old enough to prune.
-- written_at is DATETIME(6) holding UTC, like every instant in this schema.
ALTER TABLE ${prefix}changes ADD COLUMN IF NOT EXISTS stamp BIGINT NULL, ADD COLUMN IF NOT EXISTS written_at DATETIME(6) NULL;
