-- consent-jdbc schema version 14 for PostgreSQL 15: the email suppression list and campaign recipients (EmailStore).
-- Same conventions as V1__consent.sql: ${prefix} placeholder, idempotent statements, one per semicolon line.
--
-- suppression: one row per suppressed contact identifier, kept as its keyed hash (HMAC-SHA256 under the shop's key
-- key_id, in lower-case hex), never the address; it survives the subject's erasure (GDPR Art. 17(3)(b), Art. 21(3)).
-- campaign_recipients: one row per recipient a campaign included, with the decision it was included on; the key
-- answers "was subject X allowed in campaign C?", the subject index serves erasure.
CREATE TABLE IF NOT EXISTS ${prefix}suppression (
    keyed_hash      CHAR(64)     NOT NULL,
    key_id          VARCHAR(16)  NOT NULL,
    reason          VARCHAR(20)  NOT NULL,
    suppressed_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    CONSTRAINT ${prefix}suppression_pk PRIMARY KEY (keyed_hash)
);
CREATE TABLE IF NOT EXISTS ${prefix}campaign_recipients (
    campaign_id       VARCHAR(64)  NOT NULL,
    subject           VARCHAR(200) NOT NULL,
    purpose           VARCHAR(100) NOT NULL,
    legal_basis       VARCHAR(32)  NOT NULL,
    reason            VARCHAR(32)  NOT NULL,
    policy_version    VARCHAR(50)  NOT NULL,
    consent_version   INT,
    deciding_subject  VARCHAR(200),
    deciding_seq      BIGINT,
    included_at       TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    CONSTRAINT ${prefix}campaign_recipients_pk PRIMARY KEY (campaign_id, subject)
);
CREATE INDEX IF NOT EXISTS ${prefix}campaign_recipients_subject_ix ON ${prefix}campaign_recipients (subject);
