-- consent-jdbc schema version 2 for PostgreSQL 15: the checkpoints left when the ledger is pruned.
-- Same conventions as V1__consent.sql: ${prefix} placeholder, idempotent statements, one per semicolon line.

-- A subject's latest pruning checkpoint: it stands in for the events up to seq, which are deleted in the same
-- transaction. The signature (HMAC under the shop's key) is what makes a forged checkpoint detectable.
CREATE TABLE IF NOT EXISTS ${prefix}checkpoints (
    subject     VARCHAR(200) NOT NULL,
    seq         BIGINT       NOT NULL,
    event_hash  VARCHAR(64)  NOT NULL,
    pruned_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    horizon     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    signature   VARCHAR(128) NOT NULL,
    CONSTRAINT ${prefix}checkpoints_pk PRIMARY KEY (subject)
);
