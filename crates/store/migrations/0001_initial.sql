-- The cache schema. Every derived row hangs off `documents` through ON DELETE CASCADE, so removing or
-- replacing a document never leaves orphans. `entity` columns keep the extracted model as JSON so
-- reads deserialize one value instead of re-joining child tables.

CREATE TABLE sources (
    name             TEXT PRIMARY KEY NOT NULL,
    kind             TEXT NOT NULL,
    config           TEXT NOT NULL,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_sync_at     TEXT,
    last_sync_status TEXT,
    last_error       TEXT
);

CREATE TABLE documents (
    id               INTEGER PRIMARY KEY,
    source           TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
    path             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    declared_version TEXT NOT NULL,
    content_hash     TEXT NOT NULL,
    size             INTEGER NOT NULL,
    mtime            INTEGER NOT NULL,
    raw              TEXT NOT NULL,
    canonical        TEXT NOT NULL,
    entity_id        TEXT NOT NULL,
    synced_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (source, path)
);

CREATE TABLE products (
    id             TEXT PRIMARY KEY NOT NULL,
    document_id    INTEGER NOT NULL UNIQUE REFERENCES documents(id) ON DELETE CASCADE,
    name           TEXT,
    domain         TEXT,
    status         TEXT,
    version        TEXT,
    owner_team     TEXT,
    owner          TEXT,
    description    TEXT,
    classification TEXT,
    entity         TEXT NOT NULL
);
CREATE INDEX products_domain_name ON products(domain, name);

CREATE TABLE product_tags (
    product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    ordinal    INTEGER NOT NULL,
    tag        TEXT NOT NULL,
    PRIMARY KEY (product_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX product_tags_tag ON product_tags(tag);

CREATE TABLE ports (
    product_id  TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    ordinal     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    version     TEXT,
    contract_id TEXT,
    PRIMARY KEY (product_id, direction, ordinal)
) WITHOUT ROWID;
CREATE INDEX ports_contract ON ports(contract_id, direction);

-- `document_id` doubles as the stable row key that search pages by; it survives in-place updates.
CREATE TABLE contracts (
    document_id    INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    version        TEXT,
    name           TEXT,
    status         TEXT,
    domain         TEXT,
    owner_team     TEXT,
    classification TEXT,
    entity         TEXT NOT NULL
);
-- A contract is identified by (id, version); a missing version is its own single slot.
CREATE UNIQUE INDEX contracts_key ON contracts(id, COALESCE(version, ''));

CREATE TABLE datasets (
    document_id    INTEGER NOT NULL REFERENCES contracts(document_id) ON DELETE CASCADE,
    ordinal        INTEGER NOT NULL,
    name           TEXT NOT NULL,
    physical_name  TEXT,
    physical_type  TEXT,
    description    TEXT,
    classification TEXT,
    PRIMARY KEY (document_id, ordinal)
) WITHOUT ROWID;

CREATE TABLE columns (
    document_id     INTEGER NOT NULL,
    dataset_ordinal INTEGER NOT NULL,
    ordinal         INTEGER NOT NULL,
    name            TEXT NOT NULL,
    logical_type    TEXT,
    physical_type   TEXT,
    classification  TEXT,
    description     TEXT,
    PRIMARY KEY (document_id, dataset_ordinal, ordinal),
    FOREIGN KEY (document_id, dataset_ordinal) REFERENCES datasets(document_id, ordinal) ON DELETE CASCADE
) WITHOUT ROWID;
