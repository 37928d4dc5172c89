-- How many conversation threads a catalog holds about an entity (OpenMetadata's feed `countThreads`);
-- NULL where the catalog does not say.
ALTER TABLE upstream_stats ADD COLUMN comments INTEGER;
