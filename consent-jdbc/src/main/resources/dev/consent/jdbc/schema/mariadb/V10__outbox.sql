-- consent-jdbc schema version 10 for MariaDB 10.6+ (InnoDB): the recipients' outbox (GDPR Art. 19). Same conventions
-- as V1__consent.sql: ${prefix} placeholder, idempotent statements, one per semicolon line, ids compared byte for byte
-- (utf8mb4_nopad_bin), instants as UTC DATETIME(6), indexes declared inside CREATE TABLE.

-- One row per notice to a recipient, written in the transaction of the change that caused it. due_at is when it may
-- next be attempted while pending, NULL once delivered (so the due index holds only pending notices). The claim
-- columns are set while a dispatcher holds it: claim_token names the holder, lease_until is when another may take it.
-- purposes and categories: ids separated by single spaces (TEXT keeps the row within InnoDB's row size).
CREATE TABLE IF NOT EXISTS ${prefix}notices (
    notice_id       VARCHAR(64)   NOT NULL,
    subject         VARCHAR(200)  NOT NULL,
    recipient_id    VARCHAR(100)  NOT NULL,
    recipient_name  VARCHAR(300)  NOT NULL,
    recipient_role  VARCHAR(16)   NOT NULL,
    action          VARCHAR(16)   NOT NULL,
    purposes        TEXT          NOT NULL,
    categories      TEXT          NOT NULL,
    request_id      VARCHAR(100),
    occurred_at     DATETIME(6)   NOT NULL,
    recorded_at     DATETIME(6)   NOT NULL,
    state           VARCHAR(16)   NOT NULL,
    attempts        INT           NOT NULL,
    due_at          DATETIME(6),
    delivered_at    DATETIME(6),
    last_failure    VARCHAR(200),
    claim_token     VARCHAR(36),
    claim_owner     VARCHAR(100),
    lease_until     DATETIME(6),
    CONSTRAINT ${prefix}notices_pk PRIMARY KEY (notice_id),
    INDEX ${prefix}notices_due_ix (due_at, notice_id),
    INDEX ${prefix}notices_subject_ix (subject, recorded_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- The delivery audit: append-only, no personal data (a notice is named by its id, a SHA-256 digest; a failure by the
-- exception's class). seq comes from the one-row counter below, taken under its row lock in the recording transaction.
CREATE TABLE IF NOT EXISTS ${prefix}deliveries (
    seq           BIGINT        NOT NULL,
    recorded_at   DATETIME(6)   NOT NULL,
    notice_id     VARCHAR(64)   NOT NULL,
    recipient_id  VARCHAR(100)  NOT NULL,
    action        VARCHAR(16)   NOT NULL,
    purposes      TEXT          NOT NULL,
    categories    TEXT          NOT NULL,
    outcome       VARCHAR(16)   NOT NULL,
    attempt       INT           NOT NULL,
    node          VARCHAR(100)  NOT NULL,
    failure       VARCHAR(200),
    CONSTRAINT ${prefix}deliveries_pk PRIMARY KEY (seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS ${prefix}delivery_counter (
    id        INT    NOT NULL,
    last_seq  BIGINT NOT NULL,
    CONSTRAINT ${prefix}delivery_counter_pk PRIMARY KEY (id)
) ENGINE=InnoDB;
INSERT IGNORE INTO ${prefix}delivery_counter (id, last_seq) VALUES (1, 0);
