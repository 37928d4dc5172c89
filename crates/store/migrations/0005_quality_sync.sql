-- Quality results and lineage events ingested by source syncs, contract rule links, dataset
-- metrics and retention settings. Owned by meshlens-quality (and meshlens-lineage for ol_events).

-- A file removed upstream (or a removed source) takes its outcomes and events away.
CREATE INDEX quality_results_origin ON quality_results(source, path);
CREATE INDEX ol_events_origin ON ol_events(source, path);

-- Contract quality rules (ODCS `quality[]` on a schema object or property), rebuilt with
-- `quality_targets`; results are linked to them at query time (see meshlens-quality `rules.rs`).
CREATE TABLE quality_contract_rules (
    contract_id TEXT NOT NULL,
    contract_version TEXT,
    dataset     TEXT NOT NULL,          -- schema object name ('' for contract-level rules)
    column_name TEXT NOT NULL,          -- property name, '' for object-level rules
    ordinal     INTEGER NOT NULL,       -- position among the rules of the contract
    name        TEXT,
    rule_type   TEXT,
    metric      TEXT,
    dimension   TEXT,
    description TEXT
);
CREATE INDEX quality_contract_rules_contract ON quality_contract_rules(contract_id, dataset);

-- OpenLineage `dataQualityMetrics` facets: one row per dataset (or column) and event time.
-- `column_name` is '' for the dataset-level figures (rowCount, bytes, fileCount).
CREATE TABLE quality_metrics (
    target_key     TEXT NOT NULL,
    namespace      TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    column_name    TEXT NOT NULL,
    at_ms          INTEGER NOT NULL,
    at             TEXT NOT NULL,
    row_count      INTEGER,
    bytes          INTEGER,
    file_count     INTEGER,
    null_count     INTEGER,
    distinct_count INTEGER,
    sum            REAL,
    count          REAL,
    min            REAL,
    max            REAL,
    quantiles      TEXT,                -- JSON object {"0.25": 1.5, ...}
    source         TEXT,
    path           TEXT NOT NULL,
    PRIMARY KEY (target_key, column_name, at_ms, namespace, dataset)
) WITHOUT ROWID;
CREATE INDEX quality_metrics_origin ON quality_metrics(source, path);
CREATE INDEX quality_metrics_at ON quality_metrics(at_ms);

-- How long quality history is kept (applied after every import and sync).
CREATE TABLE quality_settings (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    max_age_days          INTEGER,
    max_results_per_check INTEGER
);
INSERT INTO quality_settings (id, max_age_days, max_results_per_check) VALUES (1, 180, 1000);
