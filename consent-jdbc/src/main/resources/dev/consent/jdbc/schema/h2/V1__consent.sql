-- consent-jdbc schema version 1 for H2 2.x.
-- ${prefix} is the table prefix (JdbcStore.builder(...).tablePrefix(...), default "consent_");
-- Flyway and Liquibase substitute ${prefix} when it is declared as a placeholder / changelog parameter.
-- Every statement is idempotent, so two nodes that start at once can both run this file.
-- Statements end with a semicolon at the end of a line; no semicolon appears inside a statement.

-- One row per consent event, all fields, never updated or deleted by normal operation.
-- (subject, seq) is the backstop against a forked chain; event_id makes redelivery harmless.
-- Instants are TIMESTAMP WITH TIME ZONE: microsecond precision, an absolute instant whatever the
-- session's TIME ZONE setting.
CREATE TABLE IF NOT EXISTS ${prefix}events (
    subject               VARCHAR(200)  NOT NULL,
    seq                   BIGINT        NOT NULL,
    event_id              VARCHAR(100)  NOT NULL,
    purpose               VARCHAR(100)  NOT NULL,
    consent_version       INTEGER       NOT NULL,
    policy_version        VARCHAR(50)   NOT NULL,
    choice                VARCHAR(32)   NOT NULL,
    occurred_at           TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    recorded_at           TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    expires_at            TIMESTAMP(6) WITH TIME ZONE,
    method                VARCHAR(32)   NOT NULL,
    actor                 VARCHAR(32)   NOT NULL,
    declared_age          SMALLINT,
    evidence_notice_id    VARCHAR(200),
    evidence_notice_hash  VARCHAR(64),
    evidence_locale       VARCHAR(35),
    evidence_user_agent   VARCHAR(1000),
    evidence_ip           VARCHAR(100),
    evidence_reference    VARCHAR(1000),
    previous_hash         VARCHAR(64)   NOT NULL,
    event_hash            VARCHAR(64)   NOT NULL,
    CONSTRAINT ${prefix}events_pk PRIMARY KEY (subject, seq),
    CONSTRAINT ${prefix}events_id_uq UNIQUE (event_id)
);

-- The head of each subject's chain: appends compare-and-set this row, so two nodes never fork a chain.
CREATE TABLE IF NOT EXISTS ${prefix}heads (
    subject     VARCHAR(200) NOT NULL,
    seq         BIGINT       NOT NULL,
    head_hash   VARCHAR(64)  NOT NULL,
    CONSTRAINT ${prefix}heads_pk PRIMARY KEY (subject)
);

-- Anonymous visitors linked to the customer they turned out to be. A visitor has at most one customer.
CREATE TABLE IF NOT EXISTS ${prefix}links (
    visitor     VARCHAR(200) NOT NULL,
    customer    VARCHAR(200) NOT NULL,
    linked_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    CONSTRAINT ${prefix}links_pk PRIMARY KEY (visitor)
);
CREATE INDEX IF NOT EXISTS ${prefix}links_customer_ix ON ${prefix}links (customer);

-- The change feed other nodes poll to drop stale cache entries. Positions are handed out while the
-- feed lock below is held, so they become visible in position order.
CREATE TABLE IF NOT EXISTS ${prefix}changes (
    feed_position  BIGINT GENERATED ALWAYS AS IDENTITY,
    subject        VARCHAR(200) NOT NULL,
    CONSTRAINT ${prefix}changes_pk PRIMARY KEY (feed_position)
);

-- One row, locked FOR UPDATE by every transaction that adds change-feed entries.
CREATE TABLE IF NOT EXISTS ${prefix}feed_lock (
    id  INTEGER NOT NULL,
    CONSTRAINT ${prefix}feed_lock_pk PRIMARY KEY (id)
);
MERGE INTO ${prefix}feed_lock (id) KEY (id) VALUES (1);
