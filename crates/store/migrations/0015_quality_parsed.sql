-- What meshlens-quality derives from each contract document (`targets.rs`: its rules, its policy facts, the
-- keys tools report its datasets by, its promised latency), kept with the document. A document row never
-- changes (a changed file is stored as a new row), so a change of the catalogue parses only the contracts it
-- brought instead of every contract in the cache; the rows go with their document.
ALTER TABLE quality_contract_rules ADD COLUMN document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE;
ALTER TABLE quality_contract_facts ADD COLUMN document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE;
CREATE INDEX quality_contract_rules_document ON quality_contract_rules(document_id);
CREATE INDEX quality_contract_facts_document ON quality_contract_facts(document_id);

-- Every key a tool may report a dataset of the contract by (see `keys.rs`).
CREATE TABLE quality_contract_keys (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    dataset     TEXT NOT NULL,
    target_key  TEXT NOT NULL
);
CREATE INDEX quality_contract_keys_document ON quality_contract_keys(document_id);

-- The contract documents parsed (a contract without datasets has no keys), with their promised latency.
CREATE TABLE quality_contracts_parsed (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    latency_ms  INTEGER
);

-- Rules and facts from before this migration name no document: derive them again on the next read.
DELETE FROM quality_contract_rules;
DELETE FROM quality_contract_facts;
UPDATE quality_meta SET built_generation = -1 WHERE id = 1;
