-- Each product's adoption as the syncs saw it, for trends: one row when its figures changed (consumers by
-- kind of evidence, and the catalog's usage), so a product whose adoption holds still costs no row per
-- sync. Not derived: past figures exist nowhere else, so a salvage keeps it (a rowid table: the salvage reads
-- row by row in rowid order).
CREATE TABLE adoption_history (
    product_id   TEXT NOT NULL,
    at_ms        INTEGER NOT NULL,
    consumers    INTEGER NOT NULL,
    agreement    INTEGER NOT NULL,
    lineage      INTEGER NOT NULL,
    input_port   INTEGER NOT NULL,
    queries_30d  INTEGER,
    users_30d    INTEGER,
    PRIMARY KEY (product_id, at_ms)
);
