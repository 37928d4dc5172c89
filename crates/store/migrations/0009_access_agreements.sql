-- Access requests and agreements read from a source's Data Usage Agreement files (`access/<id>.yaml`).
-- Owned by their file like other result files: a file removed upstream, or a removed source, takes its
-- agreement away. `decided_at` is when a sync first read the present decision (the specification has no
-- decision date); `status` is `info.status` as written, the effective status is derived when read.
CREATE TABLE access_agreements (
    source           TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE,
    path             TEXT NOT NULL,
    id               TEXT NOT NULL,
    product          TEXT NOT NULL,
    port             TEXT NOT NULL,
    status           TEXT NOT NULL,
    agreement        TEXT NOT NULL,
    decided_at       TEXT,
    PRIMARY KEY (source, path)
) WITHOUT ROWID;
CREATE INDEX access_agreements_product ON access_agreements(product, port);
CREATE INDEX access_agreements_id ON access_agreements(id);
