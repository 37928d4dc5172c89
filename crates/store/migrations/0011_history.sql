-- History (issue #22): every version of a product, contract and dataset that a sync saw, the syncs
-- themselves, what the user follows and how far they have read the change feed.
--
-- History is not derived from the sources (an old version exists nowhere else), so it has no foreign key to
-- `sources`: removing a source keeps its history unless the user asks (`source remove --forget-history`).

-- One committed sync of one source.
CREATE TABLE syncs (
    id      INTEGER PRIMARY KEY,
    source  TEXT NOT NULL,
    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- `slot` tells apart what the cache holds side by side under one id: a contract's versions ('' otherwise).
-- `body` is the entity's canonical JSON (ODPS, ODCS; a dataset's own JSON) deflated; NULL for a removal. It is
-- deflated with the text of version `base_id` as preset dictionary (a version differs little from the one
-- before it), NULL for a keyframe; `depth` counts the versions back to the keyframe, which bounds a read.
-- `changes`, `breaking` and `summary` compare a version with the one before it: written with an addition or a
-- removal, filled by the app right after the sync commits for a change (NULL until then, and computed again when
-- a crash left them NULL).
CREATE TABLE entity_versions (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('product', 'contract', 'dataset')),
    entity_id        TEXT NOT NULL,
    slot             TEXT NOT NULL DEFAULT '',
    op               TEXT NOT NULL CHECK (op IN ('added', 'changed', 'removed')),
    version          TEXT,
    content_hash     TEXT,
    name             TEXT,
    domain           TEXT,
    source           TEXT NOT NULL,
    sync_id          INTEGER NOT NULL REFERENCES syncs(id) ON DELETE CASCADE,
    body             BLOB,
    base_id          INTEGER,
    depth            INTEGER NOT NULL DEFAULT 0,
    changes          TEXT,
    breaking         INTEGER,
    summary          TEXT
);
CREATE INDEX entity_versions_entity ON entity_versions(entity_id, kind, slot, id);
CREATE INDEX entity_versions_sync ON entity_versions(sync_id);
CREATE INDEX entity_versions_pending ON entity_versions(id) WHERE summary IS NULL;

-- What the user follows: a product, contract, dataset (`contract/dataset`) or domain. A rowid table, as
-- `doctor --repair` salvages user tables row by row through their rowid.
CREATE TABLE follows (
    kind       TEXT NOT NULL CHECK (kind IN ('product', 'contract', 'dataset', 'domain')),
    entity_id  TEXT NOT NULL,
    since      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (kind, entity_id)
);

-- The newest sync the user has read in the change feed ("since last sync"); one row.
CREATE TABLE feed_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_read_sync INTEGER NOT NULL
);
