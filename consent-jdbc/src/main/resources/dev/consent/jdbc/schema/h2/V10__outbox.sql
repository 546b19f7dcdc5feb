-- consent-jdbc schema version 10 for H2 2.x: the recipients' outbox (GDPR Art. 19). Same conventions as
-- V1__consent.sql: ${prefix} placeholder, idempotent statements, one per semicolon line.

-- One row per notice to a recipient, written in the transaction of the change that caused it. due_at is when it may
-- next be attempted while pending, NULL once delivered (so the due index holds only pending notices). The claim
-- columns are set while a dispatcher holds it: claim_token names the holder, lease_until is when another may take it.
-- purposes and categories: ids separated by single spaces.
CREATE TABLE IF NOT EXISTS ${prefix}notices (
    notice_id       VARCHAR(64)   NOT NULL,
    subject         VARCHAR(200)  NOT NULL,
    recipient_id    VARCHAR(100)  NOT NULL,
    recipient_name  VARCHAR(300)  NOT NULL,
    recipient_role  VARCHAR(16)   NOT NULL,
    action          VARCHAR(16)   NOT NULL,
    purposes        VARCHAR(4000) NOT NULL,
    categories      VARCHAR(4000) NOT NULL,
    request_id      VARCHAR(100),
    occurred_at     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    recorded_at     TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    state           VARCHAR(16)   NOT NULL,
    attempts        INTEGER       NOT NULL,
    due_at          TIMESTAMP(6) WITH TIME ZONE,
    delivered_at    TIMESTAMP(6) WITH TIME ZONE,
    last_failure    VARCHAR(200),
    claim_token     VARCHAR(36),
    claim_owner     VARCHAR(100),
    lease_until     TIMESTAMP(6) WITH TIME ZONE,
    CONSTRAINT ${prefix}notices_pk PRIMARY KEY (notice_id)
);
CREATE INDEX IF NOT EXISTS ${prefix}notices_due_ix ON ${prefix}notices (due_at, notice_id);
CREATE INDEX IF NOT EXISTS ${prefix}notices_subject_ix ON ${prefix}notices (subject, recorded_at);

-- The delivery audit: append-only, no personal data (a notice is named by its id, a SHA-256 digest; a failure by the
-- exception's class). seq comes from the one-row counter below, taken under its row lock in the recording transaction.
CREATE TABLE IF NOT EXISTS ${prefix}deliveries (
    seq           BIGINT        NOT NULL,
    recorded_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    notice_id     VARCHAR(64)   NOT NULL,
    recipient_id  VARCHAR(100)  NOT NULL,
    action        VARCHAR(16)   NOT NULL,
    purposes      VARCHAR(4000) NOT NULL,
    categories    VARCHAR(4000) NOT NULL,
    outcome       VARCHAR(16)   NOT NULL,
    attempt       INTEGER       NOT NULL,
    node          VARCHAR(100)  NOT NULL,
    failure       VARCHAR(200),
    CONSTRAINT ${prefix}deliveries_pk PRIMARY KEY (seq)
);
CREATE TABLE IF NOT EXISTS ${prefix}delivery_counter (
    id        INTEGER NOT NULL,
    last_seq  BIGINT  NOT NULL,
    CONSTRAINT ${prefix}delivery_counter_pk PRIMARY KEY (id)
);
-- Only when missing: an upsert would reset a counter in use.
INSERT INTO ${prefix}delivery_counter (id, last_seq) SELECT 1, 0 WHERE NOT EXISTS (SELECT id FROM ${prefix}delivery_counter WHERE id = 1);
