-- consent-jdbc schema version 9 for H2 2.x: the processing log (seed 002, "all internal data usage activities are
-- systematically logged"; GDPR Art. 30 and 5(2)). Same conventions as V1__consent.sql: ${prefix} placeholder,
-- idempotent statements, one per semicolon line.
--
-- One row per logged use. subject_key is the subject's id, or its keyed pseudonym once pseudonymised is TRUE (then
-- rests_on_visitor is NULL too). categories: the category ids used, separated by single spaces. H2 compares strings
-- as Java's String.compareTo does, so keyset pages follow Java's order.
CREATE TABLE IF NOT EXISTS ${prefix}processing_log (
    entry_id          VARCHAR(64)   NOT NULL,
    subject_key       VARCHAR(200)  NOT NULL,
    pseudonymised     BOOLEAN       NOT NULL,
    purpose           VARCHAR(100)  NOT NULL,
    categories        VARCHAR(4000) NOT NULL,
    use_text          VARCHAR(200)  NOT NULL,
    batch_id          VARCHAR(64),
    used_at           TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    legal_basis       VARCHAR(32)   NOT NULL,
    reason            VARCHAR(32)   NOT NULL,
    policy_version    VARCHAR(50)   NOT NULL,
    rests_on_seq      BIGINT,
    rests_on_visitor  VARCHAR(200),
    CONSTRAINT ${prefix}processing_log_pk PRIMARY KEY (entry_id)
);
-- A subject's entries in time order (the export, erasure); the log's own retention and counts by period.
CREATE INDEX IF NOT EXISTS ${prefix}processing_subject_ix ON ${prefix}processing_log (subject_key, pseudonymised, used_at, entry_id);
CREATE INDEX IF NOT EXISTS ${prefix}processing_at_ix ON ${prefix}processing_log (used_at);
