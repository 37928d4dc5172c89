-- The input-port links of the mesh (`port_links.rs`): a product consumes another when one of its input ports names the
-- contract (and version, when both name one) of the other's output port. `mesh` and `adoption` read every link at
-- once, and the join behind them (35k ports on a 10k-product mesh) took half of `mesh`; so the pairs are derived with
-- the quality targets whenever the catalogue changes, and hold for the catalogue generation in
-- `input_port_links_meta` only: at any other generation the join is run instead (slower, never wrong).
CREATE TABLE input_port_links (
    provider TEXT NOT NULL,
    consumer TEXT NOT NULL,
    PRIMARY KEY (provider, consumer)
) WITHOUT ROWID;

CREATE TABLE input_port_links_meta (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO input_port_links_meta (id, generation) VALUES (1, -1);

-- Build the targets, and these links with them, again on the next read.
UPDATE quality_meta SET built_generation = -1 WHERE id = 1;

-- Every product's id, name and domain by domain then id (trust scores, `mesh`, `adoption`) from the index alone,
-- without reading each product's row with its whole entity.
CREATE INDEX products_labels ON products(domain, id, name);
