-- consent-jdbc schema version 3 for MariaDB 10.6+ (InnoDB): retention state (the due index of retained items,
-- sweeper claims, legal holds, the disposal audit, tombstones) and data-subject rights requests.
-- Same conventions as V1__consent.sql: ${prefix} placeholder, idempotent statements, one per semicolon line,
-- ids compared byte for byte (utf8mb4_nopad_bin, also the order keyset pages follow), instants as UTC DATETIME(6),
-- indexes declared inside CREATE TABLE.

-- One row per retained item: a category of a subject's data, optionally narrowed to a purpose ('' when not).
-- anchors is a JSON object (anchor name -> ISO-8601 instant). The claim columns are set while a sweeper holds
-- the item: claim_token identifies the holder, lease_until is when another sweeper may take it over.
-- The due index: the planner's keyset pages and the sweeper's claims scan it in (due instant, key) order. It is
-- on active_due_at, the due instant of an active item and NULL otherwise, so disposed items are not in the range
-- scanned. (An index led by state = 'ACTIVE' would do the same, but MariaDB then prefers a ref scan on state alone
-- over a range that seeks to a keyset position.)
CREATE TABLE IF NOT EXISTS ${prefix}items (
    subject               VARCHAR(200) NOT NULL,
    category              VARCHAR(100) NOT NULL,
    purpose               VARCHAR(100) NOT NULL,
    anchors               TEXT         NOT NULL,
    erasure_requested_at  DATETIME(6),
    due_at                DATETIME(6),
    state                 VARCHAR(16)  NOT NULL,
    attempts              INT          NOT NULL,
    not_before            DATETIME(6),
    version               BIGINT       NOT NULL,
    claim_token           VARCHAR(36),
    claim_owner           VARCHAR(100),
    lease_until           DATETIME(6),
    active_due_at         DATETIME(6) GENERATED ALWAYS AS (CASE WHEN state = 'ACTIVE' THEN due_at END) STORED,
    CONSTRAINT ${prefix}items_pk PRIMARY KEY (subject, category, purpose),
    INDEX ${prefix}items_due_ix (active_due_at, subject, category, purpose)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- Legal holds, never deleted: a release is recorded in place. placed_seq keeps placement order.
-- categories: the held category ids separated by single spaces; '' holds every category.
CREATE TABLE IF NOT EXISTS ${prefix}holds (
    hold_id         VARCHAR(100)  NOT NULL,
    placed_seq      BIGINT        NOT NULL AUTO_INCREMENT,
    subject         VARCHAR(200)  NOT NULL,
    categories      TEXT          NOT NULL,
    reason          VARCHAR(1000) NOT NULL,
    placed_by       VARCHAR(200)  NOT NULL,
    placed_at       DATETIME(6)   NOT NULL,
    released_by     VARCHAR(200),
    release_reason  VARCHAR(1000),
    released_at     DATETIME(6),
    CONSTRAINT ${prefix}holds_pk PRIMARY KEY (hold_id),
    UNIQUE KEY ${prefix}holds_seq_uq (placed_seq),
    INDEX ${prefix}holds_subject_ix (subject, placed_seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- The disposal audit: append-only, no personal data (items are named by their SHA-256 reference).
-- seq comes from the one-row counter below, taken under its row lock in the recording transaction, so
-- sequences are gapless and become visible in order.
CREATE TABLE IF NOT EXISTS ${prefix}disposals (
    seq              BIGINT        NOT NULL,
    recorded_at      DATETIME(6)   NOT NULL,
    item_ref         VARCHAR(100)  NOT NULL,
    category         VARCHAR(100)  NOT NULL,
    purpose          VARCHAR(100)  NOT NULL,
    rule_id          VARCHAR(100)  NOT NULL,
    policy_version   VARCHAR(50)   NOT NULL,
    anchor           VARCHAR(60),
    anchor_at        DATETIME(6),
    cutoff           DATETIME(6)   NOT NULL,
    action           VARCHAR(16)   NOT NULL,
    outcome          VARCHAR(32)   NOT NULL,
    attempt          INT           NOT NULL,
    idempotency_key  VARCHAR(200)  NOT NULL,
    node             VARCHAR(100)  NOT NULL,
    failure          VARCHAR(1000),
    CONSTRAINT ${prefix}disposals_pk PRIMARY KEY (seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS ${prefix}disposal_counter (
    id        INT    NOT NULL,
    last_seq  BIGINT NOT NULL,
    CONSTRAINT ${prefix}disposal_counter_pk PRIMARY KEY (id)
) ENGINE=InnoDB;
INSERT IGNORE INTO ${prefix}disposal_counter (id, last_seq) VALUES (1, 0);

-- Left by erasure requests: the SHA-256 subject reference only, never the subject id.
CREATE TABLE IF NOT EXISTS ${prefix}tombstones (
    subject_ref           VARCHAR(100) NOT NULL,
    erasure_requested_at  DATETIME(6)  NOT NULL,
    CONSTRAINT ${prefix}tombstones_pk PRIMARY KEY (subject_ref)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- Data-subject rights requests: the whole request as one JSON document (RightsRequestCodec), beside the
-- columns the store looks it up and orders it by. received_at is the document's instant to the microsecond.
CREATE TABLE IF NOT EXISTS ${prefix}rights_requests (
    request_id   VARCHAR(100) NOT NULL,
    subject      VARCHAR(200) NOT NULL,
    status       VARCHAR(32)  NOT NULL,
    received_at  DATETIME(6)  NOT NULL,
    version      BIGINT       NOT NULL,
    document     MEDIUMTEXT   NOT NULL,
    CONSTRAINT ${prefix}rights_requests_pk PRIMARY KEY (request_id),
    INDEX ${prefix}rights_subject_ix (subject, received_at),
    INDEX ${prefix}rights_status_ix (status, received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
