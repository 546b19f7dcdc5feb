-- consent-jdbc schema version 9 for MariaDB 10.6+ (InnoDB): the processing log (seed 002, "all internal data usage
-- activities are systematically logged"; GDPR Art. 30 and 5(2)). Same conventions as V1__consent.sql: ${prefix}
-- placeholder, idempotent statements, one per semicolon line, ids compared byte for byte (utf8mb4_nopad_bin, also
-- the order keyset pages follow), instants as UTC DATETIME(6), indexes declared inside CREATE TABLE.
--
-- One row per logged use. subject_key is the subject's id, or its keyed pseudonym once pseudonymised is TRUE (then
-- rests_on_visitor is NULL too). categories: the category ids used, separated by single spaces. The subject index
-- serves a subject's entries in time order (the export, erasure); the instant index the log's own retention and
-- counts by period.
CREATE TABLE IF NOT EXISTS ${prefix}processing_log (
    entry_id          VARCHAR(64)   NOT NULL,
    subject_key       VARCHAR(200)  NOT NULL,
    pseudonymised     BOOLEAN       NOT NULL,
    purpose           VARCHAR(100)  NOT NULL,
    categories        TEXT          NOT NULL,
    use_text          VARCHAR(200)  NOT NULL,
    batch_id          VARCHAR(64),
    used_at           DATETIME(6)   NOT NULL,
    legal_basis       VARCHAR(32)   NOT NULL,
    reason            VARCHAR(32)   NOT NULL,
    policy_version    VARCHAR(50)   NOT NULL,
    rests_on_seq      BIGINT,
    rests_on_visitor  VARCHAR(200),
    CONSTRAINT ${prefix}processing_log_pk PRIMARY KEY (entry_id),
    INDEX ${prefix}processing_subject_ix (subject_key, pseudonymised, used_at, entry_id),
    INDEX ${prefix}processing_at_ix (used_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
