-- A migration that exists only in the tests: proves that migrations after V1 and V2 are applied in order.
CREATE TABLE IF NOT EXISTS ${prefix}test_marker (
    id INTEGER NOT NULL,
    -- the row below can only be inserted once V1 created the events table it copies from
    CONSTRAINT ${prefix}test_marker_pk PRIMARY KEY (id)
);
INSERT INTO ${prefix}test_marker (id) SELECT COUNT(*) FROM ${prefix}events;
