-- The shop's own table, in the shop's own Flyway history (flyway_schema_history). The consent library's tables come
-- from the starter's separate Flyway run, recorded in consent_schema_history: the two version sequences never meet.
CREATE TABLE customers (
    id         VARCHAR(36)  NOT NULL PRIMARY KEY,
    email      VARCHAR(200),
    name       VARCHAR(200),
    created_at TIMESTAMP    NOT NULL
);
