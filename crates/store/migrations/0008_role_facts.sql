-- The ownership roles (business_owner, steward, on_call, ...) each product and output contract declares, as a
-- JSON array of role ids, so the `roles` policy check of a whole mesh reads them without re-parsing descriptors.
ALTER TABLE quality_contract_facts ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE quality_product_facts ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
-- Facts built before this migration hold no roles: rebuild them on the next read.
UPDATE quality_meta SET built_generation = -1 WHERE id = 1;
