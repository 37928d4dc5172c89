-- What a catalog says of an entity's use and reception (meshlens_model::UpstreamStats): queries and distinct
-- users of the last 30 days, up and down votes; NULL where the catalog does not say. Keyed by the entity's
-- document path in its source, replaced for a source on each pull, gone with the source.
CREATE TABLE upstream_stats (
    source      TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    queries_30d INTEGER,
    users_30d   INTEGER,
    up_votes    INTEGER,
    down_votes  INTEGER,
    PRIMARY KEY (source, path)
) WITHOUT ROWID;
