-- A smaller version row (issue #22: 50 versions of every product under 200 MiB; a row with its index entries
-- cost 466 bytes besides its body). What a version is of (kind, id, slot) is stored once, in `history_entities`,
-- and versions refer to it by an integer key (the entity index shrinks with it); the content hash is 32 raw bytes
-- instead of 64 hex characters; the source is the sync's (`syncs.source`), no longer repeated on every row.
-- `changes` becomes a BLOB the store deflates (with a preset dictionary of the words change lists repeat; an
-- empty list is an empty blob). SQL cannot deflate: the lists already stored wait in `history_legacy_changes`,
-- which the store empties into `entity_versions.changes` when it opens the cache (`Store::open`).

CREATE TABLE history_entities (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('product', 'contract', 'dataset')),
    entity_id  TEXT NOT NULL,
    slot       TEXT NOT NULL DEFAULT '',
    UNIQUE (entity_id, kind, slot)
);

INSERT INTO history_entities (kind, entity_id, slot)
    SELECT DISTINCT kind, entity_id, slot FROM entity_versions ORDER BY entity_id, kind, slot;

-- As in 0011, but `entity` for (kind, entity_id, slot), `hash` for `content_hash`, no `source`.
CREATE TABLE history_versions (
    id        INTEGER PRIMARY KEY,
    entity    INTEGER NOT NULL REFERENCES history_entities(id),
    op        TEXT NOT NULL CHECK (op IN ('added', 'changed', 'removed')),
    version   TEXT,
    hash      BLOB,
    name      TEXT,
    domain    TEXT,
    sync_id   INTEGER NOT NULL REFERENCES syncs(id) ON DELETE CASCADE,
    body      BLOB,
    base_id   INTEGER,
    depth     INTEGER NOT NULL DEFAULT 0,
    changes   BLOB,
    breaking  INTEGER,
    summary   TEXT
);

INSERT INTO history_versions (id, entity, op, version, hash, name, domain, sync_id, body, base_id, depth,
                              changes, breaking, summary)
    SELECT v.id, e.id, v.op, v.version, unhex(v.content_hash), v.name, v.domain, v.sync_id, v.body, v.base_id,
           v.depth, NULL, v.breaking, v.summary
    FROM entity_versions v
    JOIN history_entities e ON e.entity_id = v.entity_id AND e.kind = v.kind AND e.slot = v.slot;

CREATE TABLE history_legacy_changes (
    version_id  INTEGER PRIMARY KEY,
    changes     TEXT NOT NULL
);

INSERT INTO history_legacy_changes (version_id, changes)
    SELECT id, changes FROM entity_versions WHERE changes IS NOT NULL;

DROP TABLE entity_versions;
ALTER TABLE history_versions RENAME TO entity_versions;

CREATE INDEX entity_versions_entity ON entity_versions(entity, id);
CREATE INDEX entity_versions_sync ON entity_versions(sync_id);
CREATE INDEX entity_versions_pending ON entity_versions(id) WHERE summary IS NULL;
