-- consent-jdbc schema version 3 for H2 2.x: retention state (the due index of retained items, sweeper
-- claims, legal holds, the disposal audit, tombstones) and data-subject rights requests.
-- Same conventions as V1__consent.sql: ${prefix} placeholder, idempotent statements, one per semicolon line.
--
-- H2 compares strings as Java's String.compareTo does, so keyset pages and "key order" match Java's ordering
-- of the ids, and the index serves them.

-- One row per retained item: a category of a subject's data, optionally narrowed to a purpose ('' when not).
-- anchors is a JSON object (anchor name -> ISO-8601 instant). The claim columns are set while a sweeper holds
-- the item: claim_token identifies the holder, lease_until is when another sweeper may take it over.
CREATE TABLE IF NOT EXISTS ${prefix}items (
    subject               VARCHAR(200) NOT NULL,
    category              VARCHAR(100) NOT NULL,
    purpose               VARCHAR(100) NOT NULL,
    anchors               CHARACTER VARYING(65535) NOT NULL,
    erasure_requested_at  TIMESTAMP(6) WITH TIME ZONE,
    due_at                TIMESTAMP(6) WITH TIME ZONE,
    state                 VARCHAR(16)  NOT NULL,
    attempts              INTEGER      NOT NULL,
    not_before            TIMESTAMP(6) WITH TIME ZONE,
    version               BIGINT       NOT NULL,
    claim_token           VARCHAR(36),
    claim_owner           VARCHAR(100),
    lease_until           TIMESTAMP(6) WITH TIME ZONE,
    active_due_at         TIMESTAMP(6) WITH TIME ZONE GENERATED ALWAYS AS (CASE WHEN state = 'ACTIVE' THEN due_at END),
    CONSTRAINT ${prefix}items_pk PRIMARY KEY (subject, category, purpose)
);
-- The due index: the planner's keyset pages and the sweeper's claims scan it in (due instant, key) order. It is
-- on active_due_at, the due instant of an active item and NULL otherwise, so disposed items are not in the range
-- scanned (the same generated column on every database; MariaDB would not seek to a keyset position in an index
-- led by state).
CREATE INDEX IF NOT EXISTS ${prefix}items_due_ix ON ${prefix}items (active_due_at, subject, category, purpose);

-- Legal holds, never deleted: a release is recorded in place. placed_seq keeps placement order.
-- categories: the held category ids separated by single spaces; '' holds every category.
CREATE TABLE IF NOT EXISTS ${prefix}holds (
    hold_id         VARCHAR(100)  NOT NULL,
    placed_seq      BIGINT GENERATED ALWAYS AS IDENTITY,
    subject         VARCHAR(200)  NOT NULL,
    categories      VARCHAR(4000) NOT NULL,
    reason          VARCHAR(1000) NOT NULL,
    placed_by       VARCHAR(200)  NOT NULL,
    placed_at       TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    released_by     VARCHAR(200),
    release_reason  VARCHAR(1000),
    released_at     TIMESTAMP(6) WITH TIME ZONE,
    CONSTRAINT ${prefix}holds_pk PRIMARY KEY (hold_id)
);
CREATE INDEX IF NOT EXISTS ${prefix}holds_subject_ix ON ${prefix}holds (subject, placed_seq);

-- The disposal audit: append-only, no personal data (items are named by their SHA-256 reference).
-- seq comes from the one-row counter below, taken under its row lock in the recording transaction, so
-- sequences are gapless and become visible in order.
CREATE TABLE IF NOT EXISTS ${prefix}disposals (
    seq              BIGINT        NOT NULL,
    recorded_at      TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    item_ref         VARCHAR(100)  NOT NULL,
    category         VARCHAR(100)  NOT NULL,
    purpose          VARCHAR(100)  NOT NULL,
    rule_id          VARCHAR(100)  NOT NULL,
    policy_version   VARCHAR(50)   NOT NULL,
    anchor           VARCHAR(60),
    anchor_at        TIMESTAMP(6) WITH TIME ZONE,
    cutoff           TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    action           VARCHAR(16)   NOT NULL,
    outcome          VARCHAR(32)   NOT NULL,
    attempt          INTEGER       NOT NULL,
    idempotency_key  VARCHAR(200)  NOT NULL,
    node             VARCHAR(100)  NOT NULL,
    failure          VARCHAR(1000),
    CONSTRAINT ${prefix}disposals_pk PRIMARY KEY (seq)
);
CREATE TABLE IF NOT EXISTS ${prefix}disposal_counter (
    id        INTEGER NOT NULL,
    last_seq  BIGINT  NOT NULL,
    CONSTRAINT ${prefix}disposal_counter_pk PRIMARY KEY (id)
);
-- Only when missing: an upsert would reset a counter in use.
INSERT INTO ${prefix}disposal_counter (id, last_seq) SELECT 1, 0 WHERE NOT EXISTS (SELECT id FROM ${prefix}disposal_counter WHERE id = 1);

-- Left by erasure requests: the SHA-256 subject reference only, never the subject id.
CREATE TABLE IF NOT EXISTS ${prefix}tombstones (
    subject_ref           VARCHAR(100) NOT NULL,
    erasure_requested_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    CONSTRAINT ${prefix}tombstones_pk PRIMARY KEY (subject_ref)
);

-- Data-subject rights requests: the whole request as one JSON document (RightsRequestCodec), beside the
-- columns the store looks it up and orders it by. received_at is the document's instant to the microsecond.
CREATE TABLE IF NOT EXISTS ${prefix}rights_requests (
    request_id   VARCHAR(100) NOT NULL,
    subject      VARCHAR(200) NOT NULL,
    status       VARCHAR(32)  NOT NULL,
    received_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    version      BIGINT       NOT NULL,
    document     CHARACTER LARGE OBJECT NOT NULL,
    CONSTRAINT ${prefix}rights_requests_pk PRIMARY KEY (request_id)
);
CREATE INDEX IF NOT EXISTS ${prefix}rights_subject_ix ON ${prefix}rights_requests (subject, received_at);
CREATE INDEX IF NOT EXISTS ${prefix}rights_status_ix ON ${prefix}rights_requests (status, received_at);
