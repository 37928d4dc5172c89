-- Drafts and the outbox (owned by meshlens-edit). Neither hangs off `documents`: a sync that replaces or
-- removes a document must never take an unsent edit with it.

-- One document being edited. `base_*` is the upstream version the draft started from (NULL for a new
-- document); `text` is saved as the user types. `state`: editing | queued | submitted | conflict.
-- `theirs_*` and `conflicts` hold an upstream version that changed since the base, while the user decides.
CREATE TABLE drafts (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('product', 'contract')),
    entity_id    TEXT NOT NULL,
    source       TEXT,
    path         TEXT,
    base_hash    TEXT,
    base_text    TEXT,
    text         TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'editing',
    theirs_hash  TEXT,
    theirs_text  TEXT,
    conflicts    TEXT,
    resolutions  TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- A change-set waiting for, or sent to, its target. `idempotency_key` makes a second submit of the same
-- content the same item, and lets a target recognise a change it already applied. `documents` is a JSON
-- list of {path, text, baseHash, baseText, entityId}. `lease_*` marks a drain in progress so two
-- processes never send one item at once; a lease whose process died is taken over.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    draft_id        INTEGER REFERENCES drafts(id) ON DELETE SET NULL,
    source          TEXT NOT NULL,
    documents       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'submitted', 'conflict', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL DEFAULT 0,
    lease_pid       INTEGER,
    lease_until_ms  INTEGER,
    reason          TEXT,
    receipt         TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_ms);
