-- Result files (OpenLineage events today; quality results later) that a source sync ingested, so a
-- re-sync skips the unchanged ones exactly as it skips unchanged descriptors. Owned by meshlens-sync.
-- A row is written only after its file's ingestion finished, so it never claims more than was
-- ingested. `rejected` keeps the lines the ingester refused (JSON list of {file,line,message}),
-- so a skipped file still reports them until it is fixed. What a file brought in (events, nodes)
-- stays when the file goes: its row does not.
CREATE TABLE result_files (
    source       TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
    path         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    mtime        INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    rejected     TEXT,
    PRIMARY KEY (source, path)
) WITHOUT ROWID;
