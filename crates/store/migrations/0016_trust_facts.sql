-- What a product's trust score reads from the catalogue (`trust.rs`): status, certification, which parts of its
-- description are given, its output ports and their contracts, the roles held. Derived with the quality targets
-- whenever the catalogue changes, so that scoring every product reads one short row each instead of extracting
-- from every product entity and joining its ports and contracts on each read.
CREATE TABLE quality_trust_facts (
    product_id TEXT PRIMARY KEY NOT NULL,
    facts      TEXT NOT NULL
) WITHOUT ROWID;

-- Build the targets, and these facts with them, again on the next read.
UPDATE quality_meta SET built_generation = -1 WHERE id = 1;

-- The input-port links of the mesh compare the versions of both ports: with the version in the index, the join
-- (`reads.rs`, INPUT_PORT_LINKS) reads the index alone instead of looking up each consuming port's row.
DROP INDEX ports_contract;
CREATE INDEX ports_contract ON ports(contract_id, direction, version);
