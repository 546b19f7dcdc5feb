-- consent-jdbc schema version 11 for H2 2.x: signed consent receipts (ReceiptStore), one per consent event.
-- Same conventions as V1__consent.sql: ${prefix} placeholder, idempotent statements, one per semicolon line.
-- event_id is the key: a receipt is issued once per event, and a second insert for the same event is a unique
-- violation the store answers with the receipt stored first. jws is the signed receipt, kept byte for byte.
CREATE TABLE IF NOT EXISTS ${prefix}receipts (
    event_id    VARCHAR(100) NOT NULL,
    subject     VARCHAR(200) NOT NULL,
    seq         BIGINT       NOT NULL,
    purpose     VARCHAR(100) NOT NULL,
    receipt_id  VARCHAR(36)  NOT NULL,
    issued_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    key_id      VARCHAR(200) NOT NULL,
    jws         CHARACTER LARGE OBJECT NOT NULL,
    CONSTRAINT ${prefix}receipts_pk PRIMARY KEY (event_id)
);
CREATE INDEX IF NOT EXISTS ${prefix}receipts_subject_ix ON ${prefix}receipts (subject, seq);
