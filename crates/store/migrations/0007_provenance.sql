-- Provenance of documents built from catalog servers (OpenMetadata, DataHub, Marquez, Entropy):
-- which upstream entity a cached document came from, its upstream version and update time, and
-- when it was fetched. Keyed like documents (source, path); written in the sync transaction.
CREATE TABLE entity_provenance (
    source              TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
    path                TEXT NOT NULL,
    upstream_id         TEXT NOT NULL,
    upstream_version    TEXT,
    upstream_updated_at TEXT,
    fetched_at          TEXT NOT NULL,
    PRIMARY KEY (source, path)
);
-- "Which sources hold this upstream entity": the same dataset from two servers.
CREATE INDEX entity_provenance_upstream ON entity_provenance (upstream_id);
