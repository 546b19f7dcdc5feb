-- consent-jdbc schema version 16 for H2 2.x: change-feed positions assigned after commit. Same conventions as
-- V1__consent.sql: ${prefix} placeholder, idempotent statements, one per semicolon line.
--
-- Before this version, every transaction that wrote the feed held the one row of feed_lock from drawing its positions
-- until it committed, so positions became visible in position order. Inside a host application's transaction that
-- lock was held until the host committed, and serialised every consent write of the database behind it.
--
-- Now a writer inserts its entries with read_position NULL and takes no lock. Readers follow read_position, which a
-- short sequencing transaction assigns to committed entries only, in feed_position order, while it holds the
-- feed_lock row: last_position is the last position handed out, so positions are never reused (not after pruning
-- nor after an erasure removed the newest entry). An entry that commits late gets a position above every position a
-- reader has seen, so no reader skips it. Existing entries keep their positions.
ALTER TABLE ${prefix}changes ADD COLUMN IF NOT EXISTS read_position BIGINT;
UPDATE ${prefix}changes SET read_position = feed_position WHERE read_position IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS ${prefix}changes_read_ix ON ${prefix}changes (read_position);
ALTER TABLE ${prefix}feed_lock ADD COLUMN IF NOT EXISTS last_position BIGINT NOT NULL DEFAULT 0;
UPDATE ${prefix}feed_lock SET last_position = GREATEST(last_position, (SELECT COALESCE(MAX(read_position), 0) FROM ${prefix}changes));
