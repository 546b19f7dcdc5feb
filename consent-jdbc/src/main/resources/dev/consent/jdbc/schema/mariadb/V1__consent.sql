-- consent-jdbc schema version 1 for MariaDB 10.6+ (InnoDB).
-- ${prefix} is the table prefix (JdbcStore.builder(...).tablePrefix(...), default "consent_");
-- Flyway and Liquibase substitute ${prefix} when it is declared as a placeholder / changelog parameter.
-- Every statement is idempotent, so two nodes that start at once can both run this file.
-- Statements end with a semicolon at the end of a line; no semicolon appears inside a statement.
--
-- Ids are compared byte for byte: utf8mb4_nopad_bin, because the default collations fold case and
-- ignore trailing spaces, which would merge the distinct subjects "Alice", "alice" and "alice ".
-- MySQL 8 has no utf8mb4_nopad_bin; its equivalent is utf8mb4_0900_bin (see README).
-- Instants are DATETIME(6) holding UTC wall-clock time (microseconds): DATETIME is not converted by
-- the session time_zone, unlike TIMESTAMP, which also ends in 2038.
-- Indexes are declared inside CREATE TABLE because MySQL 8 has no CREATE INDEX IF NOT EXISTS.

-- One row per consent event, all fields, never updated or deleted by normal operation.
-- (subject, seq) is the backstop against a forked chain; event_id makes redelivery harmless.
CREATE TABLE IF NOT EXISTS ${prefix}events (
    subject               VARCHAR(200)  NOT NULL,
    seq                   BIGINT        NOT NULL,
    event_id              VARCHAR(100)  NOT NULL,
    purpose               VARCHAR(100)  NOT NULL,
    consent_version       INT           NOT NULL,
    policy_version        VARCHAR(50)   NOT NULL,
    choice                VARCHAR(32)   NOT NULL,
    occurred_at           DATETIME(6)   NOT NULL,
    recorded_at           DATETIME(6)   NOT NULL,
    expires_at            DATETIME(6),
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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- The head of each subject's chain: appends compare-and-set this row, so two nodes never fork a chain.
CREATE TABLE IF NOT EXISTS ${prefix}heads (
    subject     VARCHAR(200) NOT NULL,
    seq         BIGINT       NOT NULL,
    head_hash   VARCHAR(64)  NOT NULL,
    CONSTRAINT ${prefix}heads_pk PRIMARY KEY (subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- Anonymous visitors linked to the customer they turned out to be. A visitor has at most one customer.
CREATE TABLE IF NOT EXISTS ${prefix}links (
    visitor     VARCHAR(200) NOT NULL,
    customer    VARCHAR(200) NOT NULL,
    linked_at   DATETIME(6)  NOT NULL,
    CONSTRAINT ${prefix}links_pk PRIMARY KEY (visitor),
    INDEX ${prefix}links_customer_ix (customer)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- The change feed other nodes poll to drop stale cache entries. Positions are handed out while the
-- feed lock below is held, so they become visible in position order.
CREATE TABLE IF NOT EXISTS ${prefix}changes (
    feed_position  BIGINT       NOT NULL AUTO_INCREMENT,
    subject        VARCHAR(200) NOT NULL,
    CONSTRAINT ${prefix}changes_pk PRIMARY KEY (feed_position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;

-- One row, locked FOR UPDATE by every transaction that adds change-feed entries.
CREATE TABLE IF NOT EXISTS ${prefix}feed_lock (
    id  INT NOT NULL,
    CONSTRAINT ${prefix}feed_lock_pk PRIMARY KEY (id)
) ENGINE=InnoDB;
INSERT IGNORE INTO ${prefix}feed_lock (id) VALUES (1);
