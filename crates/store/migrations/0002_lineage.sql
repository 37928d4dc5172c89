-- OpenLineage: raw events (deduplicated), the nodes and edges they describe, and run states.
-- Owned by meshlens-lineage. Edges always point in the direction data flows (upstream -> downstream).

-- One row. `instance` names this database for the in-process graph cache; `generation` is bumped
-- by every write that changes the lineage graph, so the cache knows when to rebuild.
CREATE TABLE lineage_meta (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    instance   TEXT NOT NULL,
    generation INTEGER NOT NULL
);
INSERT INTO lineage_meta (id, instance, generation) VALUES (1, lower(hex(randomblob(16))), 0);

-- Every accepted event, verbatim, so unknown facets and run-level details are never lost.
CREATE TABLE ol_events (
    id          INTEGER PRIMARY KEY,
    dedupe_key  BLOB NOT NULL UNIQUE,   -- 16 bytes of SHA-256 over the key-sorted event
    event_kind  TEXT NOT NULL CHECK (event_kind IN ('run', 'dataset', 'job')),
    event_type  TEXT,
    event_time  TEXT NOT NULL,
    event_ms    INTEGER NOT NULL,
    run_id      TEXT,
    source      TEXT,
    path        TEXT NOT NULL,
    line        INTEGER NOT NULL,
    body        TEXT NOT NULL
);

-- Datasets and jobs, each identified by (namespace, name). `facets` keeps the newest version of
-- every facet key seen; `facet_ms` records the event time each key came from (out-of-order safe).
CREATE TABLE lineage_nodes (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('dataset', 'job')),
    namespace TEXT NOT NULL,
    name      TEXT NOT NULL,
    facets    TEXT NOT NULL DEFAULT '{}',
    facet_ms  TEXT NOT NULL DEFAULT '{}',
    UNIQUE (kind, namespace, name)
);

-- `alias` is another identifier of `target` (symlinks facet, or a RENAME's previous identifier).
CREATE TABLE dataset_aliases (
    alias  INTEGER NOT NULL REFERENCES lineage_nodes(id),
    target INTEGER NOT NULL REFERENCES lineage_nodes(id),
    type   TEXT,
    PRIMARY KEY (alias, target)
) WITHOUT ROWID;

-- kind: 'consumes' (dataset -> job), 'produces' (job -> dataset), 'derived' (dataset -> dataset),
-- 'triggers' (job -> job, from the lineage job facet).
CREATE TABLE lineage_edges (
    from_node INTEGER NOT NULL REFERENCES lineage_nodes(id),
    to_node   INTEGER NOT NULL REFERENCES lineage_nodes(id),
    kind      TEXT NOT NULL,
    PRIMARY KEY (from_node, to_node, kind)
) WITHOUT ROWID;
CREATE INDEX lineage_edges_to ON lineage_edges(to_node, from_node);

-- Column-level lineage from the columnLineage (and lineage) dataset facets.
-- `transformation` is `TYPE` or `TYPE/SUBTYPE` as reported, '' when the producer gave none.
CREATE TABLE column_edges (
    from_node      INTEGER NOT NULL REFERENCES lineage_nodes(id),
    from_column    TEXT NOT NULL,
    to_node        INTEGER NOT NULL REFERENCES lineage_nodes(id),
    to_column      TEXT NOT NULL,
    transformation TEXT NOT NULL,
    PRIMARY KEY (from_node, from_column, to_node, to_column, transformation)
) WITHOUT ROWID;
CREATE INDEX column_edges_to ON column_edges(to_node, to_column);

-- One row per run. `state_key` = event_ms * 8 + rank orders states so that the newest event wins
-- and, at equal times, a terminal state beats START/RUNNING.
CREATE TABLE lineage_runs (
    run_id     TEXT PRIMARY KEY NOT NULL,
    job        INTEGER NOT NULL REFERENCES lineage_nodes(id),
    state      TEXT,
    state_key  INTEGER NOT NULL,
    started_ms INTEGER,
    started_at TEXT,
    ended_ms   INTEGER,
    ended_at   TEXT
) WITHOUT ROWID;
CREATE INDEX lineage_runs_job ON lineage_runs(job, state_key);

-- Product-level lineage and contract links are derived from these tables, so any change to them
-- must invalidate the cached graph too.
CREATE TRIGGER lineage_gen_products_ins AFTER INSERT ON products BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
CREATE TRIGGER lineage_gen_products_upd AFTER UPDATE ON products BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
CREATE TRIGGER lineage_gen_products_del AFTER DELETE ON products BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
CREATE TRIGGER lineage_gen_ports_ins AFTER INSERT ON ports BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
CREATE TRIGGER lineage_gen_ports_upd AFTER UPDATE ON ports BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
CREATE TRIGGER lineage_gen_ports_del AFTER DELETE ON ports BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
CREATE TRIGGER lineage_gen_contracts_ins AFTER INSERT ON contracts BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
CREATE TRIGGER lineage_gen_contracts_upd AFTER UPDATE ON contracts BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
CREATE TRIGGER lineage_gen_contracts_del AFTER DELETE ON contracts BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
CREATE TRIGGER lineage_gen_datasets_ins AFTER INSERT ON datasets BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
CREATE TRIGGER lineage_gen_datasets_upd AFTER UPDATE ON datasets BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
CREATE TRIGGER lineage_gen_datasets_del AFTER DELETE ON datasets BEGIN UPDATE lineage_meta SET generation = generation + 1; END;
