-- Quality results, their links to contract datasets, and the last policy check.
-- Owned by meshlens-quality.

-- Every imported check outcome, kept with its time. `target_key` is the normalised dataset identity
-- the tool reported (see meshlens-quality `keys.rs`); it is joined to `quality_targets` at query
-- time, so results for datasets that are not in the cache yet link as soon as they appear.
CREATE TABLE quality_results (
    id          INTEGER PRIMARY KEY,
    dedupe_key  BLOB NOT NULL UNIQUE,   -- time (8 bytes, big-endian) + 8 bytes of SHA-256 over tool, check, dataset, column, expectation
    tool        TEXT NOT NULL,          -- dbt | great_expectations | soda | openlineage
    check_name  TEXT NOT NULL,
    check_type  TEXT,                   -- not_null, expect_column_values_to_be_unique, freshness...
    data_source TEXT,                   -- as the tool names it (server name, adapter, namespace)
    dataset     TEXT NOT NULL,          -- as the tool names it
    target_key  TEXT NOT NULL,
    column_name TEXT,
    status      TEXT NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'error', 'skipped')),
    severity    TEXT,
    observed    TEXT,
    expected    TEXT,
    at          TEXT NOT NULL,
    at_ms       INTEGER NOT NULL,
    source      TEXT,
    path        TEXT NOT NULL
);
CREATE INDEX quality_results_at ON quality_results(at_ms);

-- One row per check (tool, check, dataset key, column): counts and the newest outcome, kept up to
-- date on import so scorecards never scan the history. `last_ms` only moves forward, so results
-- imported out of order never replace a newer status; `last_id` is that newest outcome's row.
CREATE TABLE quality_checks (
    target_key  TEXT NOT NULL,
    tool        TEXT NOT NULL,
    check_name  TEXT NOT NULL,
    column_name TEXT NOT NULL,          -- '' for table-level checks
    check_type  TEXT,
    dataset     TEXT NOT NULL,
    runs        INTEGER NOT NULL,
    passes      INTEGER NOT NULL,
    warns       INTEGER NOT NULL,
    fails       INTEGER NOT NULL,       -- fail + error
    last_ms     INTEGER NOT NULL,
    last_at     TEXT NOT NULL,
    last_status TEXT NOT NULL,
    last_id     INTEGER NOT NULL,
    PRIMARY KEY (target_key, tool, check_name, column_name)
) WITHOUT ROWID;

-- dbt test nodes from a manifest.json, by folder, so that a run_results.json in the same folder
-- maps each test to its model and column whichever of the two files is read first.
CREATE TABLE quality_dbt_manifests (
    folder TEXT PRIMARY KEY NOT NULL,
    tests  TEXT NOT NULL
);

-- Contract datasets under every key a tool may report them by; rebuilt when the catalogue or the
-- lineage changes (`built_generation` against `lineage_meta.generation`, which catalogue triggers
-- and lineage ingestion bump).
CREATE TABLE quality_targets (
    target_key       TEXT NOT NULL,
    contract_id      TEXT NOT NULL,
    contract_version TEXT,
    dataset          TEXT NOT NULL,
    product_id       TEXT,
    domain           TEXT,
    latency_ms       INTEGER,          -- the contract's promised latency/freshness, if declared
    updated_ms       INTEGER,          -- end of the newest COMPLETE OpenLineage run producing it
    PRIMARY KEY (target_key, contract_id, dataset)
) WITHOUT ROWID;
CREATE INDEX quality_targets_product ON quality_targets(product_id);
CREATE INDEX quality_targets_sla ON quality_targets(product_id) WHERE latency_ms IS NOT NULL AND updated_ms IS NOT NULL;

-- What the policy checks read about each contract and product, derived with the targets so a
-- whole-mesh check never re-parses the descriptors. `pii_datasets` holds the contract's datasets
-- reduced to columns tagged pii; `custom` the customProperties (product or contract and servers)
-- as JSON [[name, value], ...]; `in_lineage` whether OpenLineage mentions one of its datasets.
CREATE TABLE quality_contract_facts (
    contract_id      TEXT NOT NULL,
    contract_version TEXT,
    classification   TEXT,
    has_retention    INTEGER NOT NULL,
    has_quality      INTEGER NOT NULL,
    pii_datasets     TEXT NOT NULL,
    custom           TEXT NOT NULL
);
CREATE INDEX quality_contract_facts_id ON quality_contract_facts(contract_id);
CREATE TABLE quality_product_facts (
    product_id TEXT PRIMARY KEY NOT NULL,
    custom     TEXT NOT NULL,
    in_lineage INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE quality_meta (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    built_generation INTEGER NOT NULL
);
INSERT INTO quality_meta (id, built_generation) VALUES (1, -1);

-- The violations found by the last policy check of each product (read by scorecards).
CREATE TABLE policy_violations (
    product_id TEXT NOT NULL,
    policy     TEXT NOT NULL,
    severity   TEXT NOT NULL,
    path       TEXT NOT NULL,
    message    TEXT NOT NULL
);
CREATE INDEX policy_violations_product ON policy_violations(product_id);
