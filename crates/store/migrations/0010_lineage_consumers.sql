-- The products lineage shows consuming each product (crates/lineage/src/consumers.rs), derived from the
-- lineage graph after every change so that `consumers` reads one indexed row set instead of building the
-- graph. Owned by meshlens-lineage. The rows hold for the lineage generation in `lineage_consumers_meta`
-- only; at any other generation they are ignored until the next refresh.
CREATE TABLE lineage_consumers (
    provider  TEXT NOT NULL,
    consumer  TEXT NOT NULL,
    contracts TEXT NOT NULL,   -- JSON array: the provider's contracts whose datasets the consumer read
    jobs      TEXT NOT NULL,   -- JSON array of [namespace, name]: the jobs that read them
    PRIMARY KEY (provider, consumer)
) WITHOUT ROWID;

CREATE TABLE lineage_consumers_meta (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO lineage_consumers_meta (id, generation) VALUES (1, -1);
