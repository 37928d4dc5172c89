-- Per-product quality figures (meshlens-quality `figures.rs`), stored after every change of the
-- quality results or the catalogue, so that scorecards, trust scores and `mesh` read one row per
-- product instead of scanning every check. Owned by meshlens-quality.
--
-- The rows hold for one pair of generations only: `checks_generation`, which the triggers below
-- bump on every change of `quality_checks`, and `lineage_meta.generation`, which moves with the
-- catalogue and the lineage (and with it `quality_targets`). At any other pair the rows are ignored
-- and the figures are computed from the checks (slower, never wrong).
CREATE TABLE quality_product_figures (
    product_id         TEXT PRIMARY KEY NOT NULL,
    checks             INTEGER NOT NULL,   -- checks with at least one kept outcome
    evaluated          INTEGER NOT NULL,   -- kept pass, warn and fail outcomes
    passes             INTEGER NOT NULL,
    failing            INTEGER NOT NULL,   -- checks whose newest outcome fails
    last_ms            INTEGER,            -- the newest outcome of any of its checks
    freshness_breaches INTEGER NOT NULL    -- failing freshness checks (SLA breaches)
) WITHOUT ROWID;

-- Latency SLAs are broken or not depending on the time of reading, so their deadlines are stored
-- instead (`updated_ms + latency_ms` of each promise, counted per product): a promise is broken when
-- its deadline is before the time of reading.
CREATE TABLE quality_sla_deadlines (
    product_id  TEXT NOT NULL,
    deadline_ms INTEGER NOT NULL,
    promises    INTEGER NOT NULL,  -- distinct (contract, dataset) promises with this deadline
    PRIMARY KEY (product_id, deadline_ms)
) WITHOUT ROWID;

CREATE TABLE quality_figures_meta (
    id                INTEGER PRIMARY KEY CHECK (id = 1),
    checks_generation INTEGER NOT NULL,
    -- The generations the stored rows were computed at; -1 before the first refresh.
    stored_checks     INTEGER NOT NULL,
    stored_catalogue  INTEGER NOT NULL
);
INSERT INTO quality_figures_meta (id, checks_generation, stored_checks, stored_catalogue)
VALUES (1, 0, -1, -1);

CREATE TRIGGER quality_checks_insert_generation AFTER INSERT ON quality_checks BEGIN
    UPDATE quality_figures_meta SET checks_generation = checks_generation + 1 WHERE id = 1;
END;
CREATE TRIGGER quality_checks_update_generation AFTER UPDATE ON quality_checks BEGIN
    UPDATE quality_figures_meta SET checks_generation = checks_generation + 1 WHERE id = 1;
END;
CREATE TRIGGER quality_checks_delete_generation AFTER DELETE ON quality_checks BEGIN
    UPDATE quality_figures_meta SET checks_generation = checks_generation + 1 WHERE id = 1;
END;
